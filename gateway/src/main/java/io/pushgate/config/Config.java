package io.pushgate.config;

import java.time.Duration;
import java.util.List;

/**
 * Every setting of a node, immutable; built once by {@link Cli} (flags and {@code PUSHGATE_*}
 * variables) or by tests with {@link #defaults()} and the {@code with…} copies.
 */
public record Config(
        String bind,
        int port,
        String redis,
        String redisCluster,
        String keyPrefix,
        Duration redisTimeout,
        Duration redisPingInterval,
        Duration redisPingTimeout,
        String adminBind,
        int adminPort,
        String nodeName,
        Transport transport,
        int workers,
        int backlog,
        Duration heartbeat,
        Duration retry,
        Duration retryJitter,
        int maxStreams,
        int maxTopicsPerStream,
        int maxText,
        int acceptRate,
        int maxInitialLine,
        int maxHeaderSize,
        Duration headerTimeout,
        Duration slowConsumerTimeout,
        int writeBufferLow,
        int writeBufferHigh,
        List<String> corsOrigins,
        Duration drainTimeout,
        Duration drainGrace) {

    public enum Transport { AUTO, EPOLL, IO_URING, NIO }

    public Config {
        corsOrigins = List.copyOf(corsOrigins);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (adminPort < 0 || adminPort > 65535) {
            throw new IllegalArgumentException("admin port out of range: " + adminPort);
        }
        if (writeBufferLow > writeBufferHigh) {
            throw new IllegalArgumentException("write-buffer-low above write-buffer-high");
        }
        if (maxStreams < 1 || maxTopicsPerStream < 1 || maxText < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (!redis.isEmpty() && !redisCluster.isEmpty()) {
            throw new IllegalArgumentException("give --redis or --redis-cluster, not both");
        }
        if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("key prefix must match [A-Za-z0-9._:-]{1,64}");
        }
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("heartbeat must be positive");
        }
    }

    /** The defaults of DESIGN.md, with ports 0 (any free port): for tests and embedding. */
    public static Config defaults() {
        return parse("--port", "0", "--admin-port", "0");
    }

    /**
     * For {@code main}: prints help or version to {@code out} and returns {@code null} when asked
     * for them; throws {@link IllegalArgumentException} (or picocli's exception) on bad input.
     */
    public static Config fromMain(String[] args, java.io.PrintWriter out) {
        return Cli.parseForMain(args, out);
    }

    /** Whether the node shares topics through Redis (standalone or cluster) rather than the embedded broker. */
    public boolean usesRedis() {
        return !redis.isEmpty() || !redisCluster.isEmpty();
    }

    /** The Redis broker's settings, or {@code null} when the node runs the embedded broker. */
    public RedisSettings redisSettings() {
        if (!usesRedis()) {
            return null;
        }
        boolean cluster = !redisCluster.isEmpty();
        return new RedisSettings(cluster ? redisCluster : redis, cluster, keyPrefix, redisTimeout, redisPingInterval,
                redisPingTimeout);
    }

    /** The settings of {@code args} over the defaults, as on the command line (tests use this). */
    public static Config parse(String... args) {
        return Cli.parse(args);
    }
}
