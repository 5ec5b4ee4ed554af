package io.pushgate.config;

import io.pushgate.testing.RepoScript;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every load balancer in deploy/ lets a stream stay silent for at least 3 heartbeats of the
 * default interval (a heartbeat comes up to a tick late; 3 missed = a dead node), and the files
 * that name the default name this one: nginx's stream location, HAProxy's defaults, the
 * Kubernetes streams Ingress against its ConfigMap, the env file, the k8s check's fallback and the
 * smoke client's read timeout.
 */
class LoadBalancerTimeoutsTest {
    private static final Duration HEARTBEAT = Units.duration(Defaults.HEARTBEAT);

    private static String file(String path) throws IOException {
        return Files.readString(RepoScript.root().resolve(path));
    }

    /** The whole-second values of {@code pattern}'s first group in {@code text}; fails when there are none. */
    private static List<Duration> seconds(String text, String pattern) {
        List<Duration> found = new ArrayList<>();
        Matcher m = Pattern.compile(pattern).matcher(text);
        while (m.find()) {
            found.add(Duration.ofSeconds(Long.parseLong(m.group(1))));
        }
        assertFalse(found.isEmpty(), "no " + pattern);
        return found;
    }

    private static void atLeastThreeHeartbeats(String what, List<Duration> timeouts, Duration heartbeat) {
        for (Duration timeout : timeouts) {
            assertTrue(timeout.compareTo(heartbeat.multipliedBy(3)) >= 0,
                    what + ": " + timeout.toSeconds() + " s is less than 3 heartbeats of " + heartbeat.toSeconds() + " s");
        }
    }

    @Test
    void nginxStreamLocationWaitsThreeHeartbeats() throws IOException {
        String conf = file("deploy/nginx/pushgate.conf");
        int start = conf.indexOf("location ~ ^/((topics|feeds)/[^/]+/)?events$ {");
        assertTrue(start >= 0, "no stream location in deploy/nginx/pushgate.conf");
        String location = conf.substring(start, conf.indexOf("\n    }", start));
        atLeastThreeHeartbeats("nginx proxy_read_timeout", seconds(location, "proxy_read_timeout (\\d+)s;"), HEARTBEAT);
        atLeastThreeHeartbeats("nginx proxy_send_timeout", seconds(location, "proxy_send_timeout (\\d+)s;"), HEARTBEAT);
    }

    @Test
    void haproxyClientServerAndTunnelTimeoutsOfStreamsWaitThreeHeartbeats() throws IOException {
        String cfg = file("deploy/haproxy/haproxy.cfg");
        // The defaults, and whatever the streams' frontend and backend set over them (the REST backend's are short).
        String streams = section(cfg, "defaults") + section(cfg, "frontend pushgate_public") + section(cfg, "backend pushgate_streams");
        for (String kind : List.of("client", "server", "tunnel")) {
            atLeastThreeHeartbeats("HAProxy timeout " + kind, seconds(streams, "\\n\\s*timeout " + kind + " (\\d+)s"), HEARTBEAT);
        }
    }

    /** HAProxy's section that begins with the line {@code header}, up to the next section. */
    private static String section(String cfg, String header) {
        Matcher m = Pattern.compile("(?ms)^" + Pattern.quote(header) + "$.*?(?=^(?:defaults|frontend|backend|global|listen)\\b|\\z)").matcher(cfg);
        assertTrue(m.find(), "no section " + header);
        return m.group();
    }

    @Test
    void kubernetesStreamsIngressWaitsThreeOfTheConfigMapsHeartbeats() throws IOException {
        Matcher configured = Pattern.compile("PUSHGATE_HEARTBEAT: \"([^\"]+)\"").matcher(file("deploy/k8s/configmap.yaml"));
        assertTrue(configured.find(), "no PUSHGATE_HEARTBEAT in deploy/k8s/configmap.yaml");
        Duration heartbeat = Units.duration(configured.group(1));
        String ingress = file("deploy/k8s/ingress.yaml");
        String streams = ingress.substring(ingress.indexOf("name: pushgate-streams"));
        streams = streams.substring(0, streams.indexOf("\n---") < 0 ? streams.length() : streams.indexOf("\n---"));
        atLeastThreeHeartbeats("streams Ingress proxy-read-timeout",
                seconds(streams, "proxy-read-timeout: \"(\\d+)\""), heartbeat);
        atLeastThreeHeartbeats("streams Ingress proxy-send-timeout",
                seconds(streams, "proxy-send-timeout: \"(\\d+)\""), heartbeat);
        assertTrue(file("deploy/k8s/check/check.mjs").contains("PUSHGATE_HEARTBEAT ?? \"" + Defaults.HEARTBEAT + "\""),
                "deploy/k8s/check/check.mjs falls back to another heartbeat than " + Defaults.HEARTBEAT);
    }

    @Test
    void envFileAndSmokeClientKnowTheDefault() throws IOException {
        assertTrue(file("deploy/systemd/pushgate.env").contains("\n#PUSHGATE_HEARTBEAT=" + Defaults.HEARTBEAT + "\n"),
                "deploy/systemd/pushgate.env does not show the default heartbeat " + Defaults.HEARTBEAT);
        List<Duration> readTimeout = seconds(file("deploy/smoke/sse_client.py"), "\"--read-timeout\", type=float, default=(\\d+)\\.0");
        assertEquals(1, readTimeout.size());
        atLeastThreeHeartbeats("deploy/smoke/sse_client.py --read-timeout", readTimeout, HEARTBEAT);
    }
}
