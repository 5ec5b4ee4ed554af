package io.pushgate.hub;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.FeedEvent;

import java.util.Arrays;

/**
 * The subscriptions of one feed on one event loop. Live events come from the feed's home loop in
 * seq order, one task per event with the frames it needs; a subscription takes an event only when
 * it is its cursor's next ({@link FeedSubscription}). One that is not writable, or meets a hole or
 * another epoch, is behind: it asks the home loop for a catch-up when it can write again, and the
 * answer ({@link FeedAnswer}) brings what it missed, or a reset and what is kept.
 *
 * <p>Thread rules: everything on {@code loop}, except the two volatile counts, which the home loop
 * reads to decide which frames this loop needs. Metrics once per task, never per subscriber.
 */
final class FeedSlot {
    final Feed feed;
    final EventLoop loop;
    volatile int plainCount;
    volatile int namedCount;
    private final FanOutRecorder metrics;
    private final FeedCounts counts;
    private FeedSubscription[] subs = new FeedSubscription[2];
    private int size;

    FeedSlot(Feed feed, EventLoop loop, FanOutRecorder metrics, FeedCounts counts) {
        this.feed = feed;
        this.loop = loop;
        this.metrics = metrics;
        this.counts = counts;
    }

    FeedSubscription add(FeedSubscriber subscriber, boolean named) {
        FeedSubscription sub = new FeedSubscription(this, subscriber, named);
        if (size == subs.length) {
            subs = Arrays.copyOf(subs, size * 2);
        }
        sub.position = size;
        subs[size++] = sub;
        // Volatile writes: an event the home loop appends after this point is handed to this loop.
        if (named) {
            namedCount++;
        } else {
            plainCount++;
        }
        return sub;
    }

    void remove(FeedSubscription sub) {
        sub.removed = true;
        int last = --size;
        FeedSubscription moved = subs[last];
        subs[sub.position] = moved;
        moved.position = sub.position;
        subs[last] = null;
        if (sub.named) {
            namedCount--;
        } else {
            plainCount--;
        }
    }

    /**
     * A live event of the feed, in seq order; takes ownership of one reference of {@code plain} and
     * {@code named} (either may be null). {@code fanOutStart}: {@link FanOutRecorder#UNTIMED} when
     * the event was read to fill a hole.
     */
    void deliver(FeedEvent event, ByteBuf plain, ByteBuf named, long fanOutStart) {
        int written = 0;
        try {
            for (int i = 0; i < size; i++) {
                FeedSubscription sub = subs[i];
                if (offer(sub, event, sub.named ? named : plain)) {
                    written++;
                }
            }
        } finally {
            ReferenceCountUtil.release(plain);
            ReferenceCountUtil.release(named);
        }
        if (written > 0) {
            if (fanOutStart == FanOutRecorder.UNTIMED) {
                metrics.caughtUp(written);
            } else {
                metrics.delivered(written, event.publishedMicros(), fanOutStart);
            }
        }
    }

    /** Writes {@code event} to {@code sub} if it is the cursor's next and the channel writable; true if written. */
    private boolean offer(FeedSubscription sub, FeedEvent event, ByteBuf frame) {
        if (sub.asked) {
            return false; // the answer on its way holds this event, or the next catch-up will
        }
        boolean next = sub.epoch == null
                ? sub.seq == 0 && event.seq() == 1
                : sub.epoch.equals(event.epoch()) && event.seq() == sub.seq + 1;
        if (next) {
            if (!sub.subscriber.isWritable()) {
                sub.behind = true; // not conflated: it catches up from its cursor when writable again
                return false;
            }
            sub.epoch = event.epoch();
            sub.seq = event.seq();
            sub.subscriber.writeFeedEvent(frame.retainedDuplicate());
            sub.subscriber.flush();
            return true;
        }
        if (sub.epoch != null && sub.epoch.equals(event.epoch()) && event.seq() <= sub.seq) {
            return false; // held already
        }
        // A hole (this loop never saw the events between) or another epoch: the home loop decides.
        sub.behind = true;
        if (sub.subscriber.isWritable()) {
            ask(sub);
        }
        return false;
    }

    /** A subscription that is behind asks for a catch-up, if it is writable and not asking already. */
    void catchUp(FeedSubscription sub) {
        if (sub.behind && !sub.asked && sub.subscriber.isWritable()) {
            ask(sub);
        }
    }

    /** Asks the home loop where {@code sub} begins (its start, or a catch-up from its cursor). */
    void ask(FeedSubscription sub, FeedStart start) {
        sub.asked = true;
        sub.behind = false;
        feed.ask(sub, start);
    }

    private void ask(FeedSubscription sub) {
        ask(sub, FeedStart.resume(sub.epoch, sub.seq));
    }

    /** The feed began again (another epoch, or lost): every subscription asks where it stands. */
    void recheck() {
        for (int i = 0; i < size; i++) {
            FeedSubscription sub = subs[i];
            if (!sub.asked) {
                sub.behind = true;
                catchUp(sub);
            }
        }
    }

    /** The home loop's answer to {@code answer.sub()}'s ask; takes ownership of its frames. */
    void answered(FeedAnswer answer) {
        FeedSubscription sub = answer.sub();
        if (sub.removed) {
            answer.release();
            return;
        }
        sub.asked = false;
        FeedSubscriber subscriber = sub.subscriber;
        if (answer.reset() != null) {
            subscriber.writeControl(answer.reset());
            counts.reset();
        }
        sub.epoch = answer.epoch();
        sub.seq = answer.base();
        FeedEvent[] events = answer.events();
        int written = 0;
        for (; written < events.length; written++) {
            FeedEvent event = events[written];
            if (event.seq() != sub.seq + 1 || !subscriber.isWritable()) {
                break;
            }
            sub.seq = event.seq();
            subscriber.writeFeedEvent(answer.frames()[written]);
        }
        answer.releaseFrames(written);
        subscriber.flush();
        if (!sub.started) {
            sub.started = true;
            subscriber.feedStarted();
        }
        if (written > 0) {
            counts.replayed(written);
            metrics.caughtUp(written);
        }
        if (sub.epoch != null && sub.seq < answer.last()) {
            sub.behind = true;
            catchUp(sub);
        }
    }
}
