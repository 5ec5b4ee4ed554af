package io.pushgate.node;

import io.pushgate.model.NodeStatus;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one state of a node: starting, running, draining, stopped; each step is taken once, by
 * one caller. {@link #stopped()} is the one future every {@code drain()} and {@code close()}
 * returns.
 *
 * <p>Thread rules: any thread.
 */
final class Lifecycle implements NodeStatus {
    enum State { STARTING, RUNNING, DRAINING, STOPPED }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    State state() {
        return state.get();
    }

    @Override
    public boolean draining() {
        State now = state.get();
        return now == State.DRAINING || now == State.STOPPED;
    }

    @Override
    public boolean starting() {
        return state.get() == State.STARTING;
    }

    /** Starting is over: the node serves. */
    void running() {
        state.compareAndSet(State.STARTING, State.RUNNING);
    }

    /** True for the one caller that moves a running node to draining. */
    boolean beginDrain() {
        return state.compareAndSet(State.RUNNING, State.DRAINING);
    }

    /** True for the one caller that moves the node to stopped, from any state. */
    boolean beginStop() {
        return state.getAndSet(State.STOPPED) != State.STOPPED;
    }

    /** Completes once everything the node opened is closed. */
    CompletableFuture<Void> stopped() {
        return stopped;
    }
}
