package io.pushgate.testing;

import io.pushgate.broker.Broker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.node.Node;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real node on a free loopback port, for tests; flags as on the command line. */
public final class TestNode implements AutoCloseable {
    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");
    private static final Pattern FEED_ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    public final Node server;

    private TestNode(Node server) {
        this.server = server;
    }

    /** A node with the embedded broker, which keeps topics and feeds as the flags say (--topic-ttl, --feed-cap). */
    public static TestNode start(String... flags) {
        NodeConfig config = config(flags);
        return start(new InMemoryBroker(config.topics(), config.feeds()), config);
    }

    /**
     * A node with the broker its flags name, built by the node as in production (with
     * {@code --redis}: a Redis broker whose client does its I/O on the node's loops).
     */
    public static TestNode startConfigured(String... flags) {
        return start(null, config(flags));
    }

    public static TestNode start(Broker broker, String... flags) {
        return start(broker, config(flags));
    }

    private static TestNode start(Broker broker, NodeConfig config) {
        try {
            return new TestNode(Node.start(config, broker));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static NodeConfig config(String... flags) {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0"));
        args.addAll(Arrays.asList(flags));
        withoutWarmUpUnlessAsked(args);
        return NodeConfig.parse(args.toArray(new String[0]));
    }

    /**
     * Adds {@code --warm-up 0} to a test node's {@code args} unless they set it: hundreds of test
     * nodes start, in this JVM and as processes; WarmUpTest runs the warm-up a node starts with by default.
     */
    static void withoutWarmUpUnlessAsked(List<String> args) {
        if (!args.contains("--warm-up")) {
            args.addAll(List.of("--warm-up", "0"));
        }
    }

    /** A topic name no other test uses. */
    public static String topic() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public int port() {
        return server.port();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    /** A URI on the admin port. */
    public URI adminUri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.adminPort() + pathAndQuery);
    }

    /** {@code GET /metrics} on the admin port, parsed; fails unless it answers 200. */
    public PrometheusText scrape() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(adminUri("/metrics")).GET().build());
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode() + ": " + response.body());
        }
        return PrometheusText.parse(response.body());
    }

    public SseClient stream(String topic) {
        return SseClient.open(uri("/topics/" + topic + "/events"));
    }

    /** PUTs {@code text} and returns the new version. */
    public long publish(String topic, String text) {
        return Long.parseLong(write("PUT", "/topics/" + topic, text, VERSION));
    }

    /** POSTs {@code text} to feed {@code feed} and returns the event's id ({@code <seq>-<epoch>}). */
    public String append(String feed, String text) {
        return write("POST", "/feeds/" + feed, text, FEED_ID);
    }

    /** Sends {@code text} with {@code method} to {@code path}; fails unless 200; the first group of {@code answer} in the body. */
    private String write(String method, String path, String text, Pattern answer) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path))
                .method(method, HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build());
        if (response.statusCode() != 200) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        Matcher m = answer.matcher(response.body());
        if (!m.find()) {
            throw new AssertionError("no " + answer + " in " + response.body());
        }
        return m.group(1);
    }

    /** The stream of feed {@code feed} ({@code pathAndQuery} after {@code /feeds/<feed>/events}), with {@code headers}. */
    public SseClient feedStream(String feed, String query, Map<String, String> headers) {
        return SseClient.open(uri("/feeds/" + feed + "/events" + query), headers);
    }

    /** What {@code GET /readyz} on the admin port answers now. */
    public int readyz() {
        return send(HttpRequest.newBuilder(adminUri("/readyz")).build()).statusCode();
    }

    /**
     * PUTs {@code text} until the node takes it, up to {@code deadline}: 503 (no broker now) and 504
     * (no answer in time) are tried again, anything else fails.
     */
    public void publishUntilTaken(String topic, String text, Duration deadline) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(50)).until(() -> {
            HttpResponse<String> answer = send(HttpRequest.newBuilder(uri("/topics/" + topic))
                    .PUT(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build());
            assertTrue(answer.statusCode() == 200 || answer.statusCode() == 503 || answer.statusCode() == 504,
                    answer.statusCode() + " " + answer.body());
            return answer.statusCode() == 200;
        });
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return SseClient.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.close().join();
    }
}
