package io.pushgate.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** A redis-server of the test's own on a free loopback port, without persistence: it can be killed and restarted. */
public final class RedisServerProcess implements AutoCloseable {
    public final int port;
    private final Path dir;
    private Process process;

    public RedisServerProcess() throws IOException {
        this(freePort());
    }

    public RedisServerProcess(int port) throws IOException {
        this.port = port;
        this.dir = Files.createTempDirectory("pushgate-redis");
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public RedisServerProcess start() throws IOException {
        return start(new String[0]);
    }

    /** Starts it with more configuration flags, e.g. {@code --replicaof 127.0.0.1 <port>}. */
    public RedisServerProcess start(String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port",
                Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(List.of(more));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.toFile(), "redis.log"))
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
        return this;
    }

    /** Kills the server at once (SIGKILL): its data is gone. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
