package io.pushgate.config;

import java.time.Duration;

/**
 * When a node sends its streams away. The graceful stop: new connections are still accepted for
 * {@code grace} (so load balancers see {@code /readyz} fail), then the streams are closed in
 * batches, and the process is done within {@code timeout}. A node that has lost its broker for
 * longer than {@code brokerLossHandoff} (zero: never) ends its streams in batches the same way, so
 * they reconnect to nodes that hear updates. Immutable.
 */
public record DrainSettings(Duration timeout, Duration grace, Duration brokerLossHandoff) {

    public DrainSettings {
        if (timeout.isNegative() || grace.isNegative() || brokerLossHandoff.isNegative()) {
            throw new IllegalArgumentException("drain timeout, grace and broker-loss hand-off must not be negative");
        }
    }
}
