package io.pushgate.sse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.metrics.CloseReason;
import io.pushgate.model.TopicVersion;
import io.pushgate.testing.ClientSide;
import io.pushgate.testing.EmbeddedGateway;
import io.pushgate.wire.EventIds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static io.pushgate.testing.EmbeddedGateway.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-over from request to stream ({@link Streams#open}) through {@code GET /topics/t/events}
 * in the public pipeline on an {@link EmbeddedChannel} ({@code --retry 3s}, no jitter).
 */
class StreamHandOverEmbeddedTest {
    private static final String GET_EVENTS = "GET /topics/t/events HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String RETRY = "retry: 3000\n\n";

    private final InMemoryBroker broker = new InMemoryBroker();
    private final EmbeddedGateway gateway = new EmbeddedGateway(broker, "--retry", "3s", "--retry-jitter", "0s");
    private final ClientSide client = new ClientSide();

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void streamHeadIsChunkedEventStreamWithoutCaching() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request(GET_EVENTS));
        HttpResponse head = client.head(channel);
        assertEquals(200, head.status().code());
        assertEquals("text/event-stream; charset=utf-8", head.headers().get("Content-Type"));
        assertEquals("no-cache", head.headers().get("Cache-Control"));
        assertEquals("no", head.headers().get("X-Accel-Buffering"));
        assertEquals("chunked", head.headers().get("Transfer-Encoding"));
        client.chunks(channel);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void afterTheHeadOnlyTheSseHandlerRemains() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request(GET_EVENTS));
        assertEquals(Set.of("sse"), channel.pipeline().toMap().keySet());
        assertTrue(channel.pipeline().get("sse") instanceof SseStream);
        assertEquals(1, gateway.streams().count());
        client.head(channel);
        client.chunks(channel);
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(0, gateway.streams().count());
    }

    @Test
    void streamBeginsWithRetryHint() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request(GET_EVENTS));
        client.head(channel);
        assertEquals(List.of(RETRY), client.chunks(channel), "a topic without a version sends nothing more");
        assertTrue(channel.isActive());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void latestVersionIsTheFirstEvent() {
        EmbeddedChannel channel = gateway.connect();
        broker.publish("t", "one".getBytes(StandardCharsets.UTF_8));
        TopicVersion latest = broker.publish("t", "two".getBytes(StandardCharsets.UTF_8)).toCompletableFuture().join();
        channel.writeInbound(request(GET_EVENTS));
        channel.runPendingTasks();
        client.head(channel);
        assertEquals(List.of(RETRY, "id: " + EventIds.of(latest) + "\ndata: two\n\n"), client.chunks(channel));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void streamOpenedWhileDrainingEndsAtOnceWithRetry() {
        EmbeddedChannel channel = gateway.connect();
        gateway.drain();
        channel.writeInbound(request(GET_EVENTS));
        assertEquals(200, client.head(channel).status().code());
        assertEquals(List.of(RETRY, RETRY, "<end>"), client.chunks(channel));
        assertFalse(channel.isActive());
        assertEquals(1, gateway.streams().closed(CloseReason.DRAIN));
        assertFalse(channel.finishAndReleaseAll());
    }
}
