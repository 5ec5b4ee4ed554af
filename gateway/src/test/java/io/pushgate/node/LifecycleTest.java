package io.pushgate.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one state of a node: each step is taken once; one future for every caller. */
class LifecycleTest {

    @Test
    void drainBeginsOnceAndOnlyOnARunningNode() {
        Lifecycle lifecycle = new Lifecycle();
        assertFalse(lifecycle.beginDrain(), "a starting node does not drain");
        lifecycle.running();
        assertFalse(lifecycle.draining());
        assertTrue(lifecycle.beginDrain());
        assertTrue(lifecycle.draining());
        assertFalse(lifecycle.beginDrain(), "the second call does not begin a second drain");
        assertEquals(Lifecycle.State.DRAINING, lifecycle.state());
    }

    @Test
    void stopHappensOnceFromAnyStateAndCountsAsDraining() {
        Lifecycle lifecycle = new Lifecycle();
        lifecycle.running();
        lifecycle.beginDrain();
        assertTrue(lifecycle.beginStop());
        assertFalse(lifecycle.beginStop());
        assertFalse(lifecycle.beginDrain(), "a stopped node does not drain again");
        lifecycle.running();
        assertEquals(Lifecycle.State.STOPPED, lifecycle.state(), "nothing leaves the stopped state");
        assertTrue(lifecycle.draining());
    }

    @Test
    void everyCallerGetsTheSameFuture() {
        Lifecycle lifecycle = new Lifecycle();
        assertSame(lifecycle.stopped(), lifecycle.stopped());
    }
}
