package io.pushgate.config;

import java.time.Duration;

/**
 * How long stored topic states live, for either broker; immutable.
 *
 * @param ttl a topic not published for this long expires (its state is gone; a later publish begins
 *            a new epoch at version 1); zero: never
 */
public record TopicSettings(Duration ttl) {

    /** Topics never expire (the default). */
    public static final TopicSettings NONE = new TopicSettings(Duration.ZERO);

    public TopicSettings {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("--topic-ttl must not be negative");
        }
        if (!ttl.isZero() && ttl.toMillis() < 1) {
            throw new IllegalArgumentException("--topic-ttl must be 0 (never) or at least 1ms");
        }
    }

    public boolean expires() {
        return !ttl.isZero();
    }
}
