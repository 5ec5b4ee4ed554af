package io.pushgate.testing;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A local 3-master Redis Cluster on free loopback ports, started by the test and killed after it;
 * optionally with one replica per master and a short node timeout, for failovers.
 */
public final class RedisClusterProcess implements AutoCloseable {
    public final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    public RedisClusterProcess() throws Exception {
        this(false);
    }

    /** With {@code replicas}: six servers, one replica per master, a master called failed after 1 s. */
    public RedisClusterProcess(boolean replicas) throws Exception {
        try {
            start(replicas);
        } catch (Exception | Error e) {
            close(); // what did start is not left running after the test
            throw e;
        }
    }

    private void start(boolean replicas) throws Exception {
        Path root = Files.createTempDirectory("pushgate-cluster");
        for (int i = 0; i < (replicas ? 6 : 3); i++) {
            int port = freePortPair();
            Path dir = Files.createDirectories(root.resolve(Integer.toString(port)));
            ports.add(port);
            processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "",
                    "--appendonly", "no", "--dir", dir.toString(), "--cluster-node-timeout", replicas ? "1000" : "15000")
                    .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "redis.log")).start());
        }
        for (int port : ports) {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return true;
                }
            });
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        if (replicas) {
            create.add("--cluster-replicas");
            create.add("1");
        }
        create.add("--cluster-yes");
        Process creating = new ProcessBuilder(create).redirectErrorStream(true)
                .redirectOutput(new File(root.toFile(), "create.log")).start();
        if (!creating.waitFor(30, TimeUnit.SECONDS) || creating.exitValue() != 0) {
            close();
            throw new IllegalStateException("redis-cli --cluster create failed: "
                    + Files.readString(root.resolve("create.log")));
        }
        for (int port : ports) {
            await().atMost(Duration.ofSeconds(20)).until(() -> clusterOk(port));
        }
    }

    /**
     * A free port whose cluster bus port (port + 10000) is free too, both below the kernel's
     * ephemeral range (32768 and up here), where a client socket of any process could take the bus
     * port between the pick and the server's bind.
     */
    private static int freePortPair() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 12000 + random.nextInt(10000);
            if (bindable(port) && bindable(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node");
    }

    private static boolean bindable(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static boolean clusterOk(int port) throws IOException, InterruptedException {
        Process info = new ProcessBuilder("redis-cli", "-p", Integer.toString(port), "cluster", "info")
                .redirectErrorStream(true).start();
        String out = new String(info.getInputStream().readAllBytes());
        info.waitFor();
        return out.contains("cluster_state:ok");
    }

    /** Kills the server on {@code port} at once (SIGKILL), as a crashed host. */
    public void kill(int port) throws InterruptedException {
        Process p = processes.get(ports.indexOf(port));
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Comma-separated seed URIs, as --redis-cluster takes them. */
    public String seeds() {
        StringJoiner out = new StringJoiner(",");
        ports.forEach(p -> out.add("redis://127.0.0.1:" + p));
        return out.toString();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
