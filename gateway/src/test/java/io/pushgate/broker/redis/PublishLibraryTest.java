package io.pushgate.broker.redis;

import io.pushgate.config.RedisSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One publish function for both topologies: the cluster's differs in its publish command only; the feed cap is the node's. */
class PublishLibraryTest {

    private static String source(boolean cluster) {
        return PublishLibrary.source(new RedisSettings("redis://127.0.0.1:6379", cluster, "pushgate",
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void theClusterFunctionIsTheStandaloneOneWithShardedPublish() {
        String standalone = source(false);
        String cluster = source(true);
        assertTrue(standalone.contains(PublishLibrary.PLAIN) && !standalone.contains(PublishLibrary.SHARDED));
        assertEquals(standalone.replace(PublishLibrary.PLAIN, PublishLibrary.SHARDED), cluster);
        assertTrue(cluster.contains("redis.call(PUBLISH, "), "the one publish goes through the named command");
        List<String> calls = cluster.lines().filter(l -> l.contains("PUBLISH'")).toList();
        assertEquals(List.of(PublishLibrary.SHARDED), calls, "no other line names a publish command");
    }

    @Test
    void theFeedCapIsPutIntoTheLibrary() {
        RedisSettings settings = new RedisSettings("redis://127.0.0.1:6379", true, "pushgate",
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        String capped = PublishLibrary.source(settings, 7);
        assertEquals(source(true).replace(PublishLibrary.FEED_CAP, "local FEED_CAP = 7"), capped);
        assertTrue(source(false).contains(PublishLibrary.FEED_CAP), "the default cap");
        assertThrows(IllegalArgumentException.class, () -> PublishLibrary.source(settings, 0));
    }
}
