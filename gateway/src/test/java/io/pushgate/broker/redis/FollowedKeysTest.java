package io.pushgate.broker.redis;

import io.lettuce.core.cluster.SlotHash;
import io.pushgate.config.FollowSettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state hash of a followed counter: its name, its slot, and the follows refused for them. */
class FollowedKeysTest {
    private final RedisLayout layout = new RedisLayout("pushgate");

    private static String text(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    @Test
    void stateHashOfAnUntaggedCounterTakesTheCounterAsItsTag() {
        assertEquals("{demo:FILE_TEXT_SEQ}:pushgate:follow", text(layout.followState("demo:FILE_TEXT_SEQ")));
        assertEquals(SlotHash.getSlot("demo:FILE_TEXT_SEQ"), SlotHash.getSlot(layout.followState("demo:FILE_TEXT_SEQ")));
    }

    @Test
    void stateHashOfATaggedCounterKeepsItsTagAndTellsCountersOfOneTagApart() {
        byte[] one = layout.followState("{app}:seq1");
        byte[] two = layout.followState("{app}:seq2");
        assertEquals("{app}:seq1:pushgate:follow", text(one));
        assertNotEquals(text(one), text(two));
        assertEquals(SlotHash.getSlot("{app}:seq1"), SlotHash.getSlot(one));
        assertEquals(SlotHash.getSlot("{app}:seq2"), SlotHash.getSlot(two));
    }

    @Test
    void onAClusterKeysOfTwoSlotsAreRefusedButAloneTheyAreServed() {
        FollowSettings.Keys apart = new FollowSettings.Keys("page", "page:text", "page:seq");
        assertNotEquals(SlotHash.getSlot("page:text"), SlotHash.getSlot("page:seq"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FollowedKeys.of(apart, layout, true));
        assertTrue(e.getMessage().contains("must share a hash slot"), e.getMessage());
        assertEquals("page", FollowedKeys.of(apart, layout, false).topic(), "a single Redis has no slots");
        FollowedKeys.of(new FollowSettings.Keys("page", "{page}:text", "{page}:seq"), layout, true);
    }

    @Test
    void aCounterWithABraceButNoTagIsRefusedOnACluster() {
        String counter = "a}b:seq";
        String text = sameSlotAs(counter);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FollowedKeys.of(new FollowSettings.Keys("page", text, counter), layout, true));
        assertTrue(e.getMessage().contains("no hash tag"), e.getMessage());
    }

    /** A key without a hash tag in the slot of {@code key}. */
    private static String sameSlotAs(String key) {
        for (int i = 0; ; i++) {
            if (SlotHash.getSlot("text" + i) == SlotHash.getSlot(key)) {
                return "text" + i;
            }
        }
    }

    @Test
    void invalidTopicNamesAndSharedStateHashesAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> FollowedKeys.of(new FollowSettings.Keys("no spaces", "t", "s"), layout, false));
        FollowSettings clash = new FollowSettings(List.of(new FollowSettings.Keys("a", "t1", "x"),
                new FollowSettings.Keys("b", "t2", "{x}")), true, Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThrows(IllegalArgumentException.class, () -> FollowedKeys.all(clash, layout, false));
    }
}
