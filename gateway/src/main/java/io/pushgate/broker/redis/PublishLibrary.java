package io.pushgate.broker.redis;

import io.pushgate.config.FeedSettings;
import io.pushgate.config.RedisSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Redis Function library {@code pushgate} with {@code pushgate_publish} (README, "Redis mode",
 * "Publishing from anywhere") and its alias {@link #NODE_FUNCTION}, and the feeds' functions
 * ({@link FeedCalls}), loaded on every new session from {@code publish.lua}; on a cluster, whose
 * topic and feed channels are shard channels, with SPUBLISH as its one publish command
 * ({@link #SHARDED}); with the node's feed cap ({@link #FEED_CAP}). Stateless.
 */
final class PublishLibrary {
    static final String FUNCTION = "pushgate_publish";
    /**
     * The same function under the name the node calls with its options (DEADLINE, IFMATCH): a
     * library from before them lacks it, so a call that an older node's library would run without
     * its options fails instead, storing nothing.
     */
    static final String NODE_FUNCTION = "pushgate_publish_v2";

    /** The line of publish.lua that names its publish command, and what a cluster's library has there. */
    static final String PLAIN = "local PUBLISH = 'PUBLISH'";
    static final String SHARDED = "local PUBLISH = 'SPUBLISH'";

    private PublishLibrary() {
    }

    /** The line of publish.lua that sets how many events a feed keeps; the node puts its --feed-cap there. */
    static final String FEED_CAP = "local FEED_CAP = 1000";

    /** The library's source for the topology {@code settings} name, with the default feed cap. */
    static String source(RedisSettings settings) {
        return source(settings, FeedSettings.DEFAULT.cap());
    }

    /**
     * The library's source for the topology {@code settings} name, whose feeds keep about
     * {@code feedCap} events ({@code XADD MAXLEN ~}). The library is one per Redis, loaded by every
     * node: all nodes of a deployment must give the same cap, or each session's load sets its own.
     */
    static String source(RedisSettings settings, int feedCap) {
        if (feedCap < 1) {
            throw new IllegalArgumentException("the feed cap must be at least 1");
        }
        String source;
        try (InputStream in = PublishLibrary.class.getResourceAsStream("/pushgate/publish.lua")) {
            if (in == null) {
                throw new IllegalStateException("publish.lua missing from the jar");
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        requireOnce(source, PLAIN);
        requireOnce(source, FEED_CAP);
        source = source.replace(FEED_CAP, "local FEED_CAP = " + feedCap);
        return settings.cluster() ? source.replace(PLAIN, SHARDED) : source;
    }

    private static void requireOnce(String source, String line) {
        if (source.indexOf(line) < 0 || source.indexOf(line) != source.lastIndexOf(line)) {
            throw new IllegalStateException("publish.lua must hold this line once: " + line);
        }
    }
}
