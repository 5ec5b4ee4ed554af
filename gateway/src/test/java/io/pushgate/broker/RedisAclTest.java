package io.pushgate.broker;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Redis ACL users of README "Publishing from any language" and "Feeds in Redis": they may
 * publish with {@code FCALL pushgate_publish}, or append to and read feeds, on the deployment's
 * keys and nothing else.
 */
class RedisAclTest {

    @Test
    void anAclUserForTheFunctionPublishesAndCanDoNothingElse() throws Exception {
        try (RedisFixture redis = new RedisFixture();
             RedisBroker broker = new RedisBroker(redis.settings())) {
            broker.start(new BrokerContract.Recorder());
            // The node loads the function library at its session start.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(broker::connected);
            String user = "pgacl-" + UUID.randomUUID().toString().substring(0, 8);
            String password = UUID.randomUUID().toString();
            redis.createPublisherUser(user, password);
            RedisURI base = RedisURI.create(redis.url);
            RedisURI uri = RedisURI.Builder.redis(base.getHost(), base.getPort())
                    .withAuthentication(user, password.toCharArray()).build();
            RedisClient client = RedisClient.create(uri);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> publisher = connection.sync();
                List<Object> reply = publisher.fcall("pushgate_publish", ScriptOutputType.MULTI,
                        new String[] {redis.prefix + ":{acl}"}, "allowed");
                assertEquals(1L, reply.get(1), "version 1 published");
                assertThrows(RedisCommandExecutionException.class, () -> publisher.set("other:key", "x"));
                assertThrows(RedisCommandExecutionException.class, () -> publisher.fcall("pushgate_publish",
                        ScriptOutputType.MULTI, new String[] {"other:{acl}"}, "not allowed"));
                assertThrows(RedisCommandExecutionException.class, () -> publisher.del(redis.prefix + ":{acl}"));
            } finally {
                client.shutdown();
                redis.redis().aclDeluser(user);
            }
        }
    }

    /**
     * The grants README "Feeds in Redis" names for an application that appends and reads: on a
     * redis-server of the test's own, whose library is this checkout's (the shared one may hold
     * another's, without the feed functions).
     */
    @Test
    void anAclUserWithTheFeedGrantsAppendsAndReadsAndCanDoNothingElse() throws Exception {
        try (RedisServerProcess server = new RedisServerProcess().start();
             RedisFixture redis = new RedisFixture(server.url());
             RedisBroker broker = new RedisBroker(redis.settings())) {
            broker.start(new BrokerContract.Recorder());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(broker::connected);
            redis.redis().aclSetuser("feeder", AclSetuserArgs.Builder.on().addPassword("pw")
                    .resetKeys().keyPattern(redis.prefix + ":*").resetChannels().channelPattern(redis.prefix + ":*")
                    .noCommands().addCommand(CommandType.FCALL).addCommand(CommandType.TIME).addCommand(CommandType.XREVRANGE)
                    .addCommand(CommandType.EXISTS).addCommand(CommandType.XADD).addCommand(CommandType.PUBLISH)
                    .addCommand(CommandType.SPUBLISH).addCommand(CommandType.FCALL_RO).addCommand(CommandType.XRANGE));
            RedisClient client = RedisClient.create(RedisURI.Builder.redis("127.0.0.1", server.port)
                    .withAuthentication("feeder", "pw".toCharArray()).build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> app = connection.sync();
                String[] key = {redis.prefix + ":{wall}"};
                app.fcall("pushgate_append", ScriptOutputType.MULTI, key, "one");
                assertEquals(2L, app.<List<Object>>fcall("pushgate_append", ScriptOutputType.MULTI, key, "two").get(1));
                List<Object> history = app.fcallReadOnly("pushgate_history", ScriptOutputType.MULTI, key, "0", "10");
                assertEquals(3 + 2, history.size(), "the state and both events");
                assertThrows(RedisCommandExecutionException.class, () -> app.del(redis.prefix + ":{wall}:log"));
                assertThrows(RedisCommandExecutionException.class, () -> app.fcall("pushgate_append",
                        ScriptOutputType.MULTI, new String[] {"other:{wall}"}, "not allowed"));
            } finally {
                client.shutdown();
            }
        }
    }
}
