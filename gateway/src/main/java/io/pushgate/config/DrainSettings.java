package io.pushgate.config;

import java.time.Duration;

/**
 * The graceful stop: new connections are still accepted for {@code grace} (so load balancers see
 * {@code /readyz} fail), then the streams are closed in batches, and the process is done within
 * {@code timeout}. Immutable.
 */
public record DrainSettings(Duration timeout, Duration grace) {

    public DrainSettings {
        if (timeout.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("drain timeout and grace must not be negative");
        }
    }
}
