package io.pushgate.config;

import io.pushgate.loops.Transport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    @Test
    void defaultsFollowTheDesign() {
        NodeConfig c = NodeConfig.parse();
        assertEquals("0.0.0.0", c.server().bind());
        assertEquals(8080, c.server().port());
        assertEquals(Duration.ofSeconds(40), c.streams().heartbeat());
        assertEquals(1024 * 1024, c.http().maxText());
        assertEquals(Duration.ofSeconds(30), c.drain().timeout());
        assertEquals(Transport.Kind.AUTO, c.server().transport());
        assertEquals(List.of(), c.http().corsOrigins());
        assertTrue(c.redis().isEmpty(), "no Redis: the embedded broker");
        assertEquals(1000, c.feeds().cap());
    }

    @Test
    void theFeedCapComesFromItsFlagOrItsVariableAndIsAtLeastOne() {
        assertEquals(50, NodeConfig.parse("--feed-cap", "50").feeds().cap());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--feed-cap", "0"));
        assertEquals("--feed-cap must be at least 1", e.getMessage());
    }

    @Test
    void adminPortAndNodeNameHaveDefaultsAndFlags() {
        AdminSettings c = NodeConfig.parse().admin();
        assertEquals("127.0.0.1", c.bind());
        assertEquals(9090, c.port());
        assertTrue(!c.nodeName().isBlank(), "the node name defaults to the host name");
        AdminSettings set = NodeConfig.parse("--admin-bind", "0.0.0.0", "--admin-port", "9191", "--node-name", "edge-1").admin();
        assertEquals("0.0.0.0", set.bind());
        assertEquals(9191, set.port());
        assertEquals("edge-1", set.nodeName());
        assertEquals(0, NodeConfig.parse("--admin-port", "0").admin().port(), "port 0: a free admin port");
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--admin-port", "70000"));
    }

    @Test
    void flagsParseUnits() {
        NodeConfig c = NodeConfig.parse("--heartbeat", "500ms", "--max-text", "64KiB", "--drain-timeout", "2m",
                "--transport", "io_uring", "--cors-origins", "https://a.example,https://b.example");
        assertEquals(Duration.ofMillis(500), c.streams().heartbeat());
        assertEquals(64 * 1024, c.http().maxText());
        assertEquals(Duration.ofMinutes(2), c.drain().timeout());
        assertEquals(Transport.Kind.IO_URING, c.server().transport());
        assertEquals(List.of("https://a.example", "https://b.example"), c.http().corsOrigins());
    }

    @Test
    void redisSettingsComeFromEitherRedisFlag() {
        RedisSettings single = NodeConfig.parse("--redis", "redis://h:6380", "--key-prefix", "app1",
                "--redis-timeout", "3s").redis().orElseThrow();
        assertEquals("redis://h:6380", single.uri());
        assertEquals(false, single.cluster());
        assertEquals("app1", single.keyPrefix());
        assertEquals(Duration.ofSeconds(3), single.commandTimeout());
        RedisSettings cluster = NodeConfig.parse("--redis-cluster", "redis://a:7000,redis://b:7000").redis().orElseThrow();
        assertEquals(true, cluster.cluster());
        assertEquals("redis://a:7000,redis://b:7000", cluster.uri());
        assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse("--redis", "redis://h", "--redis-cluster", "redis://a:7000"));
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--key-prefix", "no spaces"));
    }

    @Test
    void authIsOffWithoutAKeyFileAndOnWithOne() {
        assertTrue(!NodeConfig.parse().auth().enabled(), "no key file: an open node");
        AuthSettings auth = NodeConfig.parse("--auth-secret-file", "/etc/pushgate/secret", "--public-topics",
                "wall, news.*", "--auth-audience", "pushgate", "--auth-leeway", "10s").auth();
        assertTrue(auth.enabled());
        assertEquals(java.nio.file.Path.of("/etc/pushgate/secret"), auth.secretFile().orElseThrow());
        assertEquals(List.of("wall", "news.*"), auth.publicTopics());
        assertEquals("pushgate", auth.audience().orElseThrow());
        assertTrue(auth.issuer().isEmpty());
        assertEquals(Duration.ofSeconds(10), auth.leeway());
        assertEquals(Duration.ofSeconds(30), NodeConfig.parse().auth().leeway());
    }

    @Test
    void theRequestLineLimitIsLeftToTheHttpLayerUnlessGiven() {
        assertEquals(0, NodeConfig.parse().http().maxInitialLine(), "unset: fit the longest legal stream request");
        assertEquals(40 * 1024, NodeConfig.parse("--max-initial-line", "40KiB").http().maxInitialLine());
    }

    @Test
    void badValuesAreRejectedWithAReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse("--heartbeat", "soon"));
        assertTrue(e.getMessage().contains("not a duration"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--transport", "carrier-pigeon"));
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--write-buffer-low", "1MiB"));
    }

    /** What {@code Main} with {@code args} and {@code env} added to the environment said; {@code exit}: its status. */
    private record Run(int exit, String said) {
    }

    private static Run runMain(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.pushgate.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        process.getInputStream().transferTo(out);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Run(process.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aKubernetesServiceLinkInTheEnvironmentIsNamedAsSuch() throws Exception {
        // What a Service named "pushgate" puts into every pod of its namespace.
        Run run = runMain(Map.of("PUSHGATE_PORT", "tcp://10.96.0.12:8080", "PUSHGATE_PORT_8080_TCP_ADDR", "10.96.0.12"));
        assertEquals(2, run.exit(), run.said());
        assertTrue(run.said().contains("PUSHGATE_PORT=tcp://10.96.0.12:8080 is a Kubernetes service link"), run.said());
        assertTrue(run.said().contains("enableServiceLinks: false"), run.said());
        assertEquals(null, Cli.serviceLink(Map.of("PUSHGATE_PORT", "8080", "KUBERNETES_PORT", "tcp://10.96.0.1:443")));
    }

    @Test
    void environmentVariablesSetDefaultsAndHelpListsThem() throws Exception {
        Run run = runMain(Map.of("PUSHGATE_PORT", "18123", "PUSHGATE_HEARTBEAT", "7s", "PUSHGATE_ADMIN_PORT", "19191",
                "PUSHGATE_FEED_CAP", "4321"), "--help");
        String help = run.said();
        assertEquals(0, run.exit(), help);
        for (String flag : List.of("--bind", "--port", "--transport", "--heartbeat", "--max-streams", "--max-text",
                "--drain-timeout", "--cors-origins", "--accept-rate", "--header-timeout", "--slow-consumer-timeout",
                "--admin-bind", "--admin-port", "--node-name", "--feed-cap")) {
            assertTrue(help.contains(flag), "help lacks " + flag);
        }
        assertTrue(help.replaceAll("\\s+", " ").contains("(default: 18123)"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains("(default: 7s)"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains("(default: 19191)"), help);
        assertTrue(help.replaceAll("\\s+", " ").contains("(default: 4321)"), help);
    }

    @Test
    void followNeedsRedis() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse("--follow", "demo=demo:FILE_TEXT,demo:FILE_TEXT_SEQ"));
        assertTrue(e.getMessage().contains("--follow needs --redis"), e.getMessage());
        assertTrue(NodeConfig.parse().follow().follows().isEmpty(), "nothing followed by default");
    }

    @Test
    void followsComeFromFlagsAndAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("follow.txt");
        java.nio.file.Files.writeString(file, "# the app's pages\n\nb = app:b:text , app:b:seq  # page b\nc=app:c:text,app:c:seq\n");
        FollowSettings f = NodeConfig.parse("--redis", "redis://h:6379", "--follow", "a=app:a:text,app:a:seq",
                "--follow-file", file.toString(), "--follow-poll", "50ms", "--follow-notifications", "off").follow();
        assertEquals(List.of(new FollowSettings.Keys("a", "app:a:text", "app:a:seq"),
                new FollowSettings.Keys("b", "app:b:text", "app:b:seq"),
                new FollowSettings.Keys("c", "app:c:text", "app:c:seq")), f.follows());
        assertEquals(Duration.ofMillis(50), f.poll());
        assertEquals(Duration.ofSeconds(1), f.safetyPoll());
        assertTrue(!f.notifications());
        assertTrue(NodeConfig.parse("--redis", "redis://h:6379").follow().notifications(), "notifications by default");
    }

    @Test
    void malformedOrDoubledFollowsAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (String bad : List.of("demo", "demo=text", "=t,s", "demo=t,s,x", "demo=k,k")) {
            assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--redis", "redis://h", "--follow", bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--redis", "redis://h",
                "--follow", "a=t1,s1", "--follow", "a=t2,s2"));
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.parse("--redis", "redis://h",
                "--follow", "a=t1,s", "--follow", "b=t2,s"), "one counter, one topic");
        Path file = dir.resolve("follow.txt");
        java.nio.file.Files.writeString(file, "a=t,s\nnot a follow\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse("--redis", "redis://h", "--follow-file", file.toString()));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.parse("--redis", "redis://h", "--follow-notifications", "sometimes"));
    }
}
