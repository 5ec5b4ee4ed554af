package io.pushgate.broker.redis;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The standalone and cluster publish functions are two files that must stay alike but for PUBLISH/SPUBLISH. */
class PublishLibraryTest {

    private static List<String> code(String resource) throws IOException {
        try (InputStream in = PublishLibraryTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            // The code, without its comment lines (they say different things about the two files).
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.startsWith("--"))
                    .toList();
        }
    }

    @Test
    void theClusterFunctionIsTheStandaloneOneWithShardedPublish() throws IOException {
        List<String> standalone = code("/pushgate/publish.lua");
        List<String> cluster = code("/pushgate/publish-cluster.lua");
        assertEquals(standalone.stream().map(l -> l.replace("redis.call('PUBLISH'", "redis.call('SPUBLISH'")).toList(),
                cluster);
        assertEquals(1, cluster.stream().filter(l -> l.contains("redis.call('SPUBLISH'")).count());
    }
}
