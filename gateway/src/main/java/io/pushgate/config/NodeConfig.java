package io.pushgate.config;

import java.io.PrintWriter;
import java.util.Optional;

/**
 * Every setting of a node, one immutable record per layer; built once by {@link Cli} (flags and
 * {@code PUSHGATE_*} variables). Each component receives only its own record.
 *
 * @param redis  the Redis broker's settings; empty runs the embedded in-memory broker
 * @param follow topics served from an application's Redis keys (only with {@code redis})
 * @param topics how long stored topic states live (either broker)
 * @param feeds  how many events a feed keeps (either broker, and the node's window)
 * @param warmUp how long the node may exercise its own serving path before it reports ready
 */
public record NodeConfig(ServerSettings server, AdminSettings admin, HttpSettings http, StreamSettings streams,
                         Optional<RedisSettings> redis, AuthSettings auth, DrainSettings drain,
                         FollowSettings follow, TopicSettings topics, FeedSettings feeds, WarmUpSettings warmUp) {

    /** The settings of {@code args} over the defaults, as on the command line (tests use this). */
    public static NodeConfig parse(String... args) {
        return Cli.parse(args);
    }

    /**
     * For {@code main}: prints help or version to {@code out} and returns {@code null} when asked
     * for them; throws {@link IllegalArgumentException} (or picocli's exception) on bad input.
     */
    public static NodeConfig fromMain(String[] args, PrintWriter out) {
        return Cli.parseForMain(args, out);
    }
}
