package io.pushgate.bench;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultithreadEventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Event loops that run each task at once on the caller's thread. With them a benchmark measures the
 * hub's own work on one thread, without the cross-thread wake-ups of real loops: those cost the same
 * with and without metrics and, on a small shared machine, only add noise. Nothing is ever shut down.
 */
final class InlineLoops extends MultithreadEventLoopGroup {

    InlineLoops(int loops) {
        super(loops, (Executor) null);
    }

    @Override
    protected EventLoop newChild(Executor executor, Object... args) {
        return new Loop(this);
    }

    private static final class Loop extends AbstractEventExecutor implements EventLoop {
        private final Future<?> termination = ImmediateEventExecutor.INSTANCE.newPromise();

        Loop(EventLoopGroup parent) {
            super(parent);
        }

        @Override
        public EventLoopGroup parent() {
            return (EventLoopGroup) super.parent();
        }

        @Override
        public EventLoop next() {
            return this;
        }

        @Override
        public boolean inEventLoop(Thread thread) {
            return true;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public boolean isShuttingDown() {
            return false;
        }

        @Override
        public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
            return termination;
        }

        @Override
        public Future<?> terminationFuture() {
            return termination;
        }

        @Override
        @Deprecated
        public void shutdown() {
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }

        @Override
        public ChannelFuture register(Channel channel) {
            throw new UnsupportedOperationException("no channels on an inline loop");
        }

        @Override
        public ChannelFuture register(ChannelPromise promise) {
            throw new UnsupportedOperationException("no channels on an inline loop");
        }

        @Override
        @Deprecated
        public ChannelFuture register(Channel channel, ChannelPromise promise) {
            throw new UnsupportedOperationException("no channels on an inline loop");
        }
    }
}
