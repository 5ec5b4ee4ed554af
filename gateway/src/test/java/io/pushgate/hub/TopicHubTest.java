package io.pushgate.hub;

import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.topics.Topics;

import io.pushgate.loops.LoopIndex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.pushgate.broker.InMemoryBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pushgate.hub.OnLoops.on;
import static io.pushgate.hub.OnLoops.settle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fan-out without sockets: recording subscribers on two real event loops. */
class TopicHubTest {
    private DefaultEventLoopGroup group;
    private LoopIndex loops;
    private InMemoryBroker broker;
    private TopicHub hub;
    private final List<Recorder> recorders = new ArrayList<>();
    private final List<Subscription> open = new ArrayList<>();

    /** A subscriber double that keeps what it is given; touched on its loop only. */
    static class Recorder implements Subscriber {
        final List<ByteBuf> frames = new ArrayList<>();
        boolean writable = true;

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void writeShared(ByteBuf frame) {
            frames.add(frame.retainedDuplicate());
        }

        String last() {
            ByteBuf f = frames.get(frames.size() - 1);
            return f.toString(StandardCharsets.UTF_8);
        }
    }

    @BeforeEach
    void start() {
        group = new DefaultEventLoopGroup(2);
        loops = new LoopIndex(group);
        broker = new InMemoryBroker();
        Topics topics = new Topics(broker, loops, ByteBufAllocator.DEFAULT, FanOutRecorder.NONE);
        hub = topics.hub();
        broker.start(topics);
    }

    @AfterEach
    void stop() throws Exception {
        for (Subscription sub : open) {
            EventLoop loop = sub.slot.loop;
            on(loop, () -> {
                hub.unsubscribe(sub);
                return null;
            });
        }
        for (Recorder r : recorders) {
            r.frames.forEach(ByteBuf::release);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }



    private Subscription subscribe(EventLoop loop, String topic, Recorder r) throws Exception {
        recorders.add(r);
        Subscription sub = on(loop, () -> hub.subscribe(loop, topic, r, false, null, 0));
        open.add(sub);
        return sub;
    }

    /** Where a frame's bytes live: views of one buffer share it (leak-detection wrappers do not hide it). */
    private static long address(ByteBuf frame) {
        assertTrue(frame.isDirect() && frame.hasMemoryAddress(), "frames are direct buffers");
        return frame.memoryAddress() + frame.readerIndex();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneEncodedBufferIsSharedByEverySubscriberOnEveryLoop() throws Exception {
        List<Recorder> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Recorder r = new Recorder();
            all.add(r);
            subscribe(loops.loop(i % 2), "t", r);
        }
        broker.publish("t", utf8("hello"));
        settle(loops);
        Set<Long> memory = new HashSet<>();
        for (Recorder r : all) {
            assertEquals(1, r.frames.size());
            memory.add(address(r.frames.get(0)));
            assertTrue(r.last().contains("data: hello\n"));
        }
        assertEquals(1, memory.size(), "every frame is a view of one encoded buffer");
    }

    @Test
    void lateSubscriberGetsTheLatestVersionAtOnce() throws Exception {
        Recorder early = new Recorder();
        subscribe(loops.loop(0), "t", early);
        broker.publish("t", utf8("v1"));
        broker.publish("t", utf8("v2"));
        settle(loops);
        Recorder late = new Recorder();
        subscribe(loops.loop(1), "t", late);
        assertEquals(1, late.frames.size());
        assertTrue(late.last().contains("data: v2\n"));
        assertEquals(2, early.frames.size());
    }

    @Test
    void unwritableSubscriberIsSkippedAndCatchesUpWithTheLatestOnly() throws Exception {
        EventLoop loop = loops.loop(0);
        Recorder slow = new Recorder();
        Recorder fast = new Recorder();
        Subscription sub = subscribe(loop, "t", slow);
        subscribe(loop, "t", fast);
        broker.publish("t", utf8("v1"));
        settle(loops);
        on(loop, () -> slow.writable = false);
        for (int v = 2; v <= 5; v++) {
            broker.publish("t", utf8("v" + v));
        }
        settle(loops);
        assertEquals(1, slow.frames.size());
        assertEquals(5, fast.frames.size());
        assertEquals(4, hub.conflated());
        on(loop, () -> {
            slow.writable = true;
            hub.catchUp(sub);
            return null;
        });
        assertEquals(2, slow.frames.size());
        assertTrue(slow.last().contains("id: 5-") && slow.last().contains("data: v5\n"), slow.last());
        assertEquals(address(fast.frames.get(4)), address(slow.frames.get(1)), "catch-up reuses the loop's frame");
    }

    @Test
    void everySubscriberOfALoopThatLacksTheVersionGetsItOnceAcrossBatches() throws Exception {
        EventLoop loop = loops.loop(0);
        int count = 2 * LoopSlot.BATCH + 7; // batches of subscribers read before any is written: two full, one not
        List<Recorder> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Recorder r = new Recorder();
            all.add(r);
            subscribe(loop, "t", r);
        }
        broker.publish("t", utf8("v1"));
        settle(loops);
        int slow = 0;
        for (int i = 0; i < count; i++) {
            if (i % 3 == 1 || i == LoopSlot.BATCH - 1 || i == LoopSlot.BATCH) {
                Recorder r = all.get(i);
                on(loop, () -> r.writable = false);
                slow++;
            }
        }
        broker.publish("t", utf8("v2"));
        settle(loops);
        for (int i = 0; i < count; i++) {
            Recorder r = all.get(i);
            boolean writable = r.writable;
            assertEquals(writable ? 2 : 1, r.frames.size(), "subscriber " + i);
            assertTrue(r.last().contains(writable ? "data: v2\n" : "data: v1\n"), "subscriber " + i + ": " + r.last());
        }
        assertEquals(slow, hub.conflated());
    }

