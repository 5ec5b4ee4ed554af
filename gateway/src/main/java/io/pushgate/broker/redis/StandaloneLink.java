package io.pushgate.broker.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/** A single Redis (or a replica set's primary): PUBLISH/SUBSCRIBE on one pub/sub connection. */
final class StandaloneLink implements RedisLink {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final AtomicBoolean ROLE_REFUSAL_SAID = new AtomicBoolean();
    private final StatefulRedisConnection<byte[], byte[]> commands;
    private final StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    /** With Sentinel: which master the sentinels name now, against the one this link is on; else null. */
    private final SentinelView sentinels;
    /** Whether the server refused ROLE (an ACL): the watchdog then only PINGs. On the watchdog's thread. */
    private volatile boolean roleRefused;

    /** {@code uri}: the client's, a sentinel URI ({@code redis-sentinel://…#master}) or not. */
    StandaloneLink(RedisClient client, RedisURI uri, Events events) {
        commands = client.connect(ByteArrayCodec.INSTANCE);
        try {
            pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            commands.closeAsync();
            throw e;
        }
        try {
            sentinels = uri.getSentinels().isEmpty() ? null : new SentinelView(client, uri);
        } catch (RuntimeException e) {
            commands.closeAsync();
            pubsub.closeAsync();
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

    /**
     * PINGs the pub/sub connection and asks the command connection's server for its ROLE: a master
     * that a Sentinel failover turned into a replica keeps its clients' connections (Redis 7), still
     * answers PINGs and passes on the new master's messages, but refuses every publish; a session on
     * it must move to the new master.
     */
    @Override
    public CompletableFuture<Void> ping() {
        CompletableFuture<String> pong = pubsub.async().ping().toCompletableFuture();
        if (roleRefused) {
            return pong.thenApply(p -> null);
        }
        CompletableFuture<Void> master = commands.async().role().toCompletableFuture().handle((role, failure) -> {
            if (failure != null) {
                if (String.valueOf(failure.getMessage()).contains("NOPERM")) {
                    // An ACL user without +role: the check is off for this connection, said once per process.
                    roleRefused = true;
                    if (!ROLE_REFUSAL_SAID.getAndSet(true)) {
                        log.warn("Redis refuses ROLE to this user (NOPERM): a failover that turns the master into a "
                                + "replica is not noticed until the connection breaks; grant the node's user +role");
                    }
                    return null;
                }
                throw new CompletionException(failure);
            }
            Object kind = role.isEmpty() ? null : role.get(0);
            String name = kind instanceof byte[] bytes ? new String(bytes, StandardCharsets.US_ASCII) : String.valueOf(kind);
            if (!name.equals("master")) {
                throw new NotMaster("the Redis server is a " + name + " now, not the master (a failover made it one)");
            }
            return null;
        });
        CompletableFuture<Void> both = pong.thenCombine(master, (p, m) -> null);
        return sentinels == null ? both : both.thenCombine(sentinels.check(), (b, s) -> null);
    }

    /** The server of a session is no master (any more). */
    static final class NotMaster extends IllegalStateException {
        NotMaster(String why) {
            super(why);
        }
    }

    /**
     * The sentinels' view of the master, for a link made through them: the address they named when
     * the link was made, asked again with each watchdog round. When they name another, the link's
     * server is about to be turned into a replica (Sentinel reconfigures the old master seconds after
     * the promotion; until then it still takes writes that the new master never gets): the session
     * moves at once instead of waiting for ROLE to say so. A sentinel that does not answer is not the
     * master's trouble: its connection is dropped and the next round asks the next sentinel.
     * On the watchdog's thread.
     */
    private static final class SentinelView {
        private final RedisClient client;
        private final List<RedisURI> sentinels;
        private final String master;
        private SocketAddress named;
        private volatile StatefulRedisSentinelConnection<String, String> connection;
        private int next;

        SentinelView(RedisClient client, RedisURI uri) {
            this.client = client;
            this.master = uri.getSentinelMasterId();
            List<RedisURI> list = new ArrayList<>();
            for (RedisURI sentinel : uri.getSentinels()) {
                list.add(RedisURI.builder(sentinel).withTimeout(uri.getTimeout()).build());
            }
            this.sentinels = List.copyOf(list);
            // The first sentinel that answers names the master the link was just made to.
            for (int i = 0; i < sentinels.size() && named == null; i++) {
                try {
                    StatefulRedisSentinelConnection<String, String> c = client.connectSentinel(StringCodec.UTF8, sentinels.get(i));
                    try {
                        named = c.sync().getMasterAddrByName(master);
                        connection = c;
                        next = i + 1;
                    } catch (RuntimeException e) {
                        c.closeAsync();
                    }
                } catch (RuntimeException e) {
                    // this sentinel is down; the next one may answer
                }
            }
        }

        CompletableFuture<Void> check() {
            StatefulRedisSentinelConnection<String, String> c = connection;
            if (c == null || !c.isOpen()) {
                connection = null;
                RedisURI sentinel = sentinels.get(next++ % sentinels.size());
                client.connectSentinelAsync(StringCodec.UTF8, sentinel).thenAccept(opened -> connection = opened);
                return CompletableFuture.completedFuture(null);
            }
            return c.async().getMasterAddrByName(master).toCompletableFuture().handle((now, failure) -> {
                if (failure != null) {
                    c.closeAsync();
                    return null;
                }
                if (named == null) {
                    named = now;
                } else if (now != null && !now.equals(named)) {
                    throw new NotMaster("the sentinels name another master of " + master + " now (" + now
                            + ", was " + named + "): a failover");
                }
                return null;
            });
        }

        void close() {
            StatefulRedisSentinelConnection<String, String> c = connection;
            if (c != null) {
                c.closeAsync();
            }
        }
    }

    @Override
    public void close() {
        commands.closeAsync();
        pubsub.closeAsync();
        if (sentinels != null) {
            sentinels.close();
        }
    }
}
