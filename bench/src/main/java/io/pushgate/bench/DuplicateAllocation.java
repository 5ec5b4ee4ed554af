package io.pushgate.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Heap bytes allocated per {@code retainedDuplicate()} of a frame — the one object a delivery
 * needs per subscriber — by allocator and by thread kind, counted exactly with the JVM's
 * per-thread allocation counter (not timed). Event loops are FastThreadLocalThreads, where Netty's
 * Recycler hands out pooled duplicates again; a plain thread (like a JMH worker) gets new ones.
 * Figures: bench/RESULTS.md, "Allocation per delivery".
 *
 * <p>Run: {@code java -Dio.netty.leakDetection.level=disabled -cp bench/target/benchmarks.jar
 * io.pushgate.bench.DuplicateAllocation}
 */
public final class DuplicateAllocation {
    private static final int ROUNDS = 3;
    private static final int DUPLICATES = 2_000_000;

    private DuplicateAllocation() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("allocator           thread                 in flight  bytes per retainedDuplicate (3 rounds)");
        for (ByteBufAllocator alloc : List.of(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
            for (int inFlight : new int[] {1, 1000}) {
                runOn(new Thread(() -> run(alloc, inFlight)));
                runOn(new FastThreadLocalThread(() -> run(alloc, inFlight)));
            }
        }
    }

    private static void runOn(Thread thread) throws InterruptedException {
        thread.start();
        thread.join();
    }

    /** Takes {@code inFlight} duplicates at a time (a loop task's writes before their release), then releases them. */
    private static void run(ByteBufAllocator alloc, int inFlight) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuf frame = alloc.directBuffer(64).writeZero(64);
        List<ByteBuf> held = new ArrayList<>(inFlight);
        StringBuilder rounds = new StringBuilder();
        for (int round = 0; round < ROUNDS; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < DUPLICATES / inFlight; i++) {
                for (int j = 0; j < inFlight; j++) {
                    held.add(frame.retainedDuplicate());
                }
                for (ByteBuf duplicate : held) {
                    duplicate.release();
                }
                held.clear();
            }
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            rounds.append(String.format("  %6.2f", bytes / (double) DUPLICATES));
        }
        frame.release();
        System.out.printf("%-19s %-22s %9d %s%n", alloc.getClass().getSimpleName(),
                Thread.currentThread().getClass().getSimpleName(), inFlight, rounds);
    }
}
