package io.pushgate.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.pushgate.auth.Access;
import io.pushgate.broker.Broker;
import io.pushgate.broker.FeedBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.http.HttpService;
import io.pushgate.loops.LoopIndex;
import io.pushgate.loops.LoopTicker;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.sse.Streams;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * One connection of a node's public port on an {@link EmbeddedChannel}, no sockets: the parts a
 * node wires in {@code Node.open} ({@link Topics}, {@link Streams}, {@link HttpService}), built
 * over the channel's own event loop, and the pipeline of {@code PublicInitializer}, handler by
 * handler in its order. The tickers are never started: a test ticks what it needs itself.
 *
 * <p>One channel per gateway (the parts are built over that channel's loop when it registers).
 * Thread rules: the test's thread.
 */
public final class EmbeddedGateway {
    private final Broker broker;
    private final NodeConfig config;
    private final HttpErrors errors = new HttpErrors();
    private volatile boolean draining;
    private Topics topics;
    private Streams streams;
    private HttpService http;

    /** A gateway over {@code broker} (started here) with the settings of the command line {@code args}. */
    public EmbeddedGateway(Broker broker, String... args) {
        this.broker = broker;
        this.config = NodeConfig.parse(args);
    }

    public HttpErrors errors() {
        return errors;
    }

    /** From now on the node drains ({@code NodeStatus.draining()} is true). */
    public void drain() {
        draining = true;
    }

    /** The node's streams; after {@link #connect}. */
    public Streams streams() {
        return streams;
    }

    /** A new connection under the accept rate, with the node's own request deadline. */
    public EmbeddedChannel connect() {
        return connect(false, null);
    }

    /** A new connection; {@code overAcceptRate}: its requests get 429, as when {@code HttpService.admit()} said no. */
    public EmbeddedChannel connect(boolean overAcceptRate) {
        return connect(overAcceptRate, null);
    }

    /** A new connection whose first handler {@code deadline} makes (a test passes one on a clock it ticks itself). */
    public EmbeddedChannel connect(Function<Channel, ChannelHandler> deadline) {
        return connect(false, deadline);
    }

    /** A new connection, active at once; {@code deadline}: null for the node's own. */
    private EmbeddedChannel connect(boolean overAcceptRate, Function<Channel, ChannelHandler> deadline) {
        if (http != null) {
            throw new IllegalStateException("one channel per gateway");
        }
        return new EmbeddedChannel(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                build(new LoopIndex(channel.eventLoop()));
                ChannelPipeline pipeline = channel.pipeline();
                pipeline.addLast("deadline", deadline != null ? deadline.apply(channel) : http.deadline(channel));
                pipeline.addLast("http", http.codec());
                pipeline.addLast("keepalive", new HttpServerKeepAliveHandler());
                pipeline.addLast("body", http.bodyLimit());
                ChannelHandler cors = http.cors();
                if (cors != null) {
                    pipeline.addLast("cors", cors);
                }
                pipeline.addLast("router", http.router(overAcceptRate));
            }
        });
    }

    /** As {@code Node.open}, over {@code loops} (the embedded channel's loop alone). */
    private void build(LoopIndex loops) {
        LoopTicker[] tickers = new LoopTicker[loops.size()];
        for (int i = 0; i < tickers.length; i++) {
            tickers[i] = new LoopTicker(loops.loop(i), Duration.ofSeconds(1));
        }
        topics = new Topics(broker, loops, PooledByteBufAllocator.DEFAULT, FanOutRecorder.NONE);
        FeedBroker feedBroker = (FeedBroker) broker;
        Feeds feeds = new Feeds(feedBroker, loops, PooledByteBufAllocator.DEFAULT, FanOutRecorder.NONE, config.feeds().cap());
        streams = new Streams(config.streams(), topics, feeds, loops, tickers, () -> draining);
        http = new HttpService(config.http(), Access.of(config.auth()), topics, feeds, streams, errors,
                new AuthFailures(List.of()), () -> draining, loops, tickers);
        feedBroker.startFeeds(feeds);
        broker.start(topics);
    }

    /** {@code text} (HTTP/1.1, CRLF line ends) as the bytes a client sends. */
    public static ByteBuf request(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }
}
