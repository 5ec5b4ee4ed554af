package io.pushgate.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class StreamAttemptTest {
    private final LoadClient client = new LoadClient(Target.parse("http://127.0.0.1:1"),
            Target.parse("http://127.0.0.1:1").sources(1, 1), 1, 10, Duration.ofSeconds(1), 0);

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void opensOnlyOnceTheWholeHeadArrived() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAttempt(client, bytes("GET / HTTP/1.1\r\n\r\n"), null));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")));
        assertEquals(0, client.openCount());
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("\r\n7\r\nretry: 1\n\n\r\n")));
        assertEquals(1, client.openCount());
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("3\r\n:\n\n\r\n")));
        assertEquals(1, client.openCount());
    }

    @Test
    void countsAnotherStatusAsRejectedAndCloses() {
        EmbeddedChannel channel = new EmbeddedChannel(new StreamAttempt(client, bytes("GET / HTTP/1.1\r\n\r\n"), null));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\r\n")));
        assertEquals(0, client.openCount());
        assertEquals(1, client.rejectedCount());
        assertEquals(Map.of("status 503", 1), client.reasons());
        assertFalse(channel.isOpen());
    }

    @Test
    void closeBeforeTheHeadIsAFailureAndCloseAfterItIsALoss() {
        EmbeddedChannel early = new EmbeddedChannel(new StreamAttempt(client, bytes("GET / HTTP/1.1\r\n\r\n"), null));
        early.writeInbound(Unpooled.wrappedBuffer(bytes("HTTP/1.1 200 OK\r\n")));
        early.close();
        assertEquals(1, client.failedCount());

        EmbeddedChannel late = new EmbeddedChannel(new StreamAttempt(client, bytes("GET / HTTP/1.1\r\n\r\n"), null));
        late.writeInbound(Unpooled.wrappedBuffer(bytes("HTTP/1.1 200 OK\r\n\r\n")));
        late.close();
        assertEquals(1, client.lostCount());
        assertEquals(0, client.openCount());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
