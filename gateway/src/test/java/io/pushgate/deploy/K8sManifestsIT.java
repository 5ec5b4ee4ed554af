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
 * Runs {@code deploy/k8s/check/run.sh}: every manifest of {@code deploy/k8s} against the Kubernetes
 * API schemas (npm package kubernetes-models, pinned by the lockfile; unknown fields are errors too)
 * and the rules that tie the manifests to the node (drain timeout below the termination grace
 * period, probes on the admin port, known setting names, memory sizing; see check.mjs). Skipped,
 * with the script's reason, where Node.js or npm is missing (the script exits 77).
 */
class K8sManifestsIT {
    private static final int SKIPPED = 77;
    private static final int TIMEOUT_SECONDS = 120;

    @Test
    void manifestsMatchTheApiSchemasAndTheNode() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Path script = root.resolve("deploy/k8s/check/run.sh");
        assertTrue(Files.isExecutable(script), script + " missing");
        File log = Files.createTempFile("pushgate-k8s-check", ".log").toFile();
        Process check = new ProcessBuilder(List.of(script.toString()))
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
        boolean ended = check.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!ended) {
            check.destroyForcibly();
            check.waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log.toPath());
        assertTrue(ended, "run.sh did not end in time:\n" + output);
        Assumptions.assumeFalse(check.exitValue() == SKIPPED, () -> "Kubernetes manifest check skipped: " + output.strip());
        assertEquals(0, check.exitValue(), "deploy/k8s/check failed:\n" + output);
    }
}
