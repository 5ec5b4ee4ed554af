package io.pushgate.config;

import java.time.Duration;

/**
 * Settings of the Redis broker; immutable. {@code uri} is one Redis URI, or for a cluster
 * ({@code cluster} true) comma-separated seed URIs.
 *
 * @param commandTimeout connect and command timeout; a publish fails after it
 * @param pingInterval   how often the pub/sub connections are PINGed
 * @param pingTimeout    a PING unanswered this long ends the session
 */
public record RedisSettings(String uri, boolean cluster, String keyPrefix, Duration commandTimeout,
                            Duration pingInterval, Duration pingTimeout) {

    public RedisSettings {
        requireValidPrefix(keyPrefix);
    }

    /** Throws unless {@code keyPrefix} can prefix the deployment's keys and channels. */
    static void requireValidPrefix(String keyPrefix) {
        if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("key prefix must match [A-Za-z0-9._:-]{1,64}");
        }
    }
}
