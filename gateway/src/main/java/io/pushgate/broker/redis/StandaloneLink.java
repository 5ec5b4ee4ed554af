package io.pushgate.broker.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A single Redis (or a replica set's primary): PUBLISH/SUBSCRIBE on one pub/sub connection. */
final class StandaloneLink implements RedisLink {
    private final StatefulRedisConnection<byte[], byte[]> commands;
    private final StatefulRedisPubSubConnection<byte[], byte[]> pubsub;

    StandaloneLink(RedisClient client, Events events) {
        commands = client.connect(ByteArrayCodec.INSTANCE);
        try {
            pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            commands.closeAsync();
            throw e;
        }
        RedisConnectionStateListener onClose = events.brokenOnClose("connection closed");
        commands.addListener(onClose);
        pubsub.addListener(onClose);
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                if (RedisLayout.isKeyspace(channel)) {
                    events.keyChanged(channel);
                } else {
                    events.message(message);
                }
            }
        });
    }

    @Override
    public RedisClusterAsyncCommands<byte[], byte[]> commands() {
        return commands.async();
    }

    @Override
    public CompletableFuture<Void> loadFunctions(String library) {
        return commands.async().functionLoad(library, true).toCompletableFuture().thenApply(name -> null);
    }

    @Override
    public CompletableFuture<Void> subscribe(List<byte[]> channels) {
        CompletableFuture<Void> subscribed = pubsub.async().subscribe(channels.toArray(new byte[0][])).toCompletableFuture();
        CompletableFuture<String> barrier = pubsub.async().ping().toCompletableFuture();
        return subscribed.thenCombine(barrier, (ok, pong) -> null);
    }

    @Override
    public CompletableFuture<Void> subscribeKeyspace(List<byte[]> channels) {
        return subscribe(channels);
    }

    @Override
    public void unsubscribe(List<byte[]> channels) {
        pubsub.async().unsubscribe(channels.toArray(new byte[0][]));
    }

    @Override
    public CompletableFuture<Long> broadcast(byte[] channel, byte[] message) {
        return commands.async().publish(channel, message).toCompletableFuture();
    }

    @Override
    public CompletableFuture<Void> ping() {
        return pubsub.async().ping().toCompletableFuture().thenApply(pong -> null);
    }

    @Override
    public void close() {
        commands.closeAsync();
        pubsub.closeAsync();
    }
}
