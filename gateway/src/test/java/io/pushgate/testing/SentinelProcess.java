package io.pushgate.testing;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Sentinel of the test's own on a free loopback port, watching the master {@code mymaster}
 * with quick failure detection (down after 1 s); its configuration file lives in a temporary folder
 * (a Sentinel rewrites it).
 */
public final class SentinelProcess implements AutoCloseable {
    public static final String MASTER = "mymaster";
    public final int port;
    private final Process process;

    public SentinelProcess(int masterPort, int quorum) throws IOException {
        this.port = RedisServerProcess.freePort();
        Path dir = Files.createTempDirectory("pushgate-sentinel");
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(conf, String.join("\n",
                "port " + port,
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " " + quorum,
                "sentinel down-after-milliseconds " + MASTER + " 1000",
                "sentinel failover-timeout " + MASTER + " 5000",
                "sentinel parallel-syncs " + MASTER + " 1",
                ""));
        process = new ProcessBuilder("redis-server", conf.toString(), "--sentinel")
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.toFile(), "sentinel.log"))
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
