package io.pushgate.loops;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Netty {@link Timer} whose timeouts are scheduled tasks of a group's event loops: of the loop
 * that asks, when a loop asks, else of the group's next. Unlike a {@code HashedWheelTimer}, it
 * has no thread of its own ticking ten times a second while nothing is due: an idle node wakes
 * for nothing (the Redis client's was the largest part of an idle Redis node's CPU beyond the
 * embedded one's; bench/RESULTS.md, "The Redis client on the node's own event loops"). Scheduled
 * and cancelled on the loop that asks, a timeout costs an entry in that loop's queue of scheduled
 * tasks and no hand-over; cancelled from another thread, it is removed lazily, without waking the loop.
 *
 * <p>The loops belong to whoever built them: {@link #stop} cancels nothing. A user stops asking
 * for timeouts before the loops shut down (shutting down drops what is still scheduled).
 *
 * <p>Thread rules: any thread; a task runs on the loop it was scheduled on, and must not block.
 */
public final class LoopTimer implements Timer {
    private static final Logger log = LoggerFactory.getLogger(LoopTimer.class);

    private final EventExecutorGroup loops;

    public LoopTimer(EventExecutorGroup loops) {
        this.loops = loops;
    }

    @Override
    public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
        LoopTimeout timeout = new LoopTimeout(this, task);
        timeout.future = askingLoop().schedule(timeout, delay, unit);
        return timeout;
    }

    /** The loop of the calling thread if it is one of the group's, else the group's next. */
    private EventExecutor askingLoop() {
        for (EventExecutor loop : loops) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return loops.next();
    }

    /** Cancels nothing and returns nothing: the loops and what they have scheduled are their owner's. */
    @Override
    public Set<Timeout> stop() {
        return Set.of();
    }

    private static final class LoopTimeout implements Timeout, Runnable {
        private final LoopTimer timer;
        private final TimerTask task;
        // Set by newTimeout before it returns the handle, so before any caller can cancel.
        private volatile ScheduledFuture<?> future;
        private volatile boolean expired;

        LoopTimeout(LoopTimer timer, TimerTask task) {
            this.timer = timer;
            this.task = task;
        }

        @Override
        public void run() {
            expired = true;
            try {
                task.run(this);
            } catch (Throwable t) {
                log.warn("a timer task failed: {}", t.toString(), t);
            }
        }

        @Override
        public Timer timer() {
            return timer;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            return expired;
        }

        @Override
        public boolean isCancelled() {
            ScheduledFuture<?> f = future;
            return f != null && f.isCancelled();
        }

        @Override
        public boolean cancel() {
            ScheduledFuture<?> f = future;
            return f != null && f.cancel(false);
        }
    }
}
