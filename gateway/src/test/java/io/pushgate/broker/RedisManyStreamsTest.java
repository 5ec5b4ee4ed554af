package io.pushgate.broker;

import io.pushgate.testing.MassStreams;
import io.pushgate.testing.RedisFixture;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 topics × 50 streams on one node over Redis: every stream receives exactly the versions
 * published after it subscribed, in order. The node runs in its own process: 10,000 streams on
 * both ends would pass this machine's limit of 20,000 open files per process.
 */
class RedisManyStreamsTest {
    private static final int TOPICS = 200;
    private static final int PER_TOPIC = 50;
    private static final int VERSIONS = 6;

    @Test
    void tenThousandStreamsReceiveEveryVersionInOrder() throws Exception {
        try (RedisFixture redis = new RedisFixture(); MassStreams mass = new MassStreams()) {
            List<String> topics = new ArrayList<>();
            for (int t = 0; t < TOPICS; t++) {
                topics.add("many-" + t);
            }
            Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.pushgate.Main",
                    "--bind", "127.0.0.1", "--port", "0", "--accept-rate", "0", "--redis", redis.url,
                    "--key-prefix", redis.prefix, "--drain-timeout", "2s", "--admin-port", "0")
                    .redirectErrorStream(true).start();
            try {
                int port = startedPort(node);
                // Version 1 exists before anyone subscribes: each stream must get it from the hash.
                for (String topic : topics) {
                    redis.fcall(topic, topic + " v1");
                }
                List<String> paths = new ArrayList<>();
                for (int i = 0; i < PER_TOPIC; i++) {
                    for (String topic : topics) {
                        paths.add("/topics/" + topic + "/events");
                    }
                }
                List<MassStreams.Stream> streams = mass.open(port, paths, 500, Duration.ofSeconds(60));
                for (MassStreams.Stream s : streams) {
                    assertEquals(200, s.status(), s.path + " " + s.failure());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> streams.stream().allMatch(s -> s.last() == 1));
                for (int v = 2; v <= VERSIONS; v++) {
                    for (String topic : topics) {
                        redis.fcall(topic, topic + " v" + v);
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> streams.stream().allMatch(s -> s.last() == VERSIONS));
                List<Long> expected = LongStream.rangeClosed(1, VERSIONS).boxed().toList();
                for (MassStreams.Stream s : streams) {
                    assertEquals(expected, s.versions(), s.path);
                }
            } finally {
                node.destroy();
                assertTrue(node.waitFor(15, TimeUnit.SECONDS));
            }
        }
    }

    private static int startedPort(Process node) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                int port = Integer.parseInt(m.group(1));
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling up
                        }
                    } catch (Exception ignored) {
                        // process ended
                    }
                }, "node-output");
                drain.setDaemon(true);
                drain.start();
                return port;
            }
        }
        throw new AssertionError("the node did not start");
    }
}