    @Test
    void aSubscriberMovedIntoARemovedOnesPlaceKeepsItsVersionAndItsLag() throws Exception {
        EventLoop loop = loops.loop(0);
        Recorder gone = new Recorder();
        Recorder stays = new Recorder();
        Recorder slow = new Recorder();
        Subscription goneSub = subscribe(loop, "t", gone);
        subscribe(loop, "t", stays);
        Subscription slowSub = subscribe(loop, "t", slow);
        broker.publish("t", utf8("v1"));
        settle(loops);
        on(loop, () -> slow.writable = false);
        broker.publish("t", utf8("v2"));
        settle(loops);
        // The last subscriber (behind, holding v1) takes the first one's place.
        open.remove(goneSub);
        on(loop, () -> {
            hub.unsubscribe(goneSub);
            hub.catchUp(goneSub); // a removed subscription catches nobody up
            return null;
        });
        assertEquals(List.of(2, 2, 1), List.of(gone.frames.size(), stays.frames.size(), slow.frames.size()));
        on(loop, () -> {
            slow.writable = true;
            hub.catchUp(slowSub);
            return null;
        });
        assertEquals(2, slow.frames.size(), "still behind after the move: caught up with v2");
        assertTrue(slow.last().contains("data: v2\n"), slow.last());
        broker.publish("t", utf8("v3"));
        settle(loops);
        assertEquals(List.of(2, 3, 3), List.of(gone.frames.size(), stays.frames.size(), slow.frames.size()),
                "v3 once to each left, nothing to the removed one");
        assertTrue(slow.last().contains("data: v3\n") && stays.last().contains("data: v3\n"));
    }

    @Test
    void aCatchUpToANewerVersionDuringAWriteIsNotFollowedByTheOlderOne() throws Exception {
        EventLoop loop = loops.loop(0);
        // Its first frame makes it catch up, as a stream writable again does (from inside a write, when
        // the queue drains below its mark): the slot moves on to the newer version for all its
        // subscribers while the older one is being written.
        Subscription[] own = new Subscription[1];
        Recorder first = new Recorder() {
            @Override
            public void writeShared(ByteBuf frame) {
                super.writeShared(frame);
                if (frames.size() == 1) {
                    hub.catchUp(own[0]);
                }
            }
        };
        own[0] = subscribe(loop, "t", first);
        List<Recorder> others = new ArrayList<>();
        for (int i = 0; i < LoopSlot.BATCH + 3; i++) {
            Recorder r = new Recorder();
            others.add(r);
            subscribe(loop, "t", r);
        }
        // It skips a version, so that it is behind: a catch-up brings it the newest.
        on(loop, () -> first.writable = false);
        broker.publish("t", utf8("v0"));
        settle(loops);
        on(loop, () -> first.writable = true);
        // Both versions are the topic's before the loop delivers the first.
        CountDownLatch held = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                held.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        broker.publish("t", utf8("v1"));
        broker.publish("t", utf8("v2"));
        held.countDown();
        settle(loops);
        assertEquals(2, first.frames.size());
        assertTrue(first.frames.get(0).toString(StandardCharsets.UTF_8).contains("data: v1\n"));
        assertTrue(first.last().contains("data: v2\n"), first.last());
        for (Recorder r : others) {
            assertEquals(2, r.frames.size(), () -> "v0, then the newer version once, the older one not after it: "
                    + r.frames.stream().map(f -> f.toString(StandardCharsets.UTF_8)).toList());
            assertTrue(r.last().contains("data: v2\n"), r.last());
        }
    }

