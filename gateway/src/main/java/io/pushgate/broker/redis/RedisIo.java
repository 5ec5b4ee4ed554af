package io.pushgate.broker.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.pushgate.loops.LoopTimer;
import io.pushgate.loops.Transport;

import java.util.concurrent.TimeUnit;

/**
 * Where the Redis client's connections do their I/O (README "Redis mode"): on the node's own event
 * loops when they run the transport the client connects with, else on two threads of the client's
 * own. On the node's loops, a pub/sub message, the reply to a publish and the publish's write wake
 * no thread of their own: the loops are awake for the streams anyway, and a publish whose
 * {@code PUT} arrived on the loop of the command connection is written without a hand-over. The
 * commands' timeouts are the loops' scheduled tasks, so no timer thread ticks either.
 *
 * <p>The node owns its loops: the client never shuts them down, so a broker on them must be
 * closed before they are.
 */
public final class RedisIo {
    private static final int OWN_THREADS = 2;
    private static final RedisIo OWN = new RedisIo(null, "lettuce's own " + OWN_THREADS + " I/O threads");

    private final EventLoopGroup loops;
    private final String description;

    private RedisIo(EventLoopGroup loops, String description) {
        this.loops = loops;
        this.description = description;
    }

    /** The client's own I/O threads (a broker without a node: tools, tests). */
    public static RedisIo own() {
        return OWN;
    }

    /**
     * On {@code loops}, which run {@code transport}, when the client connects with that transport's
     * socket channel (epoll: Lettuce prefers it where it is available); else the client's own threads.
     */
    public static RedisIo on(EventLoopGroup loops, Transport transport) {
        if (Transports.eventLoopGroupClass().isInstance(loops) && Transports.socketChannelClass() == transport.socketChannel()) {
            return new RedisIo(loops, "the node's " + transport.name() + " loops");
        }
        return new RedisIo(null, "lettuce's own " + OWN_THREADS + " I/O threads (it connects with "
                + Transports.socketChannelClass().getSimpleName() + ", the node serves with " + transport.name() + ")");
    }

    /** Whether the connections run on the node's loops. */
    public boolean shared() {
        return loops != null;
    }

    /** For the start's log line: which threads do the client's I/O. */
    public String describe() {
        return description;
    }

    /**
     * New resources for one client; {@link ClientResources#shutdown} leaves the node's loops running.
     * On the node's loops the commands' timeouts are scheduled on them too ({@link LoopTimer}), in
     * place of the client's timer thread, which ticks ten times a second even when nothing is due.
     */
    ClientResources resources() {
        DefaultClientResources.Builder builder = DefaultClientResources.builder().computationThreadPoolSize(2);
        if (loops == null) {
            return builder.ioThreadPoolSize(OWN_THREADS).build();
        }
        return builder.eventLoopGroupProvider(new NodeLoops(loops)).timer(new LoopTimer(loops)).build();
    }

    /** Hands the node's loops to the client, and never shuts them down. */
    private record NodeLoops(EventLoopGroup loops) implements EventLoopGroupProvider {
        @Override
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            if (!type.isInstance(loops)) {
                throw new IllegalStateException("the redis client asks for a " + type.getName()
                        + ", the node's loops are a " + loops.getClass().getName());
            }
            return type.cast(loops);
        }

        @Override
        public int threadPoolSize() {
            int n = 0;
            for (var ignored : loops) {
                n++;
            }
            return n;
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }
}
