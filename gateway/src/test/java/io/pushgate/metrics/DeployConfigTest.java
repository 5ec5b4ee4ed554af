package io.pushgate.metrics;

import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * deploy/: the Prometheus config and alert rules pass promtool (check and unit tests), the Grafana
 * dashboard is valid JSON with valid PromQL, and every metric they name is one a node exports.
 * Needs {@code promtool} (Debian package {@code prometheus}); fails without it.
 */
class DeployConfigTest {
    private static final Pattern METRIC = Pattern.compile("\\b(?:pushgate|jvm|netty|process)_[a-z_]+\\b");
    private static Path deploy;

    @BeforeAll
    static void findDeployAndPromtool() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/prometheus"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "no deploy/prometheus above " + Path.of("").toAbsolutePath());
        deploy = dir.resolve("deploy");
        try {
            promtool("--version");
        } catch (IOException e) {
            fail("promtool not found: install the Debian package 'prometheus' (.ci/run does): " + e);
        }
    }

    private static String promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    @Test
    void prometheusConfigAndRulesPassPromtool() throws Exception {
        promtool("check", "config", deploy.resolve("prometheus/prometheus.yml").toString());
        promtool("check", "rules", deploy.resolve("prometheus/alerts.yml").toString());
    }

    @Test
    void alertsFireOnTheirTroubleInPromtoolUnitTests() throws Exception {
        String output = promtool("test", "rules", deploy.resolve("prometheus/alerts-test.yml").toString());
        assertTrue(output.contains("SUCCESS"), output);
    }

    @Test
    void dashboardQueriesAreValidPromQl(@TempDir Path temp) throws Exception {
        List<String> exprs = dashboardExprs();
        assertFalse(exprs.isEmpty());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            // Grafana's variables, replaced by what they stand for, so that promtool parses the query.
            String expr = exprs.get(i).replace("$__rate_interval", "1m").replace("$node", ".*");
            rules.append("      - record: dashboard:panel_").append(i).append('\n')
                    .append("        expr: '").append(expr.replace("'", "''")).append("'\n");
        }
        Path file = temp.resolve("dashboard-rules.yml");
        Files.writeString(file, rules);
        promtool("check", "rules", file.toString());
    }

    @Test
    void everyMetricNamedInAlertsAndDashboardIsExported() throws Exception {
        Set<String> named = new TreeSet<>();
        List<String> sources = new ArrayList<>(dashboardExprs());
        sources.add(Files.readString(deploy.resolve("prometheus/alerts.yml")));
        for (String source : sources) {
            Matcher m = METRIC.matcher(source);
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertTrue(named.contains("pushgate_delivery_latency_seconds_bucket"), named.toString());
        try (TestNode node = TestNode.start()) {
            Set<String> exported = node.scrape().names();
            for (String name : named) {
                assertTrue(exported.contains(name), name + " is not exported; exported: " + exported);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> dashboardExprs() throws IOException {
        String text = Files.readString(deploy.resolve("grafana/pushgate-dashboard.json"));
        Map<String, Object> dashboard = new Json().toType(text, Map.class);
        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
            for (Map<String, Object> target : (List<Map<String, Object>>) panel.getOrDefault("targets", List.of())) {
                exprs.add((String) target.get("expr"));
            }
        }
        return exprs;
    }
}
