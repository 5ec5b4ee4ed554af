package io.pushgate.loops;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.Timeout;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopTimerTest {
    private static EventLoopGroup loops;
    private static LoopTimer timer;

    @BeforeAll
    static void start() {
        loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        timer = new LoopTimer(loops);
    }

    @AfterAll
    static void stop() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aTimeoutAskedForOnALoopRunsOnThatLoopAfterItsDelay() throws Exception {
        EventExecutor asking = loops.next();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Timeout> handed = new AtomicReference<>();
        long start = System.nanoTime();
        Timeout timeout = asking.submit(() -> timer.newTimeout(t -> {
            handed.set(t);
            ranOn.set(Thread.currentThread());
        }, 100, TimeUnit.MILLISECONDS)).get(1, TimeUnit.SECONDS);
        assertFalse(timeout.isExpired());
        await().atMost(Duration.ofSeconds(2)).until(timeout::isExpired);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100), "not before its delay");
        await().atMost(Duration.ofSeconds(2)).until(() -> ranOn.get() != null);
        assertTrue(asking.inEventLoop(ranOn.get()), ranOn.get().getName());
        assertSame(timeout, handed.get());
        assertSame(timer, timeout.timer());
        assertFalse(timeout.isCancelled());
        assertFalse(timeout.cancel(), "an expired timeout cannot be cancelled");
    }

    @Test
    void aTimeoutAskedForElsewhereRunsOnOneOfTheLoops() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        timer.newTimeout(t -> ranOn.set(Thread.currentThread()), 1, TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> ranOn.get() != null);
        boolean onALoop = false;
        for (EventExecutor loop : loops) {
            onALoop |= loop.inEventLoop(ranOn.get());
        }
        assertTrue(onALoop, ranOn.get().getName());
    }

    @Test
    void aCancelledTimeoutNeverRunsAndAFailingTaskLeavesTheLoopRunning() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        EventExecutor loop = loops.next();
        Timeout cancelled = loop.submit(() -> timer.newTimeout(t -> ran.add("cancelled"), 50, TimeUnit.MILLISECONDS))
                .get(1, TimeUnit.SECONDS);
        assertTrue(cancelled.cancel());
        assertTrue(cancelled.isCancelled());
        // Scheduled on the same loop, later than the cancelled one: once these ran, it would have.
        loop.submit(() -> {
            timer.newTimeout(t -> {
                throw new IllegalStateException("a failing task (expected in this test)");
            }, 60, TimeUnit.MILLISECONDS);
            timer.newTimeout(t -> ran.add("later"), 100, TimeUnit.MILLISECONDS);
        }).get(1, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(2)).until(() -> ran.contains("later"));
        assertEquals(List.of("later"), ran);
        assertFalse(cancelled.isExpired());
    }

    @Test
    void stopLeavesTheLoopsAndWhatTheyHaveScheduledAlone() {
        AtomicReference<String> ran = new AtomicReference<>();
        timer.newTimeout(t -> ran.set("ran"), 50, TimeUnit.MILLISECONDS);
        assertTrue(timer.stop().isEmpty());
        await().atMost(Duration.ofSeconds(2)).until(() -> "ran".equals(ran.get()));
        assertFalse(loops.isShuttingDown());
    }
}
