package io.pushgate.broker.redis;

import io.pushgate.config.RedisSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Redis Function library {@code pushgate} with {@code pushgate_publish} (README, "Redis mode",
 * "Publishing from anywhere") and its alias {@link #NODE_FUNCTION}, loaded on every new session: {@code publish.lua} for a single Redis,
 * {@code publish-cluster.lua} for a cluster, whose topic channels are shard channels (SPUBLISH).
 * Stateless.
 */
final class PublishLibrary {
    static final String FUNCTION = "pushgate_publish";
    /**
     * The same function under the name the node calls with its options (DEADLINE, IFMATCH): a
     * library from before them lacks it, so a call that an older node's library would run without
     * its options fails instead, storing nothing.
     */
    static final String NODE_FUNCTION = "pushgate_publish_v2";

    private PublishLibrary() {
    }

    /** The library's source for the topology {@code settings} name. */
    static String source(RedisSettings settings) {
        String file = settings.cluster() ? "publish-cluster.lua" : "publish.lua";
        try (InputStream in = PublishLibrary.class.getResourceAsStream("/pushgate/" + file)) {
            if (in == null) {
                throw new IllegalStateException(file + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
