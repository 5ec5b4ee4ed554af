package io.pushgate.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The feed hub without sockets: a scripted broker (its kept events, its reads answered a little
 * later on another thread) and recording subscribers on two real event loops. Holes in the live
 * events are filled from history; another epoch starts the feed over with a reset.
 */
class FeedHubTest {
    private static final String FEED = "wall";
    private static final Pattern ID = Pattern.compile("id: (\\S+)");

    private DefaultEventLoopGroup group;
    private LoopIndex loops;
    private FeedHub hub;
    private final Script broker = new Script();
    private final List<FeedSubscription> open = new ArrayList<>();
    private final Recording alloc = new Recording();

    /** An allocator that keeps every buffer it makes, to check that the hub released each in the end. */
    private static final class Recording extends AbstractByteBufAllocator {
        final List<ByteBuf> made = new CopyOnWriteArrayList<>();

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return keep(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return keep(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf keep(ByteBuf buf) {
            made.add(buf);
            return buf;
        }

        void awaitAllReleased() {
            await().atMost(Duration.ofSeconds(5)).until(() -> made.stream().allMatch(buf -> buf.refCnt() == 0));
        }
    }

    /** The broker's side, scripted: what it keeps (one epoch at a time) and how many reads it answered. */
    private final class Script implements FeedHub.Source {
        volatile String epoch = "epocha01";
        final List<FeedEvent> kept = new CopyOnWriteArrayList<>();
        final AtomicInteger reads = new AtomicInteger();

        FeedEvent keep(long seq) {
            FeedEvent event = new FeedEvent(FEED, epoch, seq, seq, ("e" + seq).getBytes(StandardCharsets.UTF_8));
            kept.add(event);
            return event;
        }

        FeedState state() {
            return kept.isEmpty() ? FeedState.none(FEED) : new FeedState(FEED, epoch, kept.get(0).seq(), kept.get(kept.size() - 1).seq());
        }

        @Override
        public void began(String feed) {
            hub.onFeedState(state());
        }

        @Override
        public void ended(String feed) {
        }

        @Override
        public CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit) {
            reads.incrementAndGet();
            FeedState state = state();
            List<FeedEvent> after = kept.stream().filter(e -> e.seq() > afterSeq).limit(limit).toList();
            // Answered later, on another thread, as a network broker would.
            return CompletableFuture.supplyAsync(() -> new FeedHistory(state, after),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        }
    }

    /** A subscriber double that keeps the ids (and resets) it is given; writes on its loop, read by the test. */
    static final class Recorder implements FeedSubscriber {
        final List<String> got = new CopyOnWriteArrayList<>();
        volatile boolean started;

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void writeFeedEvent(ByteBuf frame) {
            Matcher id = ID.matcher(frame.toString(StandardCharsets.UTF_8));
            got.add(id.find() ? id.group(1) : "?");
            frame.release();
        }

        @Override
        public void writeControl(ByteBuf frame) {
            got.add(frame.toString(StandardCharsets.UTF_8).contains("event: pushgate.reset") ? "reset" : "?");
            frame.release();
        }

        @Override
        public void flush() {
        }

        @Override
        public void feedStarted() {
            started = true;
        }
    }

    @BeforeEach
    void start() {
        group = new DefaultEventLoopGroup(2);
        loops = new LoopIndex(group);
        hub = new FeedHub(loops, alloc, FanOutRecorder.NONE, broker, 100);
    }

    @AfterEach
    void stop() throws Exception {
        for (FeedSubscription sub : open) {
            sub.slot.loop.submit(() -> hub.unsubscribe(sub)).get(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Recorder subscribe(int loop, FeedStart start) throws Exception {
        Recorder r = new Recorder();
        EventLoop l = loops.loop(loop);
        open.add(l.submit(() -> hub.subscribe(l, FEED, r, false, start)).get(5, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> r.started);
        return r;
    }

    private static List<String> ids(String epoch, long from, long to) {
        List<String> ids = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            ids.add(seq + "-" + epoch);
        }
        return ids;
    }

    private static void awaitGot(Recorder r, List<String> expected) {
        await().atMost(Duration.ofSeconds(5)).until(() -> r.got.size() >= expected.size());
        assertEquals(expected, r.got);
    }

    @Test
    void aLiveEventAfterAHoleWaitsUntilHistoryFilledIt() throws Exception {
        broker.keep(1);
        broker.keep(2);
        Recorder a = subscribe(0, FeedStart.live());
        Recorder b = subscribe(1, FeedStart.resume(broker.epoch, 0));
        int reads = broker.reads.get();
        hub.onFeedEvent(broker.keep(3));
        broker.keep(4); // appended, but its message was lost
        hub.onFeedEvent(broker.keep(5));
        hub.onFeedEvent(broker.keep(6));
        awaitGot(a, ids(broker.epoch, 3, 6));
        awaitGot(b, ids(broker.epoch, 1, 6));
        assertTrue(broker.reads.get() > reads, "the hole was filled by a read");
    }

    @Test
    void aLateCopyOfAnEventIsNotWrittenTwice() throws Exception {
        broker.keep(1);
        Recorder r = subscribe(0, FeedStart.live());
        hub.onFeedEvent(broker.keep(2));
        hub.onFeedEvent(broker.kept.get(1));
        hub.onFeedEvent(broker.kept.get(0));
        hub.onFeedEvent(broker.keep(3));
        awaitGot(r, ids(broker.epoch, 2, 3));
    }

    @Test
    void aStateOfAnotherEpochStartsTheFeedOverWithAResetAndWhatIsKept() throws Exception {
        broker.keep(1);
        broker.keep(2);
        broker.keep(3);
        Recorder r = subscribe(0, FeedStart.resume(broker.epoch, 0));
        String first = broker.epoch;
        awaitGot(r, ids(first, 1, 3));
        // The broker lost the feed; it began again in another epoch.
        broker.epoch = "epochb02";
        broker.kept.clear();
        broker.keep(1);
        broker.keep(2);
        hub.onFeedState(broker.state());
        List<String> expected = new ArrayList<>(ids(first, 1, 3));
        expected.add("reset");
        expected.addAll(ids(broker.epoch, 1, 2));
        awaitGot(r, expected);
        hub.onFeedEvent(broker.keep(3));
        expected.add("3-" + broker.epoch);
        awaitGot(r, expected);
    }

    @Test
    void aLiveEventOfAnotherEpochStartsTheFeedOverToo() throws Exception {
        broker.keep(1);
        Recorder r = subscribe(1, FeedStart.live());
        hub.onFeedEvent(broker.keep(2));
        String first = broker.epoch;
        awaitGot(r, ids(first, 2, 2));
        broker.epoch = "epochc03";
        broker.kept.clear();
        broker.keep(1);
        hub.onFeedEvent(broker.keep(2));
        List<String> expected = new ArrayList<>(ids(first, 2, 2));
        expected.add("reset");
        expected.addAll(ids(broker.epoch, 1, 2));
        awaitGot(r, expected);
    }

    @Test
    void theLastSubscriberLeavingReleasesTheWindowAndTheDemandEnds() throws Exception {
        for (int i = 1; i <= 5; i++) {
            broker.keep(i);
        }
        Recorder r = subscribe(0, FeedStart.last(5));
        awaitGot(r, ids(broker.epoch, 1, 5));
        assertEquals(1, hub.feedCount());
        assertEquals(5, hub.replayed());
        FeedSubscription sub = open.remove(0);
        sub.slot.loop.submit(() -> hub.unsubscribe(sub)).get(5, TimeUnit.SECONDS);
        assertEquals(0, hub.feedCount());
        assertTrue(!hub.serves(FEED));
        assertTrue(alloc.made.size() >= 5, "the window's frames were made by the hub's allocator");
        alloc.awaitAllReleased();
    }

    @Test
    void theWindowIsReleasedAlsoWhenTheFeedsHomeLoopStoppedBeforeItsLastSubscriberLeft() throws Exception {
        // As when a node stops: the home loop ends first, the streams of another loop close after it.
        int home = Math.floorMod(FEED.hashCode(), loops.size());
        int other = 1 - home;
        for (int i = 1; i <= 3; i++) {
            broker.keep(i);
        }
        Recorder r = subscribe(other, FeedStart.last(3));
        hub.onFeedEvent(broker.keep(4));
        awaitGot(r, ids(broker.epoch, 1, 4));
        loops.loop(home).shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        FeedSubscription sub = open.remove(0);
        sub.slot.loop.submit(() -> hub.unsubscribe(sub)).get(5, TimeUnit.SECONDS);
        assertTrue(alloc.made.size() >= 4, "the window's frames were made by the hub's allocator");
        alloc.awaitAllReleased();
    }
}
