package io.pushgate.bench;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's worker threads as Netty's {@link FastThreadLocalThread}s, the kind of thread an event loop
 * runs on. Netty's pooled allocator keeps its per-thread caches, and its {@code Recycler} hands out
 * recycled objects (such as the pooled {@code retainedDuplicate()} of every delivery), only on such
 * threads; on JMH's plain threads a benchmark would measure allocations the node never makes.
 *
 * <p>Selected per benchmark with {@code -Djmh.executor=CUSTOM -Djmh.executor.class=<this class>} in
 * its {@code @Fork(jvmArgsAppend = …)}: JMH then creates it through the public
 * {@code (int threads, String prefix)} constructor.
 */
public final class EventLoopThreads extends ThreadPoolExecutor {

    public EventLoopThreads(int threads, String prefix) {
        super(threads, threads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
