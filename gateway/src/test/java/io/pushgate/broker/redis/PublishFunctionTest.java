package io.pushgate.broker.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.pushgate.broker.Broker;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FCALL pushgate_publish} as any application calls it, with and without the options
 * (DEADLINE, IFMATCH), on a redis-server of this test's own: the shared one may hold the library of
 * another checkout.
 */
class PublishFunctionTest {
    @RegisterExtension
    static final LibraryServer library = new LibraryServer();

    private static String key(String topic) {
        return library.fixture().topicKey(topic);
    }

    private static List<Object> fcall(RedisCommands<String, String> as, String function, String topic, String... args) {
        return as.fcall(function, ScriptOutputType.MULTI, new String[] {key(topic)}, args);
    }

    private static List<Object> fcall(String topic, String... args) {
        return fcall(library.commands(), "pushgate_publish", topic, args);
    }

    private static String error(String topic, String... args) {
        return assertThrows(RedisCommandExecutionException.class, () -> fcall(topic, args)).getMessage();
    }

    private static String topic() {
        return "f-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String now(long plusMillis) {
        return Long.toString(System.currentTimeMillis() + plusMillis);
    }

    @Test
    void theCallWithoutOptionsStillPublishes() {
        String topic = topic();
        List<Object> reply = fcall(topic, "plain");
        assertEquals(1L, reply.get(1));
        assertEquals(reply.get(0), library.commands().hget(key(topic), "epoch"));
        assertEquals("plain", library.commands().hget(key(topic), "text"));
    }

    @Test
    void aCallArrivingAfterItsDeadlineStoresNothing() {
        String topic = topic();
        String late = error(topic, "late", "DEADLINE", now(-1000));
        assertTrue(late.startsWith("DEADLINE pushgate: the deadline passed "), late);
        assertNull(library.commands().hget(key(topic), "version"), "nothing stored");
        assertEquals(1L, fcall(topic, "in time", "deadline", now(5000)).get(1), "names in any case");
        assertEquals("in time", library.commands().hget(key(topic), "text"));
    }

    @Test
    void ifMatchStoresOnlyOnTheStateItNames() {
        String topic = topic();
        assertEquals("PRECONDITION pushgate: no state", error(topic, "x", "IFMATCH", "*"));
        assertEquals("PRECONDITION pushgate: no state", error(topic, "x", "IFMATCH", "1-abcdefgh"));
        String epoch = (String) fcall(topic, "one").get(0);
        assertEquals(2L, fcall(topic, "two", "IFMATCH", "1-" + epoch, "DEADLINE", now(5000)).get(1));
        String current = "PRECONDITION pushgate: current 2-" + epoch;
        assertEquals(current, error(topic, "x", "IFMATCH", "1-" + epoch));
        assertEquals(current, error(topic, "x", "IFMATCH", "2-" + (epoch.equals("abcdefgh") ? "hgfedcba" : "abcdefgh")));
        assertEquals(current, error(topic, "x", "IFMATCH", "W/\"2-" + epoch + "\""));
        assertEquals(3L, fcall(topic, "three", "IFMATCH", "*").get(1));
        assertEquals("three", library.commands().hget(key(topic), "text"));
    }

    @Test
    void reepochRenewsOnlyTheStateItNamesAndPublishesIt() throws Exception {
        String topic = topic();
        fcall(topic, "one");
        fcall(topic, "two");
        java.util.Map<String, String> before = library.commands().hgetall(key(topic));
        String epoch = before.get("epoch");
        String ts = before.get("ts");
        assertTrue(fcall(library.commands(), "pushgate_reepoch", topic, epoch, "1", ts).isEmpty(), "another version: nothing");
        assertTrue(fcall(library.commands(), "pushgate_reepoch", topic, epoch, "2", "1").isEmpty(), "another publish time: nothing");
        assertEquals(before, library.commands().hgetall(key(topic)));
        try (Channel channel = new Channel(key(topic) + ":ch")) {
            List<Object> reply = fcall(library.commands(), "pushgate_reepoch", topic, epoch, "2", ts);
            String renewed = (String) reply.get(0);
            assertTrue(!renewed.equals(epoch) && renewed.length() == 8, renewed);
            assertEquals(2L, reply.get(1), "the version number goes on");
            java.util.Map<String, String> after = library.commands().hgetall(key(topic));
            assertEquals(renewed, after.get("epoch"));
            assertEquals("two", after.get("text"));
            assertTrue(Long.parseLong(after.get("ts")) > Long.parseLong(ts), "a later publish time");
            assertEquals("pushgate1 " + topic + " " + renewed + " 2 " + after.get("ts") + "\ntwo",
                    channel.next());
            assertTrue(fcall(library.commands(), "pushgate_reepoch", topic, epoch, "2", ts).isEmpty(), "done once");
        }
        assertEquals(3L, fcall(topic, "three").get(1));
    }

