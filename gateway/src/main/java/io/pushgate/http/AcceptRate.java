package io.pushgate.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The limit on new connections: {@code perSecond} sustained, and up to {@link #BURST_SECONDS}
 * seconds' worth at once. A client that opens all its streams together (a load test, a fleet of
 * browsers back at once) is not turned away while the node is under its rate on average; a fixed
 * one-second window refused the part of such a burst above one second's worth (issue 16: 1,881 of
 * 10,000 streams opened at once). Counted with one atomic, the generic cell rate algorithm: the
 * time at which the allowance would be full again moves on by one interval per connection, and a
 * connection is refused when that time lies more than the burst ahead of now.
 *
 * <p>Any thread (the accepting loop calls it once per connection).
 */
final class AcceptRate {
    /** How many seconds' worth of connections pass at once. */
    static final int BURST_SECONDS = 2;

    /** Nanoseconds per connection at the sustained rate; 0: no limit. */
    private final long interval;
    /** How far ahead of now the full-again time may lie and still admit a connection. */
    private final long tolerance;
    private final LongSupplier clock;
    /** The time (of {@link #clock}) at which the allowance is full again; at or before now: it is full. */
    private final AtomicLong fullAt;

    AcceptRate(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** With {@code clock} in nanoseconds (tests). */
    AcceptRate(int perSecond, LongSupplier clock) {
        this.interval = perSecond <= 0 ? 0 : Math.max(1, TimeUnit.SECONDS.toNanos(1) / perSecond);
        this.tolerance = TimeUnit.SECONDS.toNanos(BURST_SECONDS) - interval;
        this.clock = clock;
        this.fullAt = new AtomicLong(clock.getAsLong());
    }

    /** Counts one new connection; false when it is over the rate (the burst is used up). */
    boolean tryAcquire() {
        if (interval == 0) {
            return true;
        }
        long now = clock.getAsLong();
        for (;;) {
            long full = fullAt.get();
            long from = full - now > 0 ? full : now;
            if (from - now > tolerance) {
                return false;
            }
            if (fullAt.compareAndSet(full, from + interval)) {
                return true;
            }
        }
    }
}
