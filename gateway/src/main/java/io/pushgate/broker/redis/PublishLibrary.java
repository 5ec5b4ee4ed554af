package io.pushgate.broker.redis;

import io.pushgate.config.RedisSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Redis Function library {@code pushgate} with {@code pushgate_publish} (README, "Redis mode",
 * "Publishing from anywhere") and its alias {@link #NODE_FUNCTION}, loaded on every new session
 * from {@code publish.lua}; on a cluster, whose topic channels are shard channels, with SPUBLISH
 * as its one publish command ({@link #SHARDED}). Stateless.
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

    /** The library's source for the topology {@code settings} name. */
    static String source(RedisSettings settings) {
        String source;
        try (InputStream in = PublishLibrary.class.getResourceAsStream("/pushgate/publish.lua")) {
            if (in == null) {
                throw new IllegalStateException("publish.lua missing from the jar");
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (source.indexOf(PLAIN) < 0 || source.indexOf(PLAIN) != source.lastIndexOf(PLAIN)) {
            throw new IllegalStateException("publish.lua must name its publish command once: " + PLAIN);
        }
        return settings.cluster() ? source.replace(PLAIN, SHARDED) : source;
    }
}
