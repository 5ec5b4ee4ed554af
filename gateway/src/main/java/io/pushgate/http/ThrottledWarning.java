package io.pushgate.http;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A WARN line that a fault repeats for every request (a broker outage, under thousands of
 * publishes a second) written at most once per interval: the first in full, each later one with
 * how many like it were left out since the last. The fault is counted in the metrics either way.
 *
 * <p>Thread rules: any thread.
 */
final class ThrottledWarning {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAt;
    private final LongAdder leftOut = new LongAdder();

    ThrottledWarning(Logger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.nextAt = new AtomicLong(System.nanoTime());
    }

    /** Logs {@code format} with {@code args} at WARN unless one was logged within the interval. */
    void warn(String format, Object... args) {
        long now = System.nanoTime();
        long next = nextAt.get();
        if (now - next >= 0 && nextAt.compareAndSet(next, now + intervalNanos)) {
            long skipped = leftOut.sumThenReset();
            log.warn(skipped == 0 ? format : format + " (" + skipped + " more like it since the last such line)", args);
        } else {
            leftOut.increment();
        }
    }
}
