package io.pushgate.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One session's connections to Redis: a command connection and pub/sub, standalone or cluster.
 * Created and closed on {@link SessionKeeper}'s control thread; {@link #commands()} is used from any thread.
 */
interface RedisLink {

    /** Receives what the pub/sub side hears; called on Lettuce threads. */
    interface Events {
        void message(byte[] message);

        /** Redis announced a change of a key (a keyspace notification on {@code channel}). */
        void keyChanged(byte[] channel);

        /** Redis ended a subscription this link did not ask to end (e.g. a slot moved), or a connection closed. */
        void broken(String reason);

        /** A connection listener that reports the link broken when the connection closes. */
        default RedisConnectionStateListener brokenOnClose(String reason) {
            return new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    broken(reason);
                }
            };
        }
    }

    /**
     * Subscribes to keyspace notification channels (plain SUBSCRIBE: standalone only, a cluster's
     * notifications stay on the shard where the key lives); completes once Redis has taken them.
     */
    default CompletableFuture<Void> subscribeKeyspace(List<byte[]> channels) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("keyspace notifications on a cluster"));
    }

    /** Commands routed by key (FCALL, HMGET). */
    RedisClusterAsyncCommands<byte[], byte[]> commands();

    /** Loads the function library on every node that may run it. */
    CompletableFuture<Void> loadFunctions(String library);

    /**
     * Subscribes to {@code channels}; completes once Redis has taken every one of them (a PING
     * answered after them on each connection involved).
     */
    CompletableFuture<Void> subscribe(List<byte[]> channels);

    void unsubscribe(List<byte[]> channels);

    /**
     * Sends {@code message} to every subscriber of {@code channel} (PUBLISH; SPUBLISH on a
     * cluster, where the link subscribes with SSUBSCRIBE); completes with the number of receivers.
     */
    CompletableFuture<Long> broadcast(byte[] channel, byte[] message);

    /** PINGs every pub/sub connection of the link; fails when one does not answer. */
    CompletableFuture<Void> ping();

    void close();
}
