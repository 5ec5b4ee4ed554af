package io.pushgate.node;

import java.time.Duration;

/**
 * How a drain closes the open streams: after the grace period, in {@code batches} batches
 * {@code intervalMillis} apart, so that clients spread their reconnects over the other nodes; then
 * a last wait of {@code finalWaitMillis} for the closes to go out before the node stops. A pure
 * function of the stream count and the settings.
 *
 * @param windowMillis the part of the drain timeout the batches spread over
 */
record DrainPlan(long windowMillis, int batches, long intervalMillis, long finalWaitMillis) {
    /** The shortest pause between two batches: more batches than this allows would only add wake-ups. */
    static final long MIN_INTERVAL_MILLIS = 100;
    /** At most this much of the drain timeout (and at most a quarter) is kept for the final close. */
    static final long MAX_RESERVE_MILLIS = 2000;
    static final long MAX_FINAL_WAIT_MILLIS = 500;

    /** The plan for {@code streams} open streams once the grace period is over. */
    static DrainPlan of(int streams, Duration timeout, Duration grace) {
        long total = timeout.toMillis();
        long window = Math.max(0, total - grace.toMillis() - Math.min(MAX_RESERVE_MILLIS, total / 4));
        int batches = (int) Math.max(1, Math.min(streams, window / MIN_INTERVAL_MILLIS));
        long interval = batches > 1 ? window / batches : 0;
        return new DrainPlan(window, batches, interval, Math.min(MAX_FINAL_WAIT_MILLIS, interval + MIN_INTERVAL_MILLIS));
    }

    /** When batch {@code batch} starts, in milliseconds after the grace period. */
    long startOf(int batch) {
        return batch * intervalMillis;
    }

    /** When the node stops, in milliseconds after the grace period. */
    long end() {
        return startOf(batches - 1) + finalWaitMillis;
    }
}
