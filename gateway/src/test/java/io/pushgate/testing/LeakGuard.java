package io.pushgate.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reports a leaked buffer. Registered for every class through
 * JUnit's extension auto-detection; the build runs tests with paranoid leak detection.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ByteBufUtil.setLeakListener((resourceType, records) -> LEAKS.add(resourceType + "\n" + records));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests must run with -Dio.netty.leakDetection.level=paranoid");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Leaks are found when a lost buffer is collected and reported at a later allocation.
        for (int round = 0; round < 4; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 16; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(16);
                probe.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            String report = String.join("\n----\n", LEAKS);
            LEAKS.clear();
            fail("LEAK: Netty reported leaked buffers in " + context.getDisplayName() + ":\n" + report);
        }
    }
}
