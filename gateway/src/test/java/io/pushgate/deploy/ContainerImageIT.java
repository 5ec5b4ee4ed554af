package io.pushgate.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code deploy/container/test.sh}: the container image of {@code deploy/container/Containerfile}
 * built on a JRE base, Redis and two node containers, a version published on one node received on
 * the other, and {@code podman stop} draining a node (see the script). Skipped, with the script's
 * reason, where no container engine works (the script exits 77). After {@code package}, in
 * {@code verify}: it needs {@code gateway/target/pushgate.jar}.
 */
class ContainerImageIT {
    /** The script's exit status for "cannot run here" (as automake's test harness uses it). */
    private static final int SKIPPED = 77;
    /** A first run makes the base image with debootstrap (about 1-2 min); later runs take ~20 s. */
    private static final int TIMEOUT_SECONDS = 240;

    @Test
    void imageServesStreamsAcrossNodesAndDrainsOnStop() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Path script = root.resolve("deploy/container/test.sh");
        Path jar = Path.of(System.getProperty("pushgate.jar", root.resolve("gateway/target/pushgate.jar").toString()));
        assertTrue(Files.isExecutable(script), script + " missing");
        assertTrue(Files.isRegularFile(jar), jar + " missing: run through mvn verify");
        File log = Files.createTempFile("pushgate-container", ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(List.of(script.toString()))
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log);
        builder.environment().put("PUSHGATE_JAR", jar.toString());
        // The script bounds itself (and removes its containers) before this test gives up on it.
        builder.environment().put("CONTAINER_TEST_TIMEOUT", Integer.toString(TIMEOUT_SECONDS - 20));
        Process test = builder.start();
        boolean ended = test.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            test.destroy();
            test.waitFor(20, TimeUnit.SECONDS);
        }
        String output = Files.readString(log.toPath());
        assertTrue(ended, "test.sh did not end in time:\n" + output);
        Assumptions.assumeFalse(test.exitValue() == SKIPPED, () -> "container image test skipped: " + lastLine(output));
        assertEquals(0, test.exitValue(), "test.sh failed:\n" + output);
    }

    private static String lastLine(String output) {
        String trimmed = output.strip();
        return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }
}
