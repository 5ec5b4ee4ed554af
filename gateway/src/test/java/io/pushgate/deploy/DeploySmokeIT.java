package io.pushgate.deploy;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the scripts of {@code deploy/smoke/} against two nodes of the packaged jar behind deploy/'s
 * own load-balancer configs (see each script for what it proves). Integration tests: they need
 * {@code gateway/target/pushgate.jar}, so Maven runs them after {@code package}, in {@code verify}.
 */
class DeploySmokeIT {

    /** {@code run.sh}: nginx, then HAProxy; streams, SIGTERM failover, tokens. */
    @Test
    void loadBalancersInFrontOfTwoNodesServeStreamsAndDrainWithoutLoss() throws Exception {
        runScript("run.sh", 150);
    }

    /**
     * {@code crash.sh}, its small variant: SIGKILL to the node that holds 200 EventSource-like
     * streams and 2 Chromium pages; every client must end connected on the latest version, none
     * closed for good (about 25 s).
     */
    @Test
    void crashOfANodeBehindNginxLeavesNoClientClosedOrStale() throws Exception {
        runScript("crash.sh", 100, "--streams", "200", "--pages", "2");
    }

    private static void runScript(String name, int timeoutSeconds, String... args) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Path script = root.resolve("deploy/smoke").resolve(name);
        Path jar = Path.of(System.getProperty("pushgate.jar", root.resolve("gateway/target/pushgate.jar").toString()));
        assertTrue(Files.isExecutable(script), script + " missing");
        assertTrue(Files.isRegularFile(jar), jar + " missing: run through mvn verify");
        File log = Files.createTempFile("pushgate-smoke", ".log").toFile();
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log);
        builder.environment().put("PUSHGATE_JAR", jar.toString());
        // The scripts bound themselves (and clean up) before this test gives up on them.
        builder.environment().put("SMOKE_TIMEOUT", Integer.toString(timeoutSeconds - 15));
        builder.environment().put("CRASH_TIMEOUT", Integer.toString(timeoutSeconds - 15));
        Process smoke = builder.start();
        boolean ended = smoke.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            smoke.destroy();
            smoke.waitFor(15, TimeUnit.SECONDS);
        }
        String output = Files.readString(log.toPath());
        assertTrue(ended, name + " did not end in time:\n" + output);
        assertEquals(0, smoke.exitValue(), name + " failed:\n" + output);
    }
}
