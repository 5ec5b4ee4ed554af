package io.pushgate.deploy;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code deploy/smoke/run.sh}: Redis, two nodes of the packaged jar and nginx, then HAProxy,
 * with deploy/'s own configs (see the script for what it proves). An integration test: it needs
 * {@code gateway/target/pushgate.jar}, so Maven runs it after {@code package}, in {@code verify}.
 */
class DeploySmokeIT {

    @Test
    void loadBalancersInFrontOfTwoNodesServeStreamsAndDrainWithoutLoss() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Path script = root.resolve("deploy/smoke/run.sh");
        Path jar = Path.of(System.getProperty("pushgate.jar", root.resolve("gateway/target/pushgate.jar").toString()));
        assertTrue(Files.isExecutable(script), script + " missing");
        assertTrue(Files.isRegularFile(jar), jar + " missing: run through mvn verify");
        File log = Files.createTempFile("pushgate-smoke", ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(script.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log);
        builder.environment().put("PUSHGATE_JAR", jar.toString());
        Process smoke = builder.start();
        boolean ended = smoke.waitFor(150, TimeUnit.SECONDS);
        if (!ended) {
            smoke.destroy();
            smoke.waitFor(15, TimeUnit.SECONDS);
        }
        String output = Files.readString(log.toPath());
        assertTrue(ended, "smoke test did not end in time:\n" + output);
        assertEquals(0, smoke.exitValue(), "smoke test failed:\n" + output);
    }
}
