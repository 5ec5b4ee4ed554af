package io.pushgate.testing;

import io.pushgate.config.RedisSettings;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import io.pushgate.broker.redis.RedisBroker;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The test Redis: {@code REDIS_URL} (default the machine's redis://127.0.0.1:6379). Every test
 * takes its own random key prefix, so tests never see each other's keys or channels.
 */
public final class RedisFixture implements AutoCloseable {
    public final String url;
    public final String prefix;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    public RedisFixture() {
        this(System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"));
    }

    public RedisFixture(String url) {
        this.url = url;
        this.prefix = "pgtest-" + UUID.randomUUID().toString().substring(0, 8);
        this.client = RedisClient.create(url);
        this.connection = client.connect();
    }

    public RedisCommands<String, String> redis() {
        return connection.sync();
    }

    /** Flags that put a node on this Redis with this fixture's prefix and quick fault detection. */
    public String[] nodeFlags(String... more) {
        String[] base = {"--redis", url, "--key-prefix", prefix, "--redis-ping-interval", "500ms",
                "--redis-ping-timeout", "500ms", "--redis-timeout", "1s"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    public RedisSettings settings() {
        return new RedisSettings(url, false, prefix, Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(500));
    }

    /**
     * Creates the ACL user of README "Publishing from anywhere": the function and the commands it
     * runs (Redis checks them against the caller too), on this fixture's keys and channels only.
     */
    public void createPublisherUser(String user, String password) {
        redis().aclSetuser(user, AclSetuserArgs.Builder.on().addPassword(password)
                .resetKeys().keyPattern(prefix + ":*").resetChannels().channelPattern(prefix + ":*")
                .noCommands().addCommand(CommandType.FCALL).addCommand(CommandType.TIME).addCommand(CommandType.HGET)
                .addCommand(CommandType.HINCRBY).addCommand(CommandType.HSET).addCommand(CommandType.PUBLISH)
                .addCommand(CommandType.SPUBLISH));
    }

    /** The hash of {@code topic}'s state under this fixture's prefix. */
    public String topicKey(String topic) {
        return prefix + ":{" + topic + "}";
    }

    /** The pub/sub channel of {@code topic} under this fixture's prefix. */
    public String topicChannel(String topic) {
        return topicKey(topic) + ":ch";
    }

    /** How many pub/sub connections (nodes) have subscribed the channel of {@code topic}. */
    public long topicSubscribers(String topic) {
        String channel = topicChannel(topic);
        return redis().pubsubNumsub(channel).get(channel);
    }

    /** Publishes as any application would: FCALL from a plain client. Returns the new version. */
    public long fcall(String topic, String text) {
        List<Object> reply = redis().fcall("pushgate_publish", ScriptOutputType.MULTI,
                new String[] {topicKey(topic)}, text);
        return (Long) reply.get(1);
    }

    @Override
    public void close() {
        try {
            List<String> keys = redis().keys(prefix + ":*");
            if (!keys.isEmpty()) {
                redis().del(keys.toArray(new String[0]));
            }
        } catch (RuntimeException e) {
            // a fixture server may be gone already
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
}
