package io.pushgate.broker.redis;

import io.lettuce.core.api.sync.RedisCommands;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.RedisServerProcess;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A redis-server of a test class's own with pushgate's function library loaded (the shared server
 * may hold the library of another checkout): {@code @RegisterExtension static final LibraryServer
 * library = new LibraryServer();}, started before the class's tests and stopped after them.
 */
final class LibraryServer implements BeforeAllCallback, AfterAllCallback {
    private RedisServerProcess server;
    private RedisFixture redis;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = new RedisServerProcess().start();
        redis = new RedisFixture(server.url());
        redis.redis().functionLoad(PublishLibrary.source(redis.settings()), true);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        redis.close();
        server.close();
    }

    RedisServerProcess server() {
        return server;
    }

    /** Its fixture (the key prefix, the settings of a node on it). */
    RedisFixture fixture() {
        return redis;
    }

    /** Synchronous commands on it. */
    RedisCommands<String, String> commands() {
        return redis.redis();
    }
}
