package io.pushgate.testing;

import io.pushgate.testing.SseClient.Event;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a stream's events must show through any fault (README, "Versions, epochs and resuming"):
 * within one epoch the versions only go up, so nothing came twice and nothing older came after.
 */
public final class EpochOrder {
    private EpochOrder() {
    }

    /** Fails unless, within each epoch of {@code events} (single-topic ids), every version is above the one before. */
    public static void assertVersionsRiseWithinEachEpoch(List<Event> events) {
        Map<String, Long> lastByEpoch = new HashMap<>();
        for (Event e : events) {
            String epoch = e.id().substring(e.id().indexOf('-') + 1);
            Long before = lastByEpoch.put(epoch, e.version());
            assertTrue(before == null || e.version() > before,
                    "version " + e.version() + " after " + before + " in epoch " + epoch);
        }
    }
}
