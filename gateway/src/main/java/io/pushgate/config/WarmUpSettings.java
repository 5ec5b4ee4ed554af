package io.pushgate.config;

import java.time.Duration;

/**
 * The warm-up before a node reports ready: the node runs its own serving path over loopback for
 * at most {@code limit}, so that a fresh JVM has compiled it before the first clients come; zero:
 * no warm-up. Immutable.
 */
public record WarmUpSettings(Duration limit) {

    public WarmUpSettings {
        if (limit.isNegative()) {
            throw new IllegalArgumentException("warm-up must not be negative");
        }
    }
}
