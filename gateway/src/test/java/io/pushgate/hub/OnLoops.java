package io.pushgate.hub;

import io.pushgate.loops.LoopIndex;
import io.netty.channel.EventLoop;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Running test steps on the hub's event loops, where its state lives. */
final class OnLoops {
    private OnLoops() {
    }

    /** Runs {@code task} on {@code loop} and returns its result, within 5 s. */
    static <T> T on(EventLoop loop, Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** Waits until every loop has run what was queued before. */
    static void settle(LoopIndex loops) throws Exception {
        for (EventLoop loop : loops.loops()) {
            on(loop, () -> null);
        }
    }
}
