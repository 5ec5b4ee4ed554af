package io.pushgate.deploy;

import io.pushgate.testing.RepoScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

/**
 * Runs {@code deploy/k8s/check/run.sh}: every manifest of {@code deploy/k8s} against the Kubernetes
 * API schemas (npm package kubernetes-models, pinned by the lockfile; unknown fields are errors too)
 * and the rules that tie the manifests to the node (drain timeout below the termination grace
 * period, probes on the admin port, known setting names, memory sizing; see check.mjs), then the
 * stream-retry backend's nginx.conf run in a local nginx. Skipped, with the script's reason, where
 * Node.js, npm or nginx is missing (the script exits 77).
 */
class K8sManifestsIT {

    @Test
    void manifestsMatchTheApiSchemasAndTheNode() throws Exception {
        RepoScript.run("deploy/k8s/check/run.sh", Map.of(), Duration.ofSeconds(120));
    }
}
