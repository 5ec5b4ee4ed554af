package io.pushgate.loops;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lets an event loop with nothing to do sleep. Netty 4.2 wakes a loop that has no scheduled task
 * every second (its deadline is then "now + 1 s", {@code SingleThreadEventExecutor}'s purge
 * interval), while a loop with a scheduled task sleeps until that task is due. A task that does
 * nothing, once an hour, is such a task: the admin loop, idle between scrapes, then wakes for
 * I/O only. (The node's other loops have tasks of their own, seconds apart: a worker's tick, the
 * accepting loop's minute report.) Each wake-up of an idle node's thread cost ~0.5 ms of CPU
 * on a paravirtualized machine (bench/RESULTS.md, "An idle node's own wake-ups").
 */
public final class FarDeadline {
    /** How far the deadline is: far enough to be no cost, near enough to stay in a long-lived timer's range. */
    static final Duration PERIOD = Duration.ofHours(1);

    private static final Runnable NOTHING = () -> { };

    private FarDeadline() {
    }

    /** Gives every loop of {@code group} the far deadline; the loops' shutdown cancels it. */
    public static void keepAsleep(EventLoopGroup group) {
        long nanos = PERIOD.toNanos();
        for (EventExecutor loop : group) {
            loop.scheduleAtFixedRate(NOTHING, nanos, nanos, TimeUnit.NANOSECONDS);
        }
    }
}
