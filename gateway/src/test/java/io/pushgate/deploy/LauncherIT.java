package io.pushgate.deploy;

import io.pushgate.testing.NodeProcess;
import io.pushgate.testing.PrometheusText;
import io.pushgate.testing.RepoScript;
import io.pushgate.testing.SseClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher that {@code mvn package} puts beside the jar ({@code gateway/target/pushgate}, what
 * README's run command, the container image and the systemd unit start): it runs the node on the
 * JVM settings bench/RESULTS.md measures, {@code JAVA_OPTS} replaces them, and the JVM is the
 * launcher's own process (signals reach it).
 */
class LauncherIT {

    private static Path launcher() {
        Path launcher = RepoScript.jar().resolveSibling("pushgate");
        assertTrue(Files.isExecutable(launcher), launcher + " is built executable by mvn package");
        return launcher;
    }

    @Test
    void runsTheNodeOnTheMeasuredJvmSettingsAndDrainsOnSigterm() throws Exception {
        ProcessBuilder command = node(launcher());
        command.environment().remove("JAVA_OPTS");
        try (NodeProcess node = NodeProcess.start(command)) {
            int[] ports = node.awaitListening();
            List<String> java = node.commandLine();
            assertTrue(java.get(0).endsWith("java"), "exec'd into the JVM: " + java);
            assertTrue(java.containsAll(List.of("-XX:+UseParallelGC", "-Xmx1g", "-XX:-UsePerfData")), java.toString());
            PrometheusText metrics = metrics(ports[1]);
            assertEquals(List.of("PS Eden Space", "PS Old Gen", "PS Survivor Space"), heapPools(metrics),
                    "the Parallel collector's pools");
            // Without perf data the JVM's own figures still come (from its management beans).
            assertTrue(metrics.value("jvm_classes_loaded_classes") > 1_000, "classes loaded");
            assertTrue(metrics.value("jvm_threads_live_threads") > 2, "live threads");
            node.signal("TERM");
            assertEquals(0, node.awaitExit(Duration.ofSeconds(20)), "SIGTERM drained the node");
        }
    }

    @Test
    void javaOptsReplacesTheDefaults() throws Exception {
        ProcessBuilder command = node(launcher());
        command.environment().put("JAVA_OPTS", "-XX:+UseSerialGC -Xmx256m");
        try (NodeProcess node = NodeProcess.start(command)) {
            int[] ports = node.awaitListening();
            List<String> java = node.commandLine();
            assertFalse(java.contains("-XX:+UseParallelGC"), java.toString());
            assertTrue(java.containsAll(List.of("-XX:+UseSerialGC", "-Xmx256m")), java.toString());
            assertEquals(List.of("Eden Space", "Survivor Space", "Tenured Gen"), heapPools(metrics(ports[1])));
        }
    }

    @Test
    void findsItsJarThroughASymbolicLink(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("pushgate"), launcher());
        Process version = new ProcessBuilder(link.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(version.getInputStream().readAllBytes());
        assertEquals(0, version.waitFor(), out);
        assertTrue(out.startsWith("pushgate "), out);
    }

    private static ProcessBuilder node(Path launcher) {
        return new ProcessBuilder(launcher.toString(), "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--drain-grace", "0s", "--drain-timeout", "2s", "--warm-up", "0");
    }

    /** The heap's memory pools as the node's metrics name them (they name the collector). */
    private static PrometheusText metrics(int adminPort) throws Exception {
        HttpResponse<String> metrics = SseClient.HTTP.send(HttpRequest.newBuilder(NodeProcess.uri(adminPort, "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return PrometheusText.parse(metrics.body());
    }

    private static List<String> heapPools(PrometheusText metrics) {
        return metrics.find("jvm_memory_max_bytes", "area", "heap").stream()
                .map(sample -> sample.labels().get("id")).sorted().toList();
    }
}
