package io.pushgate.loops;

import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The one periodic task of an event loop: every period it tells each registered {@link Task} the
 * time, so that per-channel deadlines (request timeouts, heartbeats, slow consumers) are checked by
 * walking the loop's own lists, never by a timer per channel.
 *
 * <p>Thread rules: {@link #add} before {@link #start}, from the thread that builds the node;
 * everything after runs on {@code loop}.
 */
public final class LoopTicker {
    private static final Logger log = LoggerFactory.getLogger(LoopTicker.class);
    private static final long MIN_PERIOD = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_PERIOD = TimeUnit.SECONDS.toNanos(10);

    /** Work done on every tick; runs on the ticker's loop and must not block. */
    public interface Task {
        /** {@code now} is {@link System#nanoTime()} at the start of the tick. */
        void tick(long now);
    }

    private final EventLoop loop;
    private final long periodNanos;
    private Task[] tasks = new Task[0];

    public LoopTicker(EventLoop loop, Duration period) {
        this.loop = loop;
        this.periodNanos = period.toNanos();
    }

    /**
     * The period that checks deadlines of the given lengths precisely enough: a quarter of the
     * shortest, between 50 ms and 10 s; 2.5 s with the defaults (a 10 s header timeout). Each tick
     * wakes the loop, and an idle node's every wake-up costs (~0.5 ms of CPU on a paravirtualized
     * machine: bench/RESULTS.md, "An idle node's own wake-ups"), where a 1 s tick bought nothing a
     * heartbeat 40 s apart or a 10 s timeout needs.
     */
    public static Duration periodFor(Duration... deadlines) {
        long shortest = Long.MAX_VALUE;
        for (Duration deadline : deadlines) {
            shortest = Math.min(shortest, deadline.toNanos());
        }
        return Duration.ofNanos(Math.max(MIN_PERIOD, Math.min(MAX_PERIOD, shortest / 4)));
    }

    public void add(Task task) {
        tasks = Arrays.copyOf(tasks, tasks.length + 1);
        tasks[tasks.length - 1] = task;
    }

    /** The time between two ticks, in nanoseconds. */
    public long periodNanos() {
        return periodNanos;
    }

    public EventLoop loop() {
        return loop;
    }

    public void start() {
        loop.scheduleAtFixedRate(this::tick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        long now = System.nanoTime();
        for (Task task : tasks) {
            try {
                task.tick(now);
            } catch (RuntimeException e) {
                // A task that throws must not end the ticks of the others (a periodic task that throws is cancelled).
                log.error("tick of {} failed", task, e);
            }
        }
    }
}
