package io.pushgate.broker;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.testing.RedisFixture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Redis ACL user of README "Publishing from any language": it may publish with
 * {@code FCALL pushgate_publish} on the deployment's keys and nothing else.
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
}
