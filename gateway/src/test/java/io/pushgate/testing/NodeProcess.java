package io.pushgate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/** {@code io.pushgate.Main} in a process of its own (this JVM's class path), its output kept line by line. */
public final class NodeProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+) .*, admin [^:]+:(\\d+)$");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private NodeProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "node-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} (e.g. the packaged launcher) as a node's process; does not wait for it to listen. */
    public static NodeProcess start(ProcessBuilder command) throws IOException {
        return new NodeProcess(command.redirectErrorStream(true).start());
    }

    /** Starts {@code Main} with {@code args}; does not wait for it to listen. */
    public static NodeProcess start(String... args) throws IOException {
        return new NodeProcess(new ProcessBuilder(main(args)).redirectErrorStream(true).start());
    }

    /** Starts {@code Main} with {@code args} on a JVM given the system properties {@code properties} ({@code -Dname=value}). */
    public static NodeProcess startWithProperties(List<String> properties, String... args) throws IOException {
        List<String> command = main(args);
        command.addAll(1, properties);
        return new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Starts {@code Main} with {@code args} under an open-file limit of {@code files} (soft and hard). */
    public static NodeProcess startWithFileLimit(int files, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + files + " && exec \"$@\"", "bash"));
        command.addAll(main(args));
        return new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** The command that runs {@code Main} with {@code args} on this JVM and class path. */
    private static List<String> main(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.pushgate.Main"));
        command.addAll(List.of(args));
        TestNode.withoutWarmUpUnlessAsked(command);
        return command;
    }

    /** Waits for the start-up line; returns {public port, admin port}. */
    public int[] awaitListening() {
        int[] ports = new int[2];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (String line : lines) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    ports[0] = Integer.parseInt(m.group(1));
                    ports[1] = Integer.parseInt(m.group(2));
                    return true;
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("exited with " + process.exitValue() + " before listening: " + lines);
            }
            return false;
        });
        return ports;
    }

    public static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Waits for the process to exit (a deadline, not a measured window) and returns its status. */
    public int awaitExit(Duration deadline) throws InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("did not exit within " + deadline + ": " + lines);
        }
        return process.exitValue();
    }

    /** Waits until a line containing {@code text} was printed. */
    public void awaitLine(String text) {
        await().atMost(Duration.ofSeconds(30)).until(() -> count(text) > 0);
    }

    /** Lines printed so far that contain {@code text}. */
    public long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    /** The command line the process runs now (after an {@code exec}, the program it became). */
    public List<String> commandLine() throws IOException {
        byte[] raw = java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
        return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    }

    /** The process's id (for /proc/&lt;pid&gt;). */
    public long pid() {
        return process.pid();
    }

    /** Whether the process is still running. */
    public boolean alive() {
        return process.isAlive();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Sends a signal by name (TERM, INT) to the process. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " failed");
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
