package io.pushgate.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One of the repository's own scripts (deploy/smoke, deploy/container, deploy/k8s/check) run as a
 * test: from the repository's root, its output kept in a log file and shown when it fails, bounded
 * in time. Exit 0 passes; {@value #SKIPPED} ("cannot run here", as automake's test harness has it)
 * skips the test with the script's last line as the reason; anything else fails it.
 */
public final class RepoScript {
    /** The exit status of a script that cannot run on this machine (a tool it needs is missing). */
    public static final int SKIPPED = 77;
    /** How long a script that overran its time gets to clean up after a SIGTERM. */
    private static final Duration CLEAN_UP = Duration.ofSeconds(20);

    private RepoScript() {
    }

    /** The repository's root (the tests run in {@code gateway/}). */
    public static Path root() {
        return Path.of(System.getProperty("user.dir")).getParent();
    }

    /** The packaged node, {@code gateway/target/pushgate.jar} unless {@code -Dpushgate.jar} names another. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("pushgate.jar", root().resolve("gateway/target/pushgate.jar").toString()));
        assertTrue(Files.isRegularFile(jar), jar + " missing: run through mvn verify");
        return jar;
    }

    /**
     * Runs {@code script} (a path below the root) with {@code args} and {@code env} added to the
     * environment, waits up to {@code timeout}, and passes, skips or fails as the class says.
     */
    public static void run(String script, Map<String, String> env, Duration timeout, String... args) throws Exception {
        Path path = root().resolve(script);
        assertTrue(Files.isExecutable(path), path + " missing");
        File log = Files.createTempFile("pushgate-" + path.getFileName(), ".log").toFile();
        List<String> command = new ArrayList<>(List.of(path.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log);
        builder.environment().putAll(env);
        Process process = builder.start();
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            process.destroy();
            process.waitFor(CLEAN_UP.toMillis(), TimeUnit.MILLISECONDS);
        }
        String output = Files.readString(log.toPath());
        assertTrue(ended, script + " did not end in time:\n" + output);
        Assumptions.assumeFalse(process.exitValue() == SKIPPED, () -> script + " skipped: " + lastLine(output));
        assertEquals(0, process.exitValue(), script + " failed:\n" + output);
    }

    private static String lastLine(String output) {
        String trimmed = output.strip();
        return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }
}
