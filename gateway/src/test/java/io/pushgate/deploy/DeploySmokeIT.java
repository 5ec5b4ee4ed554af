package io.pushgate.deploy;

import io.pushgate.testing.RepoScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

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
        // The scripts bound themselves (and clean up) before this test gives up on them.
        String bound = Integer.toString(timeoutSeconds - 15);
        RepoScript.run("deploy/smoke/" + name, Map.of("PUSHGATE_JAR", RepoScript.jar().toString(),
                "SMOKE_TIMEOUT", bound, "CRASH_TIMEOUT", bound), Duration.ofSeconds(timeoutSeconds), args);
    }
}