    @Test
    void theTtlOptionSetsAnExpiryThatEveryPublishRenewsAndZeroClears() {
        String topic = topic();
        fcall(topic, "a", "TTL", "60000");
        long first = library.commands().pttl(key(topic));
        assertTrue(first > 0 && first <= 60_000, "PTTL " + first);
        library.commands().persist(key(topic));
        fcall(topic, "b");
        assertTrue(library.commands().pttl(key(topic)) > 0, "a publish without the option renews the stored TTL");
        fcall(topic, "c", "ttl", "0");
        assertEquals(-1, library.commands().pttl(key(topic)));
        assertNull(library.commands().hget(key(topic), "ttl"));
        assertTrue(error(topic, "x", "TTL", "soon").startsWith("ERR pushgate: unknown option or bad value: TTL"));
        String plain = topic();
        fcall(plain, "never expires");
        assertEquals(-1, library.commands().pttl(key(plain)));
    }

    @Test
    void deleteRemovesTheHashAndTellsTheChannel() throws Exception {
        String topic = topic();
        assertTrue(fcall(library.commands(), "pushgate_delete", topic).isEmpty(), "nothing to delete");
        String epoch = (String) fcall(topic, "one").get(0);
        String refused = assertThrows(RedisCommandExecutionException.class,
                () -> fcall(library.commands(), "pushgate_delete", topic, "IFMATCH", "2-" + epoch)).getMessage();
        assertEquals("PRECONDITION pushgate: current 1-" + epoch, refused);
        try (Channel channel = new Channel(key(topic) + ":ch")) {
            List<Object> reply = fcall(library.commands(), "pushgate_delete", topic, "IFMATCH", "1-" + epoch);
            assertEquals(epoch, reply.get(0));
            assertEquals(1L, reply.get(1));
            assertEquals(0, library.commands().exists(key(topic)));
            assertEquals("pushgate-deleted1 " + topic + " " + epoch + " " + reply.get(2), channel.next());
        }
        assertEquals(1L, fcall(topic, "again").get(1));
    }

    @Test
    void badOptionsAreRefused() {
        String topic = topic();
        assertEquals("ERR pushgate: option DEADLINE needs a value", error(topic, "x", "DEADLINE"));
        assertEquals("ERR pushgate: unknown option or bad value: DEADLINE", error(topic, "x", "DEADLINE", "soon"));
        assertEquals("ERR pushgate: unknown option or bad value: FORCE", error(topic, "x", "FORCE", "1"));
        assertNull(library.commands().hget(key(topic), "version"), "nothing stored");
    }

    @Test
    void theReadmeAclUserMayUseTheOptions() {
        String user = "pgacl-" + UUID.randomUUID().toString().substring(0, 8);
        String password = UUID.randomUUID().toString();
        library.fixture().createPublisherUser(user, password); // README's, the same commands as before the options
        RedisClient client = RedisClient.create(RedisURI.Builder.redis("127.0.0.1", library.server().port)
                .withAuthentication(user, password.toCharArray()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            String topic = topic();
            String epoch = (String) fcall(connection.sync(), "pushgate_publish", topic, "one", "DEADLINE", now(5000)).get(0);
            assertEquals(2L, fcall(connection.sync(), "pushgate_publish_v2", topic, "two", "IFMATCH", "1-" + epoch,
                    "DEADLINE", now(5000)).get(1));
        } finally {
            client.shutdown();
            library.commands().aclDeluser(user);
        }
    }

    @Test
    void aNodeLoadsItsLibraryAgainWhenAnOlderOneReplacedIt() throws Exception {
        String registration = "redis.register_function('" + PublishLibrary.NODE_FUNCTION + "', publish)";
        String older = PublishLibrary.source(library.fixture().settings()).replace(registration, "");
        assertTrue(!older.contains(registration), "the older library lacks the node's function");
        try (RedisBroker broker = new RedisBroker(library.fixture().settings())) {
            broker.start(new QuietListener());
            await().atMost(Duration.ofSeconds(10)).until(broker::connected);
            library.commands().functionLoad(older, true);
            String topic = topic();
            TopicVersion published = broker.publish(topic, "after the older library".getBytes(StandardCharsets.UTF_8))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(1, published.version());
        } finally {
            library.commands().functionLoad(PublishLibrary.source(library.fixture().settings()), true);
        }
    }

    /** A listener of a node that serves nothing. */
    private static final class QuietListener implements Broker.Listener {
        @Override
        public void onVersion(TopicVersion version) {
        }

        @Override
        public void onState(TopicVersion version) {
        }

        @Override
        public boolean serves(String topic) {
            return false;
        }

        @Override
        public Collection<String> served() {
            return List.of();
        }

        @Override
        public void onDeleted(io.pushgate.model.TopicDeletion deletion) {
        }

        @Override
        public void onRevoked(Revocation revocation) {
        }
    }

    /** A subscription to one channel of the test's server, collecting its messages. */
    private static final class Channel implements AutoCloseable {
        private final RedisClient client = RedisClient.create(library.server().url());
        private final StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

        Channel(String name) {
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    messages.add(message);
                }
            });
            connection.sync().subscribe(name);
        }

        /** The next message, or null after 5 s without one. */
        String next() throws InterruptedException {
            return messages.poll(5, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
