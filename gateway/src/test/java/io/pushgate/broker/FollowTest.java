package io.pushgate.broker;

import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.LogCapture;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.RedisServerProcess;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README "Following an application's keys", end to end: an application that writes its text with
 * {@code SET} and bumps a counter with {@code INCR} (here {@code redis-cli}, a real process), a
 * node that follows both keys, and a real SSE client over a socket. Each test has its own key
 * prefix; the keys are the application's, never the deployment's. The tests change server-wide
 * settings (notify-keyspace-events, an ACL user), so they run on a redis-server of their own, not
 * on the shared one.
 */
class FollowTest {
    private static RedisServerProcess server;
    private RedisFixture redis;
    private String textKey;
    private String seqKey;
    private String originalNotifications;
    private final List<TestNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        server = new RedisServerProcess().start();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        server.close();
    }

    @BeforeEach
    void keys() {
        redis = new RedisFixture(server.url());
        textKey = redis.prefix + ":app:FILE_TEXT";
        seqKey = redis.prefix + ":app:FILE_TEXT_SEQ";
        originalNotifications = redis.redis().configGet("notify-keyspace-events").get("notify-keyspace-events");
    }

    @AfterEach
    void clean() {
        nodes.forEach(TestNode::close);
        List<String> state = redis.redis().keys("{" + redis.prefix + "*");
        if (!state.isEmpty()) {
            redis.redis().del(state.toArray(new String[0]));
        }
        redis.redis().configSet("notify-keyspace-events", originalNotifications);
        redis.close();
    }

    /** A node that follows the test's keys as topic {@code topic}, connected to Redis. */
    private TestNode follower(String topic, String... more) {
        List<String> flags = new ArrayList<>(List.of(redis.nodeFlags("--follow", topic + "=" + textKey + "," + seqKey)));
        flags.addAll(List.of(more));
        TestNode node = TestNode.start((Broker) null, flags.toArray(new String[0]));
        nodes.add(node);
        await().atMost(Duration.ofSeconds(15)).until(() -> node.server.broker().connected());
        return node;
    }

    /** The application's writer: {@code redis-cli} with {@code args}, a real process; returns its output. */
    private String cli(String... args) throws IOException, InterruptedException {
        return cliAt(redis.url, args);
    }

    private static String cliAt(String url, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-u", url));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "redis-cli ended");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.startsWith("ERR") || out.startsWith("(error)"), out);
        return out;
    }

    /** {@code redis-cli} reading {@code commands} (one a line) from its input, over one connection. */
    private String cliInput(String commands) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-cli", "-u", redis.url).redirectErrorStream(true).start();
        p.getOutputStream().write(commands.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "redis-cli ended");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("ERR"), out);
        return out;
    }

    /** The old writer's one change: the text first, then the counter. */
    private void write(String text) throws IOException, InterruptedException {
        cli("SET", textKey, text);
        cli("INCR", seqKey);
    }

    private static String epoch(Event e) {
        return e.id().substring(e.id().indexOf('-') + 1);
    }

    private double metric(TestNode node, String name) {
        return node.scrape().value(name);
    }

    @Test
    void oldWriterSetAndIncrReachesTheBrowserThroughKeyspaceNotifications() throws Exception {
        redis.redis().configSet("notify-keyspace-events", "");
        write("first");
        String topic = TestNode.topic();
        try (LogCapture log = LogCapture.start()) {
            // A safety poll of an hour: what arrives within seconds came through a notification.
            TestNode node = follower(topic, "--follow-safety-poll", "1h");
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "pushgate_follow_notifications") == 1.0);
            assertFalse(log.containing("keyspace notifications enabled with CONFIG SET").isEmpty(), "the node says it enabled them");
            String flags = redis.redis().configGet("notify-keyspace-events").get("notify-keyspace-events");
            assertTrue(flags.contains("K") && flags.contains("$") && flags.contains("g"), flags);
            try (SseClient client = node.stream(topic)) {
                assertEquals(200, client.status());
                Event first = client.next();
                assertEquals("first", first.data());
                assertEquals(1, first.version(), "the counter's value is the version");
                write("second");
                Event second = client.next();
                assertEquals("second", second.data());
                assertEquals(2, second.version());
                assertEquals(epoch(first), epoch(second), "a growing counter keeps the epoch");
                write("line one\nline two");
                Event third = client.next();
                assertEquals("line one\nline two", third.data());
                assertEquals(3, third.version());
            }
        }
    }

    @Test
    void nodeFindsNotificationsOnAndSaysSo() throws Exception {
        redis.redis().configSet("notify-keyspace-events", "AKE");
        String topic = TestNode.topic();
        try (LogCapture log = LogCapture.start()) {
            TestNode node = follower(topic, "--follow-safety-poll", "1h");
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "pushgate_follow_notifications") == 1.0);
            assertFalse(log.containing("keyspace notifications found on").isEmpty());
            assertEquals("AKE", redis.redis().configGet("notify-keyspace-events").get("notify-keyspace-events"),
                    "flags that were enough are left as they were");
            try (SseClient client = node.stream(topic)) {
                assertEquals(200, client.status());
                write("hello");
                assertEquals("hello", client.next().data());
            }
        }
    }

    @Test
    void pollingFindsChangesWhenNotificationsAreOff() throws Exception {
        redis.redis().configSet("notify-keyspace-events", "");
        write("v1");
        String topic = TestNode.topic();
        TestNode node = follower(topic, "--follow-notifications", "off", "--follow-poll", "50ms");
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            assertEquals("v1", client.next().data());
            for (int i = 2; i <= 4; i++) {
                write("v" + i);
                Event e = client.next();
                assertEquals("v" + i, e.data());
                assertEquals(i, e.version());
            }
        }
        assertEquals(0.0, metric(node, "pushgate_follow_notifications"));
        assertEquals("", redis.redis().configGet("notify-keyspace-events").get("notify-keyspace-events"),
                "with notifications off the node leaves the server's setting alone");
    }

    @Test
    void nodeWhoseAclForbidsConfigSaysSoAndPolls() throws Exception {
        String user = redis.prefix + "-app";
        redis.redis().aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("pw").allKeys()
                .allChannels().allCommands().removeCommand(io.lettuce.core.protocol.CommandType.CONFIG));
        try (LogCapture log = LogCapture.start()) {
            String topic = TestNode.topic();
            String url = redis.url.replace("redis://", "redis://" + user + ":pw@");
            TestNode node = TestNode.start((Broker) null, "--redis", url, "--key-prefix", redis.prefix,
                    "--follow", topic + "=" + textKey + "," + seqKey, "--follow-poll", "50ms");
            nodes.add(node);
            await().atMost(Duration.ofSeconds(15)).until(() -> node.server.broker().connected());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.containing("could not enable keyspace notifications").isEmpty());
            assertTrue(log.containing("could not enable keyspace notifications").get(0).contains("NOPERM"),
                    log.containing("could not enable").toString());
            try (SseClient client = node.stream(topic)) {
                assertEquals(200, client.status());
                write("polled");
                assertEquals("polled", client.next().data());
            }
            assertEquals(0.0, metric(node, "pushgate_follow_notifications"));
        } finally {
            redis.redis().aclDeluser(user);
        }
    }

    @Test
    void counterResetBeginsANewEpochAndClientsGetTheLatestAtOnce() throws Exception {
        write("one");
        write("two");
        String topic = TestNode.topic();
        TestNode node = follower(topic);
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            Event two = client.next();
            assertEquals(2, two.version());
            cli("SET", seqKey, "0");
            write("after reset");
            Event reset = client.next();
            assertEquals("after reset", reset.data());
            assertEquals(1, reset.version());
            assertNotEquals(epoch(two), epoch(reset), "a counter that went back begins a new epoch");
            write("next");
            Event next = client.next();
            assertEquals(2, next.version());
            assertEquals(epoch(reset), epoch(next));
            // A client that held version 2 of the old epoch ("two") gets the new version 2 ("next") at once.
            try (SseClient back = SseClient.open(node.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", two.id()))) {
                Event latest = back.next();
                assertEquals("next", latest.data());
                assertEquals(next.id(), latest.id());
            }
        }
    }

    @Test
    void deletedKeysBeginANewEpoch() throws Exception {
        write("before");
        String topic = TestNode.topic();
        TestNode node = follower(topic);
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            Event before = client.next();
            assertEquals(1, before.version());
            cli("DEL", textKey, seqKey);
            // The node found the keys gone and marked it in the state hash (seen = 0) in the counter's slot.
            String state = "{" + seqKey + "}:" + redis.prefix + ":follow";
            await().atMost(Duration.ofSeconds(5)).until(() -> "0".equals(redis.redis().hget(state, "seen")));
            write("recreated");
            Event recreated = client.next();
            assertEquals("recreated", recreated.data());
            assertEquals(1, recreated.version(), "the same version number as before the keys vanished...");
            assertNotEquals(epoch(before), epoch(recreated), "...in a new epoch, so no client mistakes it for the old one");
        }
    }

    @Test
    void keysBegunAgainAtTheSameCounterInOneTransactionBeginANewEpoch() throws Exception {
        write("old life");
        String topic = TestNode.topic();
        // Polling only: the counter reads 1 before and after, so only the safety check can tell.
        TestNode node = follower(topic, "--follow-notifications", "off", "--follow-poll", "50ms",
                "--follow-safety-poll", "200ms");
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            Event old = client.next();
            assertEquals(1, old.version());
            cliInput("MULTI\nDEL " + textKey + " " + seqKey + "\nSET " + textKey + " \"new life\"\nINCR " + seqKey + "\nEXEC\n");
            Event again = client.next();
            assertEquals("new life", again.data());
            assertEquals(1, again.version());
            assertNotEquals(epoch(old), epoch(again), "the same counter with another text that stays: a new epoch");
            write("next");
            Event next = client.next();
            assertEquals(2, next.version());
            assertEquals(epoch(again), epoch(next), "one renewal, not one per check");
        }
    }

    @Test
    void aWriterBetweenItsSetAndItsIncrDoesNotRenewTheEpoch() throws Exception {
        write("one");
        String topic = TestNode.topic();
        TestNode node = follower(topic, "--follow-notifications", "off", "--follow-poll", "50ms",
                "--follow-safety-poll", "2s");
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            Event one = client.next();
            // The text is new, the counter not yet: a check in this window must not take it for a reset.
            cli("SET", textKey, "two");
            String state = "{" + seqKey + "}:" + redis.prefix + ":follow";
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.redis().hget(state, "odd") != null);
            cli("INCR", seqKey);
            Event two = client.next();
            assertEquals("two", two.data());
            assertEquals(2, two.version());
            assertEquals(epoch(one), epoch(two));
        }
    }

    @Test
    void twoNodesAgreeOnTheEpochSoAClientMovingBetweenThemGetsNothingTwice() throws Exception {
        write("v1");
        String topic = TestNode.topic();
        TestNode a = follower(topic);
        TestNode b = follower(topic);
        String id;
        try (SseClient onA = a.stream(topic); SseClient onB = b.stream(topic)) {
            Event fromA = onA.next();
            Event fromB = onB.next();
            assertEquals(fromA.id(), fromB.id(), "both nodes serve version 1 in one epoch");
            cli("SET", seqKey, "0");
            write("v1 again");
            Event resetA = onA.next();
            Event resetB = onB.next();
            assertEquals(resetA.id(), resetB.id(), "both nodes renew the epoch to the same one");
            assertNotEquals(fromA.id(), resetA.id());
            id = resetA.id();
        }
        try (SseClient moved = SseClient.open(b.uri("/topics/" + topic + "/events"), Map.of("Last-Event-ID", id))) {
            assertEquals(200, moved.status());
            write("v2");
            Event next = moved.next();
            assertEquals("v2", next.data(), "the version the client had is not sent again");
        }
    }

    @Test
    void followedTopicRefusesPutAndGetReadsTheAppsText() throws Exception {
        write("from the app");
        String topic = TestNode.topic();
        TestNode node = follower(topic);
        HttpResponse<String> put = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .PUT(HttpRequest.BodyPublishers.ofString("from a client")).build());
        assertEquals(409, put.statusCode());
        assertTrue(put.body().contains(seqKey), put.body());
        assertEquals(1.0, node.scrape().value("pushgate_http_errors_total", "status", "409"));
        HttpResponse<String> get = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic)).build());
        assertEquals(200, get.statusCode());
        assertEquals("from the app", get.body());
        assertTrue(get.headers().firstValue("ETag").orElseThrow().startsWith("\"1-"));
        assertEquals("from the app", cli("GET", textKey), "the app's text is left as it was");
    }

    @Test
    void aFunctionPublishToAFollowedTopicIsNotHeard() throws Exception {
        write("from the app");
        String topic = TestNode.topic();
        TestNode node = follower(topic);
        try (SseClient client = node.stream(topic)) {
            assertEquals("from the app", client.next().data());
            assertEquals(0L, redis.topicSubscribers(topic), "a followed topic's channel is not subscribed");
            redis.fcall(topic, "published around the app");
            write("the app again");
            Event next = client.next();
            assertEquals("the app again", next.data(), "the next event is the app's, not the publish");
            assertEquals(2, next.version());
        }
    }

    @Test
    void counterThatIsNoIntegerIsCountedAsAFailedRead() throws Exception {
        cli("SET", textKey, "text");
        cli("SET", seqKey, "not a number");
        String topic = TestNode.topic();
        TestNode node = follower(topic, "--follow-poll", "50ms");
        try (SseClient client = node.stream(topic)) {
            assertEquals(200, client.status());
            await().atMost(Duration.ofSeconds(5)).until(() -> metric(node, "pushgate_follow_read_failures_total") >= 1);
            cli("SET", seqKey, "7");
            Event e = client.next();
            assertEquals(7, e.version(), "once the counter is an integer again, its text is served");
        }
    }

    @Test
    void aChangeWhoseNotificationWasLostArrivesWithTheNextSession() throws Exception {
        try (RedisServerProcess own = new RedisServerProcess().start();
             BlackholeProxy proxy = new BlackholeProxy(own.port)) {
            String direct = own.url();
            cliAt(direct, "SET", "app:text", "before");
            cliAt(direct, "INCR", "app:seq");
            String topic = TestNode.topic();
            // A safety check of an hour: only the notification or the new session's re-read can deliver.
            TestNode node = TestNode.start((Broker) null, "--redis", "redis://127.0.0.1:" + proxy.port(),
                    "--redis-ping-interval", "500ms", "--redis-ping-timeout", "500ms", "--redis-timeout", "1s",
                    "--follow", topic + "=app:text,app:seq", "--follow-safety-poll", "1h");
            nodes.add(node);
            await().atMost(Duration.ofSeconds(15)).until(() -> node.server.broker().connected());
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "pushgate_follow_notifications") == 1.0);
            try (SseClient client = node.stream(topic)) {
                assertEquals(200, client.status());
                assertEquals("before", client.next().data());
                proxy.blackhole(true);
                await().atMost(Duration.ofSeconds(5)).until(() -> !node.server.broker().connected());
                // Its notification goes to a connection that is cut off: lost.
                cliAt(direct, "SET", "app:text", "while cut off");
                cliAt(direct, "INCR", "app:seq");
                proxy.blackhole(false);
                await().atMost(Duration.ofSeconds(15)).until(() -> node.server.broker().connected());
                Event missed = client.next(Duration.ofSeconds(10));
                assertEquals("while cut off", missed.data());
                assertEquals(2, missed.version());
            }
        }
    }
}
