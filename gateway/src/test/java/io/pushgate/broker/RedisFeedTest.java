package io.pushgate.broker;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.Epochs;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.OwnRedis;
import io.pushgate.testing.RedisFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feeds in the Redis broker (README, "Feeds in Redis"): appends, history, trimming, two nodes, lost
 * logs, reconnects and {@code FCALL} from any client. On a redis-server of this class's own: the
 * feed cap lives in the function library, one per Redis, and the shared server holds the library of
 * whatever checkout loaded it last. Each test has its own key prefix.
 */
class RedisFeedTest {
    @RegisterExtension
    static final OwnRedis own = new OwnRedis();
    private RedisFixture redis;
    private final List<RedisBroker> brokers = new ArrayList<>();

    @BeforeEach
    void fixture() {
        redis = own.fixture();
    }

    @AfterEach
    void close() {
        brokers.forEach(RedisBroker::close);
    }

    /** The contract of every feed broker, on this class's redis-server. */
    @Nested
    class Contract extends RedisFeedContract {
        @Override
        protected RedisSettings settings() {
            return RedisFeedTest.this.settings();
        }
    }

    private RedisBroker node(FeedBrokerContract.Recorder feeds) {
        return node(settings(), feeds, FeedSettings.DEFAULT.cap());
    }

    /** The fixture's, with room for a busy test machine: hundreds of appends in flight at once. */
    private RedisSettings settings() {
        return new RedisSettings(redis.url, false, redis.prefix, Duration.ofSeconds(5), Duration.ofMillis(500),
                Duration.ofSeconds(2));
    }

    /** A started broker (a node) whose feeds keep {@code cap} events, connected. */
    private RedisBroker node(RedisSettings settings, FeedBrokerContract.Recorder feeds, int cap) {
        RedisBroker broker = new RedisBroker(settings, FollowSettings.NONE, TopicSettings.NONE, new FeedSettings(cap));
        brokers.add(broker);
        broker.startFeeds(feeds);
        broker.start(new BrokerContract.Recorder());
        await().atMost(Duration.ofSeconds(10)).until(broker::connected);
        return broker;
    }

    private static String feed() {
        return "feed-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private String logKey(String feed) {
        return redis.prefix + ":{" + feed + "}:log";
    }

    private String channel(String feed) {
        return redis.prefix + ":{" + feed + "}:log:ch";
    }

    /** Serves {@code feed} on {@code broker} and waits until its channel is subscribed and its state handed over. */
    private void serve(RedisBroker broker, FeedBrokerContract.Recorder feeds, String feed) {
        int before = feeds.states.size();
        feeds.serving.add(feed);
        broker.subscribeFeed(feed);
        await().atMost(Duration.ofSeconds(5)).until(() -> feeds.states.size() > before);
    }

    /** What the contract does not check: any bytes round trip, and the stream's entry ids carry seq and epoch. */
    @Test
    void eventsAreKeptByteForByteUnderEntryIdsOfSeqAndEpoch() throws Exception {
        RedisBroker broker = node(new FeedBrokerContract.Recorder());
        String feed = feed();
        byte[] odd = {'a', '\n', 'b', '\r', '\n', (byte) 0xc3, (byte) 0xbc, 0, (byte) 0xff};
        FeedEvent first = get(broker.append(feed, utf8("one")));
        FeedEvent second = get(broker.append(feed, odd));
        FeedHistory after1 = get(broker.history(feed, 1, 10));
        assertArrayEquals(odd, after1.events().get(0).text(), "any bytes, kept as they are");
        assertEquals(second.publishedMicros(), after1.events().get(0).publishedMicros());
        List<String> ids = redis.redis().xrange(logKey(feed), io.lettuce.core.Range.create("-", "+")).stream()
                .map(io.lettuce.core.StreamMessage::getId).toList();
        long n = Long.parseLong(first.epoch(), 36);
        assertEquals(List.of("1-" + n, "2-" + n), ids, "<seq>-<epoch as a base-36 number>");
    }

