package io.pushgate.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.pushgate.loops.LoopIndex;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import io.pushgate.wire.SseFrames;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A feed with local subscribers: its epoch, its {@link FeedWindow} and one {@link FeedSlot} per
 * event loop. The events are put in order on one loop, the feed's home: there the window grows
 * strictly by seq. An event with a hole before it waits until a read of the broker's history has
 * filled the hole; an event or state of another epoch starts the feed over (the window is cleared
 * and the subscriptions ask again, which gives them a reset and what is kept). Each event is
 * encoded once per variant and handed to each loop with subscribers in one task.
 *
 * <p>The home loop also answers the subscriptions' asks ({@link FeedStart}): from the window when
 * it covers the cursor, else from a history read, and a reset when the cursor is of another epoch
 * or older than what is kept.
 *
 * <p>Thread rules: {@code refs} is guarded by the hub map's per-key update; the fields below it are
 * the home loop's only; the hub calls
 * {@link #onEvent}, {@link #onState}, {@link #ask} and {@link #close} from any thread, which hand
 * over to the home loop.
 */
final class Feed {
    /** A broker read that failed is tried again after this long; asks wait meanwhile. */
    private static final long RETRY_MILLIS = 500;

    final String name;
    final EventLoop home;
    final FeedSlot[] slots;
    /** Local subscriptions; guarded by the hub map's per-key update. */
    int refs;
    private final ByteBufAllocator alloc;
    private final FeedHub.Source source;
    private final int cap;
    private final int readLimit;

    private final FeedWindow window;
    private final TreeMap<Long, FeedEvent> pending = new TreeMap<>();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    /** The epoch of the window; null while unknown or when the feed has no state. */
    private String epoch;
    /** Whether a state was heard: the epoch (or that there is none) and the window's place are known. */
    private boolean synced;
    /** Whether the window can answer asks: false until the first fill after a state or a start-over is done. */
    private boolean ready;
    /** A history read to fill the window is on its way. */
    private boolean reading;
    /** The feed began again since the subscriptions last heard: they ask again once synced. */
    private boolean startedOver;
    private boolean closed;

    Feed(String name, LoopIndex loops, ByteBufAllocator alloc, FanOutRecorder metrics, FeedCounts counts,
         FeedHub.Source source, int cap, int readLimit) {
        this.name = name;
        this.home = loops.loop(Math.floorMod(name.hashCode(), loops.size()));
        this.alloc = alloc;
        this.source = source;
        this.cap = cap;
        this.readLimit = readLimit;
        this.window = new FeedWindow(cap);
        this.slots = new FeedSlot[loops.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new FeedSlot(this, loops.loop(i), metrics, counts);
        }
    }

    void onEvent(FeedEvent event, long fanOutStart) {
        onHome(() -> event(event, fanOutStart));
    }

    void onState(FeedState state) {
        onHome(() -> state(state));
    }

    /** {@code sub} (of one of the slots) asks where it begins or how it catches up; answered on its loop. */
    void ask(FeedSubscription sub, FeedStart start) {
        onHome(() -> serve(sub, start));
    }

    /**
     * The last subscriber left: the window's frames are released on the home loop; when that loop
     * has stopped taking tasks (the node stops), once it has terminated, since its last queued tasks
     * may still append to the window.
     */
    void close() {
        Runnable release = () -> {
            closed = true;
            window.clear(0);
            pending.clear();
            waiting.clear();
        };
        try {
            home.execute(release);
        } catch (RejectedExecutionException stopped) {
            home.terminationFuture().addListener(terminated -> release.run());
        }
    }

    private void onHome(Runnable task) {
        try {
            home.execute(task);
        } catch (RejectedExecutionException stopping) {
            // The loops are shutting down with the node: nothing left to serve.
        }
    }

    // ---- the order of events (home loop) ----

    private void event(FeedEvent event, long fanOutStart) {
        if (closed) {
            return;
        }
        if (synced && !event.epoch().equals(epoch)) {
            startOver(event.epoch(), Math.max(0, event.seq() - 1 - cap));
        }
        if (event.epoch().equals(epoch) && event.seq() <= window.last()) {
            return; // delivered already (a read brought it first)
        }
        if (synced && !reading && event.seq() == window.last() + 1) {
            append(event, fanOutStart);
            return;
        }
        if (pending.size() < cap) {
            pending.put(event.seq(), event);
        }
        if (synced && !reading) {
            fill();
        }
    }

    private void state(FeedState state) {
        if (closed) {
            return;
        }
        if (!state.exists()) {
            if (epoch != null || !synced) {
                startedOver |= epoch != null;
                epoch = null;
                window.clear(0);
                synced = true;
                drainPending();
                if (!reading) {
                    answerWaiting();
                }
            }
            return;
        }
        if (!state.epoch().equals(epoch) || !synced) {
            startOver(state.epoch(), base(state));
        } else if (state.lastSeq() > window.last() && !reading) {
            fill();
        }
    }

    /** The window of a feed that begins (again) in {@code newEpoch}, to be filled from {@code base} on. */
    private void startOver(String newEpoch, long base) {
        startedOver |= epoch != null || synced;
        epoch = newEpoch;
        synced = true;
        ready = false;
        window.clear(base);
        pending.values().removeIf(e -> !e.epoch().equals(newEpoch));
        if (!reading) {
            fill();
        }
    }

    /** Where the window of {@code state} begins: at most the cap before its last. */
    private long base(FeedState state) {
        return Math.max(state.firstSeq() - 1, state.lastSeq() - cap);
    }

    /** Reads the broker's history after the window's last, to fill a hole or the start. */
    private void fill() {
        reading = true;
        long after = window.last();
        whenRead(source.history(name, after, readLimit), (history, failure) -> {
            reading = false;
            if (closed) {
                return;
            }
            if (failure != null) {
                reading = true;
                home.schedule(() -> {
                    reading = false;
                    if (!closed) {
                        fill();
                    }
                }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            filled(history);
        });
    }

    private void filled(FeedHistory history) {
        FeedState state = history.state();
        if (!state.exists()) {
            state(state);
            return;
        }
        if (!state.epoch().equals(epoch)) {
            startOver(state.epoch(), base(state));
            return;
        }
        if (state.firstSeq() - 1 > window.last()) {
            // Trimmed past the window's end while the node did not listen: what is kept begins later.
            startedOver = true;
            window.clear(base(state));
            fill();
            return;
        }
        int before = history.events().size();
        for (FeedEvent event : history.events()) {
            if (event.epoch().equals(epoch) && event.seq() == window.last() + 1) {
                append(event, FanOutRecorder.UNTIMED);
            }
        }
        if (before > 0 && window.last() < state.lastSeq()) {
            fill();
            return;
        }
        drainPending();
        if (!pending.isEmpty()) {
            fill(); // the events before the first pending one were appended after this read
            return;
        }
        answerWaiting();
    }

    private void drainPending() {
        for (Map.Entry<Long, FeedEvent> first = pending.firstEntry(); first != null; first = pending.firstEntry()) {
            FeedEvent event = first.getValue();
            if (epoch == null) {
                // The feed had no state: its first event begins an epoch.
                startOver(event.epoch(), Math.max(0, event.seq() - 1 - cap));
                if (reading) {
                    return;
                }
                continue;
            }
            if (!event.epoch().equals(epoch) || event.seq() <= window.last()) {
                pending.pollFirstEntry();
            } else if (event.seq() == window.last() + 1) {
                pending.pollFirstEntry();
                append(event, FanOutRecorder.UNTIMED);
            } else {
                return;
            }
        }
    }

    /** Adds the next event to the window and hands it to each loop with subscribers, encoded once per variant. */
    private void append(FeedEvent event, long fanOutStart) {
        FeedEntry entry = new FeedEntry(event);
        window.append(entry);
        for (FeedSlot slot : slots) {
            boolean plain = slot.plainCount > 0;
            boolean named = slot.namedCount > 0;
            if (!plain && !named) {
                continue;
            }
            ByteBuf plainFrame = plain ? entry.frame(false, alloc).retain() : null;
            ByteBuf namedFrame = named ? entry.frame(true, alloc).retain() : null;
            try {
                slot.loop.execute(() -> slot.deliver(event, plainFrame, namedFrame, fanOutStart));
            } catch (RejectedExecutionException stopping) {
                if (plainFrame != null) {
                    plainFrame.release();
                }
                if (namedFrame != null) {
                    namedFrame.release();
                }
            }
        }
    }

    /** The window is filled: the asks that waited are answered, and after a start-over every subscription asks again. */
    private void answerWaiting() {
        ready = true;
        if (startedOver) {
            startedOver = false;
            for (FeedSlot slot : slots) {
                if (slot.plainCount + slot.namedCount > 0) {
                    onLoop(slot, slot::recheck);
                }
            }
        }
        List<Runnable> asks = new ArrayList<>(waiting);
        waiting.clear();
        asks.forEach(Runnable::run);
    }

    // ---- the answers to subscriptions (home loop) ----

    private void serve(FeedSubscription sub, FeedStart start) {
        if (closed) {
            return;
        }
        if (!ready) {
            waiting.add(() -> serve(sub, start));
            return;
        }
        switch (start.kind()) {
            case LIVE -> answer(sub, null, window.last(), window.last());
            case LAST -> answer(sub, null, Math.max(window.first() - 1, window.last() - start.seq()), window.last());
            case RESET -> answerReset(sub);
            case RESUME -> resume(sub, start.epoch(), start.seq());
        }
    }

    private void resume(FeedSubscription sub, String cursorEpoch, long cursorSeq) {
        if (cursorEpoch == null) {
            // Holds nothing yet (it began on a feed without state): every kept event, a reset if some are gone.
            if (epoch == null || window.first() <= 1) {
                answer(sub, null, 0, window.last());
            } else {
                answerReset(sub);
            }
        } else if (!cursorEpoch.equals(epoch)) {
            answerReset(sub);
        } else if (cursorSeq >= window.last()) {
            // Nothing to resend; a cursor above the last (the client came from a node that heard newer
            // events first) keeps its seq, so those events are not sent again when they arrive.
            answer(sub, null, cursorSeq, cursorSeq);
        } else if (window.covers(cursorSeq)) {
            answer(sub, null, cursorSeq, window.last());
        } else {
            replayFromHistory(sub, cursorEpoch, cursorSeq);
        }
    }

    /** A cursor older than the window: the broker may keep more; else it missed some (a reset). */
    private void replayFromHistory(FeedSubscription sub, String cursorEpoch, long cursorSeq) {
        whenRead(source.history(name, cursorSeq, readLimit), (history, failure) -> {
            if (closed) {
                return;
            }
            if (failure != null) {
                home.schedule(() -> serve(sub, FeedStart.resume(cursorEpoch, cursorSeq)), RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            FeedState state = history.state();
            if (state.exists() && !state.epoch().equals(epoch) || !state.exists() && epoch != null) {
                // The broker began the feed again: this node learns it here first.
                state(state);
                serve(sub, FeedStart.resume(cursorEpoch, cursorSeq));
            } else if (!state.continues(cursorEpoch, cursorSeq)) {
                answerReset(sub);
            } else {
                List<FeedEvent> events = history.events();
                FeedEvent[] read = new FeedEvent[events.size()];
                ByteBuf[] frames = new ByteBuf[read.length];
                for (int i = 0; i < read.length; i++) {
                    read[i] = events.get(i);
                    frames[i] = sub.named ? SseFrames.namedFeedEvent(alloc, read[i]) : SseFrames.feedEvent(alloc, read[i]);
                }
                send(new FeedAnswer(sub, null, epoch, cursorSeq, read, frames, Math.max(window.last(), state.lastSeq())));
            }
        });
    }

    /**
     * A reset, then every event the window holds. The reset's frame is encoded per answer: resets
     * are rare, and a frame kept by the feed would outlive it when the loops stop before its close runs.
     */
    private void answerReset(FeedSubscription sub) {
        long base = epoch == null ? 0 : window.first() - 1;
        answer(sub, SseFrames.reset(alloc, name), base, window.last());
    }

    /** Sets {@code sub}'s cursor to {@code base} (after {@code reset}, if any) and sends the window's events after it. */
    private void answer(FeedSubscription sub, ByteBuf reset, long base, long last) {
        int count = (int) Math.max(0, window.last() - base);
        FeedEvent[] events = count == 0 ? FeedAnswer.NO_EVENTS : new FeedEvent[count];
        ByteBuf[] frames = count == 0 ? FeedAnswer.NO_FRAMES : new ByteBuf[count];
        for (int i = 0; i < count; i++) {
            FeedEntry entry = window.get(base + 1 + i);
            events[i] = entry.event;
            frames[i] = entry.frame(sub.named, alloc).retainedDuplicate();
        }
        send(new FeedAnswer(sub, reset, epoch, base, events, frames, last));
    }

    private void send(FeedAnswer answer) {
        FeedSlot slot = answer.sub().slot;
        if (!onLoop(slot, () -> slot.answered(answer))) {
            answer.release();
        }
    }

    private static boolean onLoop(FeedSlot slot, Runnable task) {
        try {
            slot.loop.execute(task);
            return true;
        } catch (RejectedExecutionException stopping) {
            return false;
        }
    }

    /** Runs {@code then} on the home loop with the read's result (a broker may complete it on any thread, or at once). */
    private void whenRead(CompletionStage<FeedHistory> read, java.util.function.BiConsumer<FeedHistory, Throwable> then) {
        read.whenComplete((history, failure) -> onHome(() -> then.accept(history, failure)));
    }
}
