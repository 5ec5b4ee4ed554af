package io.pushgate.http;

import io.pushgate.loops.LoopTicker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The connections of one event loop that are waiting for a request, checked on each tick of the
 * loop's {@link LoopTicker}.
 *
 * <p>Thread rules: everything on the loop.
 */
final class RequestTimeouts implements LoopTicker.Task {
    private final long timeoutNanos;
    private final Set<RequestDeadline> waiting = new LinkedHashSet<>();

    RequestTimeouts(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    void add(RequestDeadline deadline) {
        // Re-insertion moves it to the end, so the set stays ordered by deadline.
        waiting.remove(deadline);
        deadline.deadline = System.nanoTime() + timeoutNanos;
        waiting.add(deadline);
    }

    void remove(RequestDeadline deadline) {
        waiting.remove(deadline);
    }

    @Override
    public void tick(long now) {
        List<RequestDeadline> expired = null;
        for (RequestDeadline deadline : waiting) {
            if (now - deadline.deadline < 0) {
                break;
            }
            if (expired == null) {
                expired = new ArrayList<>();
            }
            expired.add(deadline);
        }
        if (expired != null) {
            for (RequestDeadline deadline : expired) {
                waiting.remove(deadline);
                deadline.expire();
            }
        }
    }
}
