package io.pushgate.broker;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.broker.redis.RedisIo;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.loops.Transport;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.model.TopicVersion;
import io.pushgate.testing.BlackholeProxy;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract again with the Redis client's I/O on a node's epoll loops ({@link RedisIo}), as a
 * node runs it; plus what sharing the loops must keep true.
 */
class RedisOnNodeLoopsTest extends BrokerContract {
    private static final Transport EPOLL = Transport.select(Transport.Kind.EPOLL);
    private static EventLoopGroup loops;
    private RedisFixture redis;

    @BeforeAll
    static void startLoops() {
        loops = new MultiThreadIoEventLoopGroup(2, EPOLL.ioHandlers());
    }

    @AfterAll
    static void stopLoops() {
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    protected Broker create() {
        redis = new RedisFixture();
        return onLoops(redis);
    }

    private static RedisBroker onLoops(RedisFixture redis) {
        RedisIo io = RedisIo.on(loops, EPOLL);
        assertTrue(io.shared(), io.describe());
        return new RedisBroker(redis.settings(), FollowSettings.NONE, TopicSettings.NONE, FeedSettings.DEFAULT, io);
    }

    @AfterEach
    void cleanRedis() {
        redis.close();
    }

    @Test
    void messagesArriveOnTheLoops() throws Exception {
        String topic = topic();
        listener.serving.add(topic);
        broker.subscribe(topic);
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.topicSubscribers(topic) == 1);
        // From another client, once subscribed: the version arrives as a pub/sub message.
        assertEquals(1, redis.fcall(topic, "from elsewhere"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !listener.threads.isEmpty());
        for (Thread t : listener.threads) {
            assertTrue(onLoops(t), t.getName() + " is not one of the loops");
        }
    }

    @Test
    void aClosedBrokerLeavesTheLoopsRunningAndANewOneConnectsOnThem() throws Exception {
        RedisBroker first = onLoops(redis);
        first.start(new Recorder());
        await().atMost(Duration.ofSeconds(10)).until(first::connected);
        first.close();
        assertFalse(loops.isShuttingDown());
        assertEquals(1, loops.submit(() -> 1).get(2, TimeUnit.SECONDS));
        try (RedisBroker second = onLoops(redis)) {
            second.start(new Recorder());
            await().atMost(Duration.ofSeconds(10)).until(second::connected);
            TopicVersion v = second.publish(topic(), utf8("after")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(1, v.version());
        }
    }

    /** A command's timeout is a scheduled task of the loops (LoopTimer), not of a timer thread. */
    @Test
    void aCommandWithoutAnAnswerTimesOutOnTheLoops() throws Exception {
        try (RedisServerProcess server = new RedisServerProcess().start();
             BlackholeProxy proxy = new BlackholeProxy(server.port);
             RedisFixture direct = new RedisFixture(server.url())) {
            // The watchdog's PING waits 30 s: only the command's own timeout can end the publish.
            RedisSettings held = new RedisSettings("redis://127.0.0.1:" + proxy.port(), false, direct.prefix,
                    Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(30));
            try (RedisBroker cutOff = new RedisBroker(held, FollowSettings.NONE, TopicSettings.NONE, FeedSettings.DEFAULT,
                    RedisIo.on(loops, EPOLL))) {
                cutOff.start(new Recorder());
                await().atMost(Duration.ofSeconds(10)).until(cutOff::connected);
                proxy.hold(true);
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> cutOff.publish(topic(), utf8("held")).toCompletableFuture().get(20, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof PublishOutcomeUnknown, e.getCause().toString());
                assertTrue(e.getCause().getMessage().contains("RedisCommandTimeoutException"), e.getCause().getMessage());
                proxy.hold(false);
            }
        }
    }

    @Test
    void onLoopsOfAnotherTransportTheClientKeepsItsOwnThreads() {
        Transport nio = Transport.select(Transport.Kind.NIO);
        EventLoopGroup nioLoops = new MultiThreadIoEventLoopGroup(1, nio.ioHandlers());
        try {
            RedisIo io = RedisIo.on(nioLoops, nio);
            assertFalse(io.shared());
            assertTrue(io.describe().contains("own"), io.describe());
        } finally {
            nioLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static boolean onLoops(Thread t) {
        return StreamSupport.stream(loops.spliterator(), false).anyMatch(e -> ((EventExecutor) e).inEventLoop(t));
    }
}
