package io.pushgate.hub;

import io.pushgate.topics.Topics;

import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pushgate.hub.OnLoops.on;
import static io.pushgate.hub.OnLoops.settle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub tells metrics once per update and once per loop task, never per subscriber. */
class HubMetricsTest {
    private DefaultEventLoopGroup group;
    private LoopIndex loops;
    private InMemoryBroker broker;
    private TopicHub hub;
    private final Recording metrics = new Recording();
    private final List<Subscription> open = new ArrayList<>();

    /** Keeps every call. */
    static final class Recording implements FanOutRecorder {
        final AtomicInteger published = new AtomicInteger();
        final List<Integer> delivered = new CopyOnWriteArrayList<>();
        final List<Integer> caughtUp = new CopyOnWriteArrayList<>();

        @Override
        public long fanOutStart() {
            return System.nanoTime();
        }

        @Override
        public void published() {
            published.incrementAndGet();
        }

        @Override
        public void delivered(int frames, long publishedMicros, long fanOutStart) {
            assertTrue(fanOutStart != UNTIMED);
            delivered.add(frames);
        }

        @Override
        public void caughtUp(int frames) {
            caughtUp.add(frames);
        }
    }

    /** Keeps nothing of what it is given; writable unless told otherwise. */
    static final class Releasing implements Subscriber {
        volatile boolean writable = true;

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void writeShared(ByteBuf frame) {
            // nothing kept
        }
    }

    @BeforeEach
    void start() {
        group = new DefaultEventLoopGroup(2);
        loops = new LoopIndex(group);
        broker = new InMemoryBroker();
        Topics topics = new Topics(broker, loops, ByteBufAllocator.DEFAULT, metrics);
        hub = topics.hub();
        broker.start(topics);
    }

    @AfterEach
    void stop() throws Exception {
        for (Subscription sub : open) {
            on(sub.slot.loop, () -> {
                hub.unsubscribe(sub);
                return null;
            });
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }



    private Releasing subscribe(int loop, String topic) throws Exception {
        Releasing r = new Releasing();
        EventLoop l = loops.loop(loop);
        open.add(on(l, () -> hub.subscribe(l, topic, r, false, null, 0)));
        return r;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneUpdateIsOnePublishAndOneRecordPerLoop() throws Exception {
        for (int i = 0; i < 100; i++) {
            subscribe(i % 2, "t");
        }
        broker.publish("t", utf8("v1"));
        broker.publish("t", utf8("v2"));
        settle(loops);
        assertEquals(2, metrics.published.get());
        assertEquals(List.of(50, 50, 50, 50), metrics.delivered);
        assertEquals(List.of(), metrics.caughtUp);
    }

    @Test
    void versionsOfTopicsNobodyServesAreNotCounted() throws Exception {
        subscribe(0, "served");
        broker.publish("elsewhere", utf8("v1"));
        settle(loops);
        assertEquals(0, metrics.published.get());
        assertEquals(List.of(), metrics.delivered);
    }

    @Test
    void aJoinIsACatchUpAndSkippedSlowSubscribersAreNotDeliveries() throws Exception {
        broker.publish("t", utf8("stored"));
        subscribe(0, "t");
        assertEquals(List.of(1), metrics.caughtUp, "the stored version sent on subscribe");
        Releasing slow = subscribe(0, "t");
        subscribe(0, "t");
        slow.writable = false;
        broker.publish("t", utf8("v2"));
        settle(loops);
        assertEquals(1, metrics.published.get(), "the stored version is not a publish");
        assertEquals(List.of(2), metrics.delivered, "three subscribers, one skipped");
        assertEquals(1, hub.conflated());
    }
}