    @Test
    void aVersionGoingBackWithinItsEpochIsReportedAndARepeatIsNot() throws Exception {
        List<String> reported = new ArrayList<>();
        TopicHub watched = new TopicHub(loops, ByteBufAllocator.DEFAULT, FanOutRecorder.NONE, TopicHub.Demand.NONE,
                (stale, delivered) -> reported.add(stale.version() + "@" + stale.publishedMicros() + " after "
                        + delivered.version() + "@" + delivered.publishedMicros()));
        Recorder r = new Recorder();
        recorders.add(r);
        EventLoop loop = loops.loop(0);
        Subscription sub = on(loop, () -> watched.subscribe(loop, "t", r, false, null, 0));
        watched.onVersion(new io.pushgate.model.TopicVersion("t", "abcdefgh", 2, 200, utf8("two")));
        watched.onState(new io.pushgate.model.TopicVersion("t", "abcdefgh", 2, 200, utf8("two")));
        watched.onState(new io.pushgate.model.TopicVersion("t", "abcdefgh", 1, 100, utf8("one")));
        watched.onVersion(new io.pushgate.model.TopicVersion("t", "abcdefgh", 2, 300, utf8("two, given twice")));
        watched.checkPublished(new io.pushgate.model.TopicVersion("t", "abcdefgh", 2, 400, utf8("published")));
        watched.onVersion(new io.pushgate.model.TopicVersion("t", "otherone", 1, 500, utf8("new epoch")));
        settle(loops);
        assertEquals(List.of("1@100 after 2@200", "2@300 after 2@200", "2@400 after 2@200"), reported);
        assertEquals(2, r.frames.size(), "neither the repeat nor a regression is delivered; the new epoch is");
        on(loop, () -> {
            watched.unsubscribe(sub);
            return null;
        });
    }

    @Test
    void olderOrRepeatedVersionsAreDropped() throws Exception {
        Recorder r = new Recorder();
        subscribe(loops.loop(0), "t", r);
        var v1 = broker.publish("t", utf8("v1")).toCompletableFuture().get();
        broker.publish("t", utf8("v2"));
        hub.onVersion(v1);
        hub.onVersion(new io.pushgate.model.TopicVersion("t", v1.epoch(), 2, 0, utf8("v2 again")));
        settle(loops);
        assertEquals(2, r.frames.size());
        assertTrue(r.last().contains("data: v2\n"));
        long later = v1.publishedMicros() + 1_000_000;
        hub.onVersion(new io.pushgate.model.TopicVersion("t", "newepoch", 1, later, utf8("reborn")));
        settle(loops);
        assertEquals(3, r.frames.size(), "a new epoch replaces the state even with a lower version");
        // A late read of the lost state (older publish time) never comes back.
        hub.onVersion(new io.pushgate.model.TopicVersion("t", v1.epoch(), 9, v1.publishedMicros(), utf8("stale")));
        settle(loops);
        assertEquals(3, r.frames.size());
        assertTrue(r.last().contains("data: reborn\n"));
    }

    @Test
    void lastUnsubscribeForgetsTheTopic() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Subscription sa = subscribe(loops.loop(0), "t", a);
        Subscription sb = subscribe(loops.loop(1), "t", b);
        broker.publish("t", utf8("v1"));
        settle(loops);
        assertEquals(1, hub.topicCount());
        on(loops.loop(0), () -> {
            hub.unsubscribe(sa);
            return null;
        });
        open.remove(sa);
        assertEquals(1, hub.topicCount());
        on(loops.loop(1), () -> {
            hub.unsubscribe(sb);
            return null;
        });
        open.remove(sb);
        assertEquals(0, hub.topicCount());
        assertNull(hub.latestServed("t"));
        broker.publish("t", utf8("v2"));
        settle(loops);
        assertEquals(1, a.frames.size());
        assertEquals(1, b.frames.size());
    }
}
