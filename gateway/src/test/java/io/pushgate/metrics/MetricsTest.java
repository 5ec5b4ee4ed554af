package io.pushgate.metrics;

import io.pushgate.testing.PrometheusText;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics over real sockets after a known workload: exact counters and gauges, parsed from the text format. */
class MetricsTest {
    private static final int STREAMS = 100;
    private static final int PUBLISHES = 10;
    private static final int LOOPS = 2;

    /** Opens {@code count} streams of {@code topic} and reads each until {@code expected} arrived. */
    private static List<RawHttp> openStreams(TestNode node, String topic, int count, String expected) throws Exception {
        List<RawHttp> streams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RawHttp stream = new RawHttp(node.port());
            stream.send("GET /topics/" + topic + "/events HTTP/1.1\r\nHost: test\r\n\r\n");
            streams.add(stream);
        }
        for (RawHttp stream : streams) {
            String read = stream.readUntil(expected);
            assertTrue(read.startsWith("HTTP/1.1 200") && read.contains(expected), read);
        }
        return streams;
    }

    private static void assertCounts(PrometheusText m, long connections, long opened, long closedByClient, long topics,
                                     long publishes, long deliveries, long timedTasks) {
        assertEquals(connections, m.value("pushgate_connections"), "connections");
        assertEquals(opened, m.value("pushgate_connections_opened_total"), "opened");
        assertEquals(closedByClient, m.value("pushgate_connections_closed_total", "reason", "client"), "closed by client");
        for (String reason : List.of("drain", "slow_consumer", "error")) {
            assertEquals(0, m.value("pushgate_connections_closed_total", "reason", reason), reason);
        }
        assertEquals(topics, m.value("pushgate_topics"), "topics");
        assertEquals(publishes, m.value("pushgate_publishes_total"), "publishes");
        assertEquals(deliveries, m.value("pushgate_deliveries_total"), "deliveries");
        for (String histogram : List.of("pushgate_delivery_latency_seconds", "pushgate_fanout_seconds")) {
            assertEquals(timedTasks, m.value(histogram + "_count"), histogram + " count");
            assertEquals(timedTasks, m.value(histogram + "_bucket", "le", "+Inf"), histogram + " +Inf bucket");
        }
        assertEquals(0, m.value("pushgate_conflated_total"));
        assertEquals(0, m.value("pushgate_slow_consumer_disconnects_total"));
        assertEquals(1, m.value("pushgate_broker_connected"));
        assertEquals(0, m.value("pushgate_broker_reconnects_total"));
        assertEquals(0, m.value("pushgate_broker_resyncs_total"));
        assertEquals(0, m.value("pushgate_broker_malformed_total"));
    }

    @Test
    void countsStreamsPublishesAndDeliveriesExactly() throws Exception {
        try (TestNode node = TestNode.start("--workers", Integer.toString(LOOPS), "--node-name", "node-a")) {
            String topic = TestNode.topic();
            // The head and the retry hint: a new topic has no version to send yet.
            List<RawHttp> streams = openStreams(node, topic, STREAMS, "retry: ");
            for (int v = 1; v <= PUBLISHES; v++) {
                node.publish(topic, "v" + v);
            }
            for (RawHttp stream : streams) {
                stream.readUntil("data: v" + PUBLISHES + "\n");
            }
            // 100 streams on two loops: each update is one timed task per loop.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertCounts(node.scrape(),
                    STREAMS, STREAMS, 0, 1, PUBLISHES, (long) STREAMS * PUBLISHES, (long) PUBLISHES * LOOPS));

            for (RawHttp stream : streams.subList(0, 40)) {
                stream.close();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertCounts(node.scrape(),
                    60, STREAMS, 40, 1, PUBLISHES, (long) STREAMS * PUBLISHES, (long) PUBLISHES * LOOPS));

            for (RawHttp stream : streams.subList(40, STREAMS)) {
                stream.close();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertCounts(node.scrape(),
                    0, STREAMS, STREAMS, 0, PUBLISHES, (long) STREAMS * PUBLISHES, (long) PUBLISHES * LOOPS));
        }
    }

    @Test
    void latestVersionSentOnSubscribeIsADeliveryButNeitherAPublishNorTimed() throws Exception {
        try (TestNode node = TestNode.start()) {
            String topic = TestNode.topic();
            node.publish(topic, "before anyone listens");
            List<RawHttp> streams = openStreams(node, topic, 3, "data: before anyone listens\n");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                PrometheusText m = node.scrape();
                assertEquals(3, m.value("pushgate_deliveries_total"));
                assertEquals(0, m.value("pushgate_publishes_total"));
                assertEquals(0, m.value("pushgate_delivery_latency_seconds_count"));
            });
            for (RawHttp stream : streams) {
                stream.close();
            }
        }
    }

    @Test
    void httpErrorsAreCountedByStatus() {
        try (TestNode node = TestNode.start()) {
            for (int i = 0; i < 2; i++) {
                assertEquals(404, TestNode.send(HttpRequest.newBuilder(node.uri("/nowhere")).GET().build()).statusCode());
            }
            assertEquals(405, TestNode.send(HttpRequest.newBuilder(node.uri("/"))
                    .DELETE().build()).statusCode());
            PrometheusText m = node.scrape();
            assertEquals(2, m.value("pushgate_http_errors_total", "status", "404"));
            assertEquals(1, m.value("pushgate_http_errors_total", "status", "405"));
            for (String status : List.of("400", "408", "412", "413", "429", "431", "503", "504")) {
                assertEquals(0, m.value("pushgate_http_errors_total", "status", status), status);
            }
        }
    }

    @Test
    void everyMeterCarriesTheNodeTagAndTheDesignNamesAreThere() {
        try (TestNode node = TestNode.start("--node-name", "node-b")) {
            PrometheusText m = node.scrape();
            for (PrometheusText.Sample sample : m.samples()) {
                assertEquals("node-b", sample.labels().get("node"), sample.toString());
            }
            for (String name : List.of("pushgate_connections", "pushgate_connections_opened_total",
                    "pushgate_connections_closed_total", "pushgate_topics", "pushgate_publishes_total",
                    "pushgate_deliveries_total", "pushgate_delivery_latency_seconds_bucket",
                    "pushgate_fanout_seconds_bucket", "pushgate_conflated_total",
                    "pushgate_slow_consumer_disconnects_total", "pushgate_http_errors_total",
                    "pushgate_broker_connected", "pushgate_broker_reconnects_total", "pushgate_broker_resyncs_total",
                    "pushgate_broker_malformed_total", "jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes", "process_cpu_usage", "process_files_open_files",
                    "process_uptime_seconds", "netty_allocator_memory_used", "netty_eventexecutor_tasks_pending")) {
                assertTrue(m.names().contains(name), "no " + name + " in " + m.names());
            }
            // Buckets from 50 µs to 10 s, so histogram_quantile resolves sub-millisecond fan-outs.
            List<String> bounds = m.find("pushgate_fanout_seconds_bucket").stream()
                    .map(s -> s.labels().get("le")).toList();
            assertEquals(Map.of("first", "5.0E-5", "last", "+Inf"),
                    Map.of("first", bounds.get(0), "last", bounds.get(bounds.size() - 1)));
            assertTrue(bounds.contains("1.0") && bounds.contains("0.001"), bounds.toString());
        }
    }

    /** The fan-out timers' {@code _max} after one delivery timed at 2 ms. */
    private static double fanOutMax(NodeMetrics metrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out, NodeMetrics.PROMETHEUS_TEXT);
        return PrometheusText.parse(out.toString(StandardCharsets.UTF_8)).value("pushgate_fanout_seconds_max");
    }

    @Test
    void theWarmUpsTimersLetTheirMaximumGoWithinMillisecondsTheNodesKeepItForAMinute() throws Exception {
        try (NodeMetrics node = new NodeMetrics("node"); NodeMetrics warmUp = NodeMetrics.forWarmUp("warm-up")) {
            long twoMillisAgo = System.nanoTime() - 2_000_000;
            node.fanOut().delivered(1, 0, twoMillisAgo);
            warmUp.fanOut().delivered(1, 0, twoMillisAgo);
            assertTrue(fanOutMax(warmUp) >= 0.002, "the warm-up's maximum before its window moved on");
            // Three windows of the step: the ring of maxima has moved past the one recorded into.
            await().atMost(Duration.ofSeconds(5)).until(() -> fanOutMax(warmUp) == 0);
            assertTrue(fanOutMax(node) >= 0.002, "the node's maximum is kept for its minute");
        }
    }

    @Test
    void answersOpenMetricsWhenTheScraperAsksForIt() {
        try (TestNode node = TestNode.start()) {
            HttpResponse<String> response = TestNode.send(HttpRequest.newBuilder(node.adminUri("/metrics"))
                    .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                    .GET().build());
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("")
                    .startsWith("application/openmetrics-text; version=1.0.0"), response.headers().toString());
            assertTrue(response.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
            assertEquals(1, PrometheusText.parse(response.body()).value("pushgate_broker_connected"));

            HttpResponse<String> plain = TestNode.send(HttpRequest.newBuilder(node.adminUri("/metrics")).GET().build());
            assertTrue(plain.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            assertTrue(!plain.body().contains("# EOF"));
        }
    }
}
