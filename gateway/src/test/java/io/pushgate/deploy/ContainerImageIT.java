package io.pushgate.deploy;

import io.pushgate.testing.RepoScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

/**
 * Runs {@code deploy/container/test.sh}: the container image of {@code deploy/container/Containerfile}
 * built on a JRE base, Redis and two node containers, a version published on one node received on
 * the other, and {@code podman stop} draining a node (see the script). Skipped, with the script's
 * reason, where no container engine works (the script exits 77). After {@code package}, in
 * {@code verify}: it needs {@code gateway/target/pushgate.jar}.
 */
class ContainerImageIT {
    /** A first run makes the base image with debootstrap (about 1-2 min); later runs take ~20 s. */
    private static final int TIMEOUT_SECONDS = 240;

    @Test
    void imageServesStreamsAcrossNodesAndDrainsOnStop() throws Exception {
        // The script bounds itself (and removes its containers) before this test gives up on it.
        RepoScript.run("deploy/container/test.sh", Map.of("PUSHGATE_JAR", RepoScript.jar().toString(),
                "CONTAINER_TEST_TIMEOUT", Integer.toString(TIMEOUT_SECONDS - 20)), Duration.ofSeconds(TIMEOUT_SECONDS));
    }
}
