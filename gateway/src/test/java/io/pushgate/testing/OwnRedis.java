package io.pushgate.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A redis-server of a test class's own, and a fixture with a key prefix of its own for each test:
 * {@code @RegisterExtension static final OwnRedis redis = new OwnRedis();}. For tests that load a
 * function library the shared server may hold in another checkout's version (the feed cap lives
 * in it) or that change the server's configuration. The fixture is made before the class's
 * {@code @BeforeEach} methods and closed after its {@code @AfterEach} ones.
 */
public final class OwnRedis implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private RedisServerProcess server;
    /** The class that registered it: its @Nested classes inherit the extension and share the server. */
    private Class<?> owner;
    private RedisFixture fixture;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (server == null) {
            owner = context.getRequiredTestClass();
            server = new RedisServerProcess().start();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        fixture = new RedisFixture(server.url());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        fixture.close();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (context.getRequiredTestClass() == owner) {
            server.close();
            server = null;
        }
    }

    public RedisServerProcess server() {
        return server;
    }

    /** The current test's fixture (its key prefix, the settings of a node on it). */
    public RedisFixture fixture() {
        return fixture;
    }
}
