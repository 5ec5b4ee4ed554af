package io.pushgate.hub;

import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.metrics.HubStats;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The topics this node serves and the fan-out of their versions.
 *
 * <p>An update is encoded once into one pooled buffer holding the whole HTTP chunk; each event
 * loop with subscribers of the topic gets one task that hands that buffer to each of its
 * subscribers ({@link Subscriber#writeShared}), which send it without a copy. No lock, future,
 * per-subscriber encoding or logging on that path; metrics are recorded once per update and once
 * per loop task ({@link FanOutRecorder}).
 *
 * <p>The hub knows neither the broker nor HTTP: it tells its {@link Demand} when a topic gets its
 * first local subscriber and when it loses its last one, and tells its {@link Regressions} when a
 * version goes back within its epoch (a version it delivered was lost).
 *
 * <p>Thread rules: {@link #onVersion} and {@link #onState} on any thread; {@link #subscribe},
 * {@link #unsubscribe} and {@link #catchUp} on the subscriber's own event loop.
 */
public final class TopicHub implements HubStats {

    /** Told when the node's demand for a topic begins and ends; called on a subscriber's loop, must not block. */
    public interface Demand {
        /** Nothing to tell (benchmarks, tests). */
        Demand NONE = new Demand() {
            @Override
            public void began(String topic) {
            }

            @Override
            public void ended(String topic) {
            }
        };

        /** {@code topic} got its first local subscriber; its current version should be handed to {@link #onState}. */
        void began(String topic);

        /** {@code topic} lost its last local subscriber. */
        void ended(String topic);
    }

    /** Told when a version of the broker's shows that a version the node delivered was lost. */
    public interface Regressions {
        /** Nothing to tell (benchmarks, tests). */
        Regressions NONE = (stale, delivered) -> {
        };

        /**
         * {@code stale} went back within the epoch of {@code delivered} ({@link TopicVersion#regresses});
         * on the thread that handed it over, must not block.
         */
        void regressed(TopicVersion stale, TopicVersion delivered);
    }

    private final Demand demand;
    private final Regressions regressions;
    private final LoopIndex loops;
    private final ByteBufAllocator alloc;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final LongAdder conflated = new LongAdder();
    private final FanOutRecorder metrics;

    public TopicHub(LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder metrics, Demand demand) {
        this(loops, alloc, metrics, demand, Regressions.NONE);
    }

    public TopicHub(LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder metrics, Demand demand,
                    Regressions regressions) {
        this.demand = demand;
        this.regressions = regressions;
        this.loops = loops;
        this.alloc = alloc;
        this.metrics = metrics;
    }

    /**
     * Adds a subscriber of {@code name} on {@code loop} (the caller's loop) that holds
     * ({@code epoch}, {@code version}) already, or nothing when {@code epoch} is null; sends it the
     * latest version at once if it does not hold it.
     */
    public Subscription subscribe(EventLoop loop, String name, Subscriber subscriber, boolean named,
                                  String epoch, long version) {
        return subscribe(loop, name, subscriber, Framing.of(named), epoch, version);
    }

    /** As {@link #subscribe(EventLoop, String, Subscriber, boolean, String, long)}, with the frames of {@code framing}. */
    public Subscription subscribe(EventLoop loop, String name, Subscriber subscriber, Framing framing,
                                  String epoch, long version) {
        boolean[] created = new boolean[1];
        Topic topic = topics.compute(name, (key, current) -> {
            Topic t = current;
            if (t == null) {
                t = new Topic(key, loops, conflated, metrics);
                created[0] = true;
            }
            t.refs++;
            return t;
        });
        if (created[0]) {
            demand.began(name); // the current version, if any, comes back through onState
        }
        LoopSlot slot = topic.slots[loops.of(loop)];
        Subscription sub = slot.add(subscriber, framing, epoch, version);
        slot.catchUp(sub, alloc);
        return sub;
    }

    /** Removes a subscription; on the subscriber's loop. */
    public void unsubscribe(Subscription sub) {
        LoopSlot slot = sub.slot;
        slot.remove(sub);
        String name = slot.topic.name;
        Topic after = topics.computeIfPresent(name, (key, t) -> --t.refs == 0 ? null : t);
        if (after == null) {
            demand.ended(name);
        }
    }

    /** A subscriber that skipped versions while not writable gets the newest one when writable again; on its loop. */
    public void catchUp(Subscription sub) {
        if (sub.behind) {
            sub.slot.catchUp(sub, alloc);
        }
    }

    /** Whether a topic has local subscribers now. */
    public boolean serves(String topic) {
        return topics.containsKey(topic);
    }

    /** The topics with local subscribers now (a snapshot). */
    public Collection<String> served() {
        return new ArrayList<>(topics.keySet());
    }

    /** A new version was published (a live update): delivered, counted and timed. Any thread. */
    public void onVersion(TopicVersion v) {
        fanOut(v, true);
    }

    /** The stored state (on subscribe, on resync): delivered, but neither counted as a publish nor timed. Any thread. */
    public void onState(TopicVersion v) {
        fanOut(v, false);
    }

    /**
     * A topic's state was deleted: its streams that hold a version of the deleted epoch get a
     * {@code pushgate.deleted} event and stay open; a later publish (a new epoch) reaches them. A
     * deletion of an epoch other than the one the hub holds (a publish after it arrived first) is
     * ignored. Any thread.
     */
    public void onDeleted(TopicDeletion deletion) {
        Topic topic = topics.get(deletion.topic());
        if (topic == null) {
            return;
        }
        TopicVersion known = topic.latest;
        if (known == null || known.epoch().equals(deletion.epoch())) {
            fanOut(Topic.tombstone(deletion), false);
        }
    }

    /** Encodes once and hands {@code v} to each loop with subscribers; {@code live}: a new publish, timed. */
    private void fanOut(TopicVersion v, boolean live) {
        long fanOutStart = live ? metrics.fanOutStart() : FanOutRecorder.UNTIMED;
        Topic topic = topics.get(v.topic());
        if (topic == null) {
            return;
        }
        if (!topic.advance(v)) {
            check(topic, v);
            return;
        }
        if (live) {
            metrics.published();
        }
        ByteBuf plain = null;
        ByteBuf named = null;
        ByteBuf bare = null;
        try {
            for (LoopSlot slot : topic.slots) {
                boolean wantsPlain = slot.plainCount > 0;
                boolean wantsNamed = slot.namedCount > 0;
                boolean wantsBare = slot.bareCount > 0;
                if (!wantsPlain && !wantsNamed && !wantsBare) {
                    continue;
                }
                if (wantsPlain && plain == null) {
                    plain = LoopSlot.encode(alloc, v, Framing.PLAIN);
                }
                if (wantsNamed && named == null) {
                    named = LoopSlot.encode(alloc, v, Framing.NAMED);
                }
                if (wantsBare && bare == null) {
                    bare = LoopSlot.encode(alloc, v, Framing.NAMED_WITHOUT_ID);
                }
                dispatch(slot, v, wantsPlain ? plain.retain() : null, wantsNamed ? named.retain() : null,
                        wantsBare ? bare.retain() : null, fanOutStart);
            }
        } finally {
            ReferenceCountUtil.release(plain);
            ReferenceCountUtil.release(named);
            ReferenceCountUtil.release(bare);
        }
    }

    /**
     * Tells {@link Regressions} when {@code v}, a publish's answer, shows that a version this node
     * delivered was lost (its message brings the same news, unless pub/sub dropped it). Any thread.
     */
    public void checkPublished(TopicVersion v) {
        Topic topic = topics.get(v.topic());
        if (topic != null) {
            check(topic, v);
        }
    }

    private void check(Topic topic, TopicVersion v) {
        TopicVersion known = topic.latest;
        if (!Topic.isTombstone(known) && v.regresses(known)) {
            regressions.regressed(v, known);
        }
    }

    private void dispatch(LoopSlot slot, TopicVersion v, ByteBuf plain, ByteBuf named, ByteBuf bare, long fanOutStart) {
        try {
            slot.loop.execute(() -> slot.deliver(v, plain, named, bare, alloc, fanOutStart));
        } catch (RuntimeException rejected) {
            // The loop is shutting down: its channels are closing, nothing to deliver.
            ReferenceCountUtil.release(plain);
            ReferenceCountUtil.release(named);
            ReferenceCountUtil.release(bare);
        }
    }

    @Override
    public long conflated() {
        return conflated.sum();
    }

    /** Number of worker event loops the subscribers are spread over. */
    public int loopCount() {
        return loops.size();
    }

    @Override
    public int topicCount() {
        return topics.size();
    }

    /** The latest version known locally for a served topic, or {@code null}. */
    public TopicVersion latestServed(String name) {
        Topic topic = topics.get(name);
        TopicVersion latest = topic == null ? null : topic.latest;
        return Topic.isTombstone(latest) ? null : latest;
    }
}