    @Test
    void aFeedIsTrimmedToAboutItsCap() throws Exception {
        int cap = 50;
        RedisBroker broker = node(settings(), new FeedBrokerContract.Recorder(), cap);
        String feed = feed();
        List<CompletableFuture<FeedEvent>> appends = new ArrayList<>();
        for (int i = 1; i <= 500; i++) {
            appends.add(broker.append(feed, utf8("event " + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(appends.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        long kept = redis.redis().xlen(logKey(feed));
        // MAXLEN ~ trims whole stream nodes (stream-node-max-entries, 100 by default): at least the
        // cap is kept, and less than a node more.
        assertTrue(kept >= cap && kept <= cap + 100, "kept " + kept);
        FeedHistory all = get(broker.history(feed, 0, 1000));
        assertEquals(500, all.state().lastSeq());
        assertEquals(500 - kept + 1, all.state().firstSeq());
        assertEquals(kept, all.events().size());
        assertEquals(all.state().firstSeq(), all.events().get(0).seq());
        assertEquals("event 500", new String(all.events().get((int) kept - 1).text(), StandardCharsets.UTF_8));
        assertEquals(List.of(), get(broker.history(feed, 0, 0)).events(), "limit 0: the state only");
    }

    @Test
    void twoNodesAppendingConcurrentlyGetContiguousSeqsAndEveryEventIsHeard() throws Exception {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        RedisBroker b = node(new FeedBrokerContract.Recorder());
        String feed = feed();
        serve(a, heard, feed);
        int each = 200;
        List<CompletableFuture<FeedEvent>> appends = new CopyOnWriteArrayList<>();
        Thread onB = new Thread(() -> {
            for (int i = 0; i < each; i++) {
                appends.add(b.append(feed, utf8("b" + i)).toCompletableFuture());
            }
        });
        onB.start();
        for (int i = 0; i < each; i++) {
            appends.add(a.append(feed, utf8("a" + i)).toCompletableFuture());
        }
        onB.join();
        CompletableFuture.allOf(appends.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        List<Long> seqs = new ArrayList<>();
        Set<String> epochs = ConcurrentHashMap.newKeySet();
        for (CompletableFuture<FeedEvent> append : appends) {
            seqs.add(append.get().seq());
            epochs.add(append.get().epoch());
        }
        seqs.sort(null);
        assertEquals(LongStream.rangeClosed(1, 2 * each).boxed().toList(), seqs, "no hole, no seq twice");
        assertEquals(1, epochs.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.seqsOf(feed).size() == 2 * each);
        assertEquals(LongStream.rangeClosed(1, 2 * each).boxed().toList(), heard.seqsOf(feed),
                "one channel, one order: the listener hears them in seq order");
    }

    @Test
    void anAppendPastItsDeadlineAppendsNothing() throws Exception {
        RedisBroker broker = node(new FeedBrokerContract.Recorder());
        String feed = feed();
        get(broker.append(feed, utf8("one")));
        RedisCommandExecutionException late = assertThrows(RedisCommandExecutionException.class,
                () -> redis.redis().fcall("pushgate_append", ScriptOutputType.MULTI,
                        new String[] {redis.prefix + ":{" + feed + "}"}, "late", "DEADLINE",
                        Long.toString(System.currentTimeMillis() - 1000)));
        assertTrue(late.getMessage().startsWith("DEADLINE pushgate:") && late.getMessage().endsWith("nothing appended"),
                late.getMessage());
        assertEquals(1, redis.redis().xlen(logKey(feed)));
        assertEquals(1, get(broker.state(feed)).lastSeq());
        String other = feed();
        assertThrows(RedisCommandExecutionException.class, () -> redis.redis().fcall("pushgate_append",
                ScriptOutputType.MULTI, new String[] {redis.prefix + ":{" + other + "}"}, "late", "DEADLINE", "1"));
        assertEquals(0, redis.redis().exists(logKey(other)), "not even an empty log");
    }

    /**
     * An append whose link black-holed: the node cannot tell whether it was appended, so it says so
     * (not "refused, retry"), and the held call, delivered once the link comes back, is refused by
     * Redis as past its deadline: it is not appended after the node gave its answer.
     */
    @Test
    void anAppendStuckInABlackHoleIsOfUnknownOutcomeAndNeverAppendedLate() throws Exception {
        try (BlackholeProxy proxy = new BlackholeProxy(own.server().port)) {
            // The watchdog waits 10 s for a PING, well past the append's answer (1 s + the clock skew).
            RedisBroker cutOff = node(new RedisSettings("redis://127.0.0.1:" + proxy.port(), false, redis.prefix,
                    Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(10)), new FeedBrokerContract.Recorder(),
                    FeedSettings.DEFAULT.cap());
            RedisBroker direct = node(new FeedBrokerContract.Recorder());
            String feed = feed();
            get(direct.append(feed, utf8("first")));
            proxy.hold(true);
            ExecutionException stuck = assertThrows(ExecutionException.class,
                    () -> cutOff.append(feed, utf8("stuck")).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertInstanceOf(PublishOutcomeUnknown.class, stuck.getCause());
            assertEquals(2, get(direct.append(feed, utf8("second"))).seq());
            redis.redis().configResetstat();
            proxy.hold(false);
            await("the held FCALL reached Redis and was refused").atMost(Duration.ofSeconds(10))
                    .until(() -> redis.redis().info("errorstats").contains("errorstat_DEADLINE"));
            assertEquals(2, redis.redis().xlen(logKey(feed)));
            assertEquals(List.of("first", "second"), get(direct.history(feed, 0, 10)).events().stream()
                    .map(e -> new String(e.text(), StandardCharsets.UTF_8)).toList());
        }
    }

    @Test
    void aLostLogBeginsANewEpochAtSeqOneAndTheStateSaysSo() throws Exception {
        RedisBroker broker = node(new FeedBrokerContract.Recorder());
        String feed = feed();
        get(broker.append(feed, utf8("one")));
        FeedEvent before = get(broker.append(feed, utf8("two")));
        redis.redis().del(logKey(feed));
        assertEquals(FeedState.none(feed), get(broker.state(feed)), "no log, no state");
        FeedEvent after = get(broker.append(feed, utf8("again")));
        assertEquals(1, after.seq());
        assertNotEquals(before.epoch(), after.epoch());
        assertEquals(new FeedState(feed, after.epoch(), 1, 1), get(broker.state(feed)));
    }

    @Test
    void anEventAppendedOnOneNodeReachesTheListenerOfAnother() throws Exception {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        RedisBroker b = node(new FeedBrokerContract.Recorder());
        String feed = feed();
        serve(a, heard, feed);
        assertEquals(List.of(FeedState.none(feed)), heard.states, "subscribed: the state, none yet");
        byte[] text = utf8("hello\nfrom b, ünïcode");
        FeedEvent appended = get(b.append(feed, text));
        await().atMost(Duration.ofSeconds(5)).until(() -> !heard.events.isEmpty());
        FeedEvent got = heard.events.get(0);
        assertEquals(appended.epoch(), got.epoch());
        assertEquals(1, got.seq());
        assertEquals(appended.publishedMicros(), got.publishedMicros());
        assertArrayEquals(text, got.text());
    }

    @Test
    void aFeedNoLongerServedIsUnsubscribed() {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        String feed = feed();
        serve(a, heard, feed);
        assertEquals(1, redis.redis().pubsubNumsub(channel(feed)).get(channel(feed)));
        heard.serving.remove(feed);
        a.unsubscribeFeed(feed);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.redis().pubsubNumsub(channel(feed)).get(channel(feed)) == 0);
    }

    /**
     * A node that lost its connections hears nothing meanwhile: once it is back, it hands over each
     * served feed's state, whose lastSeq tells the hub what to read. Redis refuses the node's new
     * connections (a password set meanwhile) until every append is made, so they are all made while
     * it is away.
     */
    @Test
    void afterAReconnectTheListenerGetsTheStateOfWhatWasAppendedWhileAway() throws Exception {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        String feed = feed();
        String key = redis.prefix + ":{" + feed + "}";
        serve(a, heard, feed);
        redis.redis().fcall("pushgate_append", ScriptOutputType.MULTI, new String[] {key}, "before");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.seqsOf(feed).equals(List.of(1L)));
        try {
            redis.redis().configSet("requirepass", "kept-out");
            redis.redis().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
            await().atMost(Duration.ofSeconds(5)).until(() -> !a.connected());
            List<Object> last = List.of();
            for (int i = 0; i < 5; i++) {
                last = redis.redis().fcall("pushgate_append", ScriptOutputType.MULTI, new String[] {key}, "away " + i);
            }
            assertEquals(6L, last.get(1));
            int statesBefore = heard.states.size();
            redis.redis().configSet("requirepass", "");
            await().atMost(Duration.ofSeconds(15)).until(a::connected);
            await().atMost(Duration.ofSeconds(5)).until(() -> heard.states.size() > statesBefore);
            FeedState resynced = heard.states.get(heard.states.size() - 1);
            assertEquals(new FeedState(feed, (String) last.get(0), 1, 6), resynced);
            assertEquals(List.of(1L), heard.seqsOf(feed), "nothing heard while away");
            assertTrue(a.resyncs() >= 2);
        } finally {
            redis.redis().configSet("requirepass", "");
        }
    }

    @Test
    void malformedFeedMessagesAreCountedAndSkipped() throws Exception {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        String feed = feed();
        serve(a, heard, feed);
        redis.redis().publish(channel(feed), "pushgate-feed1 garbage");
        redis.redis().publish(channel(feed), "pushgate-feed1 " + feed + " notanepoch! 1 2\nx");
        redis.redis().publish(channel(feed), "pushgate-feed1 " + feed + " abcdefgh 0 2\nseq 0");
        redis.redis().publish(channel(feed), "pushgate-feed1 " + feed + " abcdefgh 1 2");
        get(a.append(feed, utf8("valid")));
        await().atMost(Duration.ofSeconds(5)).until(() -> !heard.events.isEmpty());
        assertEquals(List.of(1L), heard.seqsOf(feed));
        assertEquals(4, a.malformed());
        assertTrue(a.connected());
    }

    @Test
    void fcallFromRedisCliAppendsAndIsHeard() throws Exception {
        FeedBrokerContract.Recorder heard = new FeedBrokerContract.Recorder();
        RedisBroker a = node(heard);
        String feed = feed();
        serve(a, heard, feed);
        Process cli = new ProcessBuilder("redis-cli", "-p", Integer.toString(own.server().port), "FCALL", "pushgate_append", "1",
                redis.prefix + ":{" + feed + "}", "from redis-cli").redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, cli.exitValue(), out);
        List<String> reply = out.lines().toList();
        assertEquals(3, reply.size(), out);
        assertTrue(Epochs.isEpoch(reply.get(0)), out);
        assertEquals("1", reply.get(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> !heard.events.isEmpty());
        FeedEvent got = heard.events.get(0);
        assertEquals(reply.get(0), got.epoch());
        assertEquals(Long.parseLong(reply.get(2)), got.publishedMicros());
        assertEquals("from redis-cli", new String(got.text(), StandardCharsets.UTF_8));
    }
}
