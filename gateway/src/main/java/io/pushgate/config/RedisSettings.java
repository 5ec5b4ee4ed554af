package io.pushgate.config;

import java.time.Duration;

/**
 * Settings of the Redis broker; immutable. {@code uri} is one Redis URI, or for a cluster
 * ({@code cluster} true) comma-separated seed URIs.
 *
 * @param commandTimeout connect and command timeout; a publish gives Redis this long (its deadline)
 * @param pingInterval   how often the pub/sub connections are PINGed
 * @param pingTimeout    a PING unanswered this long ends the session
 * @param clockSkew      how far Redis' clock may lag the node's: a publish left unanswered is reported
 *                       as of unknown outcome only this long after its deadline, when Redis would
 *                       refuse it (README, "What a failed publish means")
 */
public record RedisSettings(String uri, boolean cluster, String keyPrefix, Duration commandTimeout,
                            Duration pingInterval, Duration pingTimeout, Duration clockSkew) {

    public RedisSettings {
        requireValidPrefix(keyPrefix);
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("the clock skew must not be negative");
        }
    }

    /** With the default clock skew. */
    public RedisSettings(String uri, boolean cluster, String keyPrefix, Duration commandTimeout,
                         Duration pingInterval, Duration pingTimeout) {
        this(uri, cluster, keyPrefix, commandTimeout, pingInterval, pingTimeout, Units.duration(Defaults.REDIS_CLOCK_SKEW));
    }

    /** Throws unless {@code keyPrefix} can prefix the deployment's keys and channels. */
    static void requireValidPrefix(String keyPrefix) {
        if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("key prefix must match [A-Za-z0-9._:-]{1,64}");
        }
    }
}
