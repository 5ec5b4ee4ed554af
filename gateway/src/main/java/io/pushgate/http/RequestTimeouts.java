package io.pushgate.http;

import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop that are waiting for a request, checked by one periodic task.
 *
 * <p>Thread rules: everything on {@code loop}.
 */
public final class RequestTimeouts {
    private final EventLoop loop;
    private final long timeoutNanos;
    private final Set<RequestDeadline> waiting = new LinkedHashSet<>();

    public RequestTimeouts(EventLoop loop, Duration timeout) {
        this.loop = loop;
        this.timeoutNanos = timeout.toNanos();
    }

    public void start() {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(1), timeoutNanos / 4));
        loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
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

    private void tick() {
        long now = System.nanoTime();
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
