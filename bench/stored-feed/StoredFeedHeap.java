import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.pushgate.broker.FeedBroker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.hub.FeedHub;
import io.pushgate.hub.FeedStart;
import io.pushgate.hub.FeedSubscriber;
import io.pushgate.hub.FeedSubscription;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Memory per kept feed event in a node: (1) the embedded broker's rings (FeedLog), heap only; (2) a
 * node's windows of served feeds (FeedHub: one entry and one encoded frame per event, the frame in
 * pooled direct memory), heap and direct. F feeds of E events each (cap E), full GCs before each
 * reading. Run by bench/stored-feed-bytes.sh, which records the figures in bench/RESULTS.md,
 * "Bytes per kept feed event". Args: F, E, text bytes.
 */
public final class StoredFeedHeap {
    public static void main(String[] args) throws Exception {
        int feeds = Integer.parseInt(args[0]);
        int events = Integer.parseInt(args[1]);
        byte[] text = "x".repeat(Integer.parseInt(args[2])).getBytes(StandardCharsets.UTF_8);
        // A small round first, unreported: what the first use of each class keeps (caches, lambdas) is not an event's cost.
        measure(2, events, text, false);
        measure(feeds, events, text, true);
    }

    private static void measure(int feeds, int events, byte[] text, boolean report) throws Exception {
        long total = (long) feeds * events;

        InMemoryBroker broker = new InMemoryBroker(TopicSettings.NONE, new FeedSettings(events));
        broker.startFeeds(new FeedBroker.Listener() {
            public void onFeedEvent(FeedEvent e) { }
            public void onFeedState(FeedState s) { }
            public boolean servesFeed(String f) { return false; }
            public Collection<String> servedFeeds() { return List.of(); }
        });
        long before = used();
        for (int f = 0; f < feeds; f++) {
            String name = String.format("feed-%06d", f);
            for (int i = 0; i < events; i++) {
                broker.append(name, text.clone()); // a text of its own, as from a request
            }
        }
        long afterBroker = used();
        if (report) {
            System.out.printf("embedded broker: %d feeds x %d events (text %d bytes): %.0f bytes of heap per kept event%n",
                    broker.storedFeeds(), events, text.length, (afterBroker - before) / (double) total);
        }

        // The node's side: each feed served (one subscriber), its window filled from the broker's history.
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        EventLoop loop = group.next();
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        FeedHub hub = new FeedHub(new LoopIndex(group), alloc, FanOutRecorder.NONE, new FeedHub.Source() {
            public void began(String feed) { }
            public void ended(String feed) { }
            public CompletionStage<FeedHistory> history(String feed, long after, int limit) {
                return broker.history(feed, after, limit);
            }
        }, events);
        Quiet quiet = new Quiet();
        long directBefore = alloc.metric().usedDirectMemory();
        long heapBefore = used();
        List<FeedSubscription> subs = new ArrayList<>();
        for (int f = 0; f < feeds; f++) {
            String name = String.format("feed-%06d", f);
            subs.add(loop.submit(() -> hub.subscribe(loop, name, quiet, false, FeedStart.live())).get());
            hub.onFeedState(broker.history(name, Long.MAX_VALUE, 0).toCompletableFuture().get().state());
        }
        // Each window fills on the loop; a feed is filled when its last event was handed over.
        while (quiet.started < feeds) {
            loop.submit(() -> { }).get(1, TimeUnit.SECONDS);
        }
        long heapAfter = used();
        long directAfter = alloc.metric().usedDirectMemory();
        if (report) {
            System.out.printf("node windows: %d feeds x %d events: %.0f bytes of heap and %.0f bytes of pooled direct memory"
                            + " (frames; the pool's chunks, so an upper bound) per kept event%n",
                    feeds, events, (heapAfter - heapBefore) / (double) total, (directAfter - directBefore) / (double) total);
        }
        // What was measured must stay reachable through the readings (a JIT may end a local's life at its last use).
        Reference.reachabilityFence(broker);
        for (FeedSubscription sub : subs) {
            loop.submit(() -> hub.unsubscribe(sub)).get(); // the windows' frames go back to the pool
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A subscriber that writes nothing; started once its feed's start is answered (after the window's fill). */
    private static final class Quiet implements FeedSubscriber {
        volatile int started;

        public boolean isWritable() { return true; }
        public void writeFeedEvent(ByteBuf frame) { frame.release(); }
        public void writeControl(ByteBuf frame) { frame.release(); }
        public void flush() { }
        public void feedStarted() { started++; }
    }

    private static long used() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // lets the collector settle between readings; not a wait for a condition
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
