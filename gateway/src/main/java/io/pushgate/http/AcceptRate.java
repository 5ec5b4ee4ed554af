package io.pushgate.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The limit on new connections per second: a fixed one-second window counted with one atomic.
 * Any thread (the accepting loop calls it once per connection).
 */
final class AcceptRate {
    private final int perSecond;
    /** High 32 bits: the window's second (truncated); low 32 bits: connections counted in it. */
    private final AtomicLong window = new AtomicLong();

    AcceptRate(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Counts one new connection; false when the current second is already full. */
    boolean tryAcquire() {
        if (perSecond <= 0) {
            return true;
        }
        long second = (System.nanoTime() / 1_000_000_000L) & 0xFFFF_FFFFL;
        for (;;) {
            long current = window.get();
            long count = (current >>> 32) == second ? current & 0xFFFF_FFFFL : 0;
            if (count >= perSecond) {
                return false;
            }
            if (window.compareAndSet(current, (second << 32) | (count + 1))) {
                return true;
            }
        }
    }
}
