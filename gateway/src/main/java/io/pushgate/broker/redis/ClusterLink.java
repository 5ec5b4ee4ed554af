package io.pushgate.broker.redis;

import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7+), so pub/sub traffic scales
 * with the shards. A topic's key and channel share one slot (the {@code {topic}} hash tag), and
 * each channel is SSUBSCRIBEd on the connection to the master that owns its slot. When a slot
 * moves, Redis ends those subscriptions: the link reports itself broken and the broker starts a new
 * session on the new topology (subscribe and resync again).
 */
final class ClusterLink implements RedisLink {
    private final StatefulRedisClusterConnection<byte[], byte[]> commands;
    private final StatefulRedisClusterPubSubConnection<byte[], byte[]> pubsub;
    /** Node connections holding subscriptions: PINGed by the watchdog. */
    private final Set<StatefulRedisPubSubConnection<byte[], byte[]>> used = ConcurrentHashMap.newKeySet();
    /** Channels this link asked to leave; Redis confirms those, and any other end is a broken link. */
    private final Set<String> leaving = ConcurrentHashMap.newKeySet();
    private final Events events;

    ClusterLink(RedisClusterClient client, Events events) {
        this.events = events;
        // The client keeps the topology it read at its first connect; a session begins after a
        // loss, maybe a failover that moved slots to a replica: read it again (any live seed answers).
        client.refreshPartitions();
        commands = client.connect(ByteArrayCodec.INSTANCE);
        try {
            pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            commands.closeAsync();
            throw e;
        }
        pubsub.setNodeMessagePropagation(true);
        pubsub.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                events.message(message);
            }

            @Override
            public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
                if (!leaving.remove(new String(channel, StandardCharsets.UTF_8))) {
                    events.broken("Redis ended a shard subscription (slot moved?)");
                }
            }
        });
        RedisConnectionStateListener onClose = events.brokenOnClose("connection closed");
        commands.addListener(onClose);
        pubsub.addListener(onClose);
    }

    @Override
    public RedisClusterAsyncCommands<byte[], byte[]> commands() {
        return commands.async();
    }

    @Override
    public CompletableFuture<Void> loadFunctions(String library) {
        // Masters that serve slots and are not marked failing: a master that a failover replaced
        // stays in CLUSTER NODES as "master,fail" until it is forgotten, and cannot be reached.
        return commands.async().nodes(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM)
                        && !node.is(RedisClusterNode.NodeFlag.FAIL) && !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                        && !node.hasNoSlots())
                .commands().functionLoad(library, true).toCompletableFuture()
                .thenApply(names -> null);
    }

    /**
     * SSUBSCRIBE takes channels of one slot only (else CROSSSLOT): one command per slot, sent on
     * the owning master's connection, then one PING per connection as the barrier.
     */
    @Override
    public CompletableFuture<Void> subscribe(List<byte[]> channels) {
        List<CompletableFuture<?>> replies = new ArrayList<>();
        Set<StatefulRedisPubSubConnection<byte[], byte[]>> involved = new HashSet<>();
        for (Map.Entry<Integer, List<byte[]>> e : bySlot(channels).entrySet()) {
            StatefulRedisPubSubConnection<byte[], byte[]> node = owner(e.getKey());
            if (used.add(node)) {
                node.addListener(events.brokenOnClose("shard connection closed"));
            }
            involved.add(node);
            replies.add(node.async().ssubscribe(e.getValue().toArray(new byte[0][])).toCompletableFuture());
        }
        for (StatefulRedisPubSubConnection<byte[], byte[]> node : involved) {
            replies.add(node.async().ping().toCompletableFuture());
        }
        return CompletableFuture.allOf(replies.toArray(new CompletableFuture[0]));
    }

    @Override
    public void unsubscribe(List<byte[]> channels) {
        for (byte[] channel : channels) {
            leaving.add(new String(channel, StandardCharsets.UTF_8));
        }
        for (Map.Entry<Integer, List<byte[]>> e : bySlot(channels).entrySet()) {
            owner(e.getKey()).async().sunsubscribe(e.getValue().toArray(new byte[0][]));
        }
    }

    private static Map<Integer, List<byte[]>> bySlot(List<byte[]> channels) {
        Map<Integer, List<byte[]>> out = new HashMap<>();
        for (byte[] channel : channels) {
            out.computeIfAbsent(SlotHash.getSlot(channel), slot -> new ArrayList<>()).add(channel);
        }
        return out;
    }

    private StatefulRedisPubSubConnection<byte[], byte[]> owner(int slot) {
        RedisClusterNode owner = pubsub.getPartitions().getMasterBySlot(slot);
        if (owner == null) {
            throw new IllegalStateException("no master owns slot " + slot);
        }
        return pubsub.getConnection(owner.getNodeId());
    }

    @Override
    public CompletableFuture<Long> broadcast(byte[] channel, byte[] message) {
        return commands.async().spublish(channel, message).toCompletableFuture();
    }

    @Override
    public CompletableFuture<Void> ping() {
        List<CompletableFuture<?>> pings = new ArrayList<>();
        pings.add(commands.async().ping().toCompletableFuture());
        for (StatefulRedisPubSubConnection<byte[], byte[]> node : used) {
            pings.add(node.async().ping().toCompletableFuture());
        }
        return CompletableFuture.allOf(pings.toArray(new CompletableFuture[0]));
    }

    @Override
    public void close() {
        commands.closeAsync();
        pubsub.closeAsync();
    }
}
