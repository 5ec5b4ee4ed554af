package io.pushgate.node;

/**
 * Tells when a node that has lost its broker should hand its streams to healthy nodes: once the
 * broker has been away for longer than the bound, and only once per loss (until the broker is back),
 * so that when every node has lost it, a client moves at most once per outage instead of bouncing
 * from node to node for as long as it lasts. A state machine fed with the broker's state and a
 * clock; no timer of its own.
 *
 * <p>Thread rules: one thread (the node's accepting loop).
 */
final class BrokerLossWatch {
    private final long boundNanos;
    /** {@code System.nanoTime()} when the broker was first seen away in this loss; 0 while connected. */
    private long lostSince;
    private boolean handedOff;

    /** {@code boundNanos}: how long the broker may be away before the streams are handed off. */
    BrokerLossWatch(long boundNanos) {
        this.boundNanos = boundNanos;
    }

    /** Whether to hand the streams off now, seeing the broker {@code connected} at {@code now}. */
    boolean handOff(boolean connected, long now) {
        if (connected) {
            lostSince = 0;
            handedOff = false;
            return false;
        }
        if (lostSince == 0) {
            lostSince = Math.max(1, now);
        }
        if (handedOff || now - lostSince < boundNanos) {
            return false;
        }
        handedOff = true;
        return true;
    }
}
