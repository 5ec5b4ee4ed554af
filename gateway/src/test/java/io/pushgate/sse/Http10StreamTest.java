package io.pushgate.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pushgate.testing.ChunkedSse;
import io.pushgate.testing.LogCapture;
import io.pushgate.testing.RawHttp;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import io.pushgate.wire.SseEvents;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client of HTTP/1.0 knows no chunked coding: its stream is the event-stream bytes as they are,
 * ended by the close of the connection, while an HTTP/1.1 stream of the same topic stays chunked.
 */
class Http10StreamTest {

    /** What an HTTP/1.0 client read: the head, and the body parsed as a bare event stream. */
    private record Read(String head, String body, List<SseClient.Event> events, int comments, int retries,
                        long malformed) {
        static Read of(String all) {
            int end = all.indexOf("\r\n\r\n");
            String body = all.substring(end + 4);
            List<SseClient.Event> events = new ArrayList<>();
            AtomicInteger comments = new AtomicInteger();
            AtomicInteger retries = new AtomicInteger();
            SseEvents parser = new SseEvents(new SseEvents.Handler() {
                @Override
                public void onEvent(String type, String id, String data, long version) {
                    events.add(new SseClient.Event(type, id, data, version));
                }

                @Override
                public void onComment() {
                    comments.incrementAndGet();
                }

                @Override
                public void onRetry(long millis) {
                    retries.incrementAndGet();
                }
            });
            ByteBuf bytes = Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.ISO_8859_1));
            try {
                parser.read(bytes);
            } finally {
                bytes.release();
            }
            return new Read(all.substring(0, end).toLowerCase(), body, events, comments.get(), retries.get(),
                    parser.parser().malformed());
        }
    }

    @Test
    void anHttp10StreamIsCloseDelimitedPlainSse() throws Exception {
        try (TestNode node = TestNode.start("--heartbeat", "1s", "--drain-timeout", "2s", "--drain-grace", "100ms");
             LogCapture log = LogCapture.start();
             RawHttp old = new RawHttp(node.port());
             RawHttp chunked = new RawHttp(node.port())) {
            String topic = TestNode.topic();
            node.publish(topic, "v1");
            old.send("GET /topics/" + topic + "/events HTTP/1.0\r\n\r\n");
            chunked.send("GET /topics/" + topic + "/events HTTP/1.1\r\nHost: x\r\n\r\n");
            StringBuilder all = new StringBuilder(old.readUntil("data: v1\n\n"));
            String chunkedAll = chunked.readUntil("data: v1\n\n");
            node.publish(topic, "v2\nsecond line");
            all.append(old.readUntil("data: second line\n\n"));
            all.append(old.readUntil(":\n\n"));
            node.server.drain();
            all.append(old.readToEof(10_000));
            chunkedAll += chunked.readToEof(10_000);

            Read read = Read.of(all.toString());
            assertTrue(read.head().startsWith("http/1.1 200"), read.head());
            assertTrue(read.head().contains("\r\nconnection: close"), read.head());
            assertTrue(read.head().contains("\r\ncontent-type: text/event-stream"), read.head());
            assertFalse(read.head().contains("transfer-encoding"), read.head());
            assertEquals(-1, read.body().indexOf('\r'), "no chunk framing, no last chunk: " + read.body());
            assertEquals(List.of("v1", "v2\nsecond line"), read.events().stream().map(SseClient.Event::data).toList());
            assertTrue(read.comments() >= 1, "heartbeats arrive as comments");
            assertEquals(2, read.retries(), "the retry hint at the start and the drain's at the end");
            assertEquals(0, read.malformed(), read.body());

            assertTrue(chunkedAll.contains("transfer-encoding: chunked"), chunkedAll);
            assertTrue(chunkedAll.endsWith("0\r\n\r\n"), "an HTTP/1.1 stream still ends with the last chunk");
            assertEquals(List.of("v1", "v2\nsecond line"),
                    ChunkedSse.events(chunkedAll).stream().map(SseClient.Event::data).toList());
            assertEquals(List.of(), log.problems());
        }
    }

    @Test
    void aHeadRequestOfHttp10GetsTheCloseDelimitedHead() throws Exception {
        try (TestNode node = TestNode.start(); RawHttp raw = new RawHttp(node.port())) {
            String answer = raw.send("HEAD /topics/a/events HTTP/1.0\r\n\r\n").readToEof(5000).toLowerCase();
            assertTrue(answer.startsWith("http/1.1 200"), answer);
            assertFalse(answer.contains("transfer-encoding"), answer);
            assertTrue(answer.endsWith("\r\n\r\n"), "no body: " + answer);
        }
    }
}
