package io.pushgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseFramesTest {

    private static TopicVersion version(String text) {
        return new TopicVersion("news", "k3f9x2ab", 42, 0, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Checks the chunk framing and returns the SSE payload inside. */
    private static String payload(ByteBuf frame) {
        try {
            String all = frame.toString(StandardCharsets.UTF_8);
            int crlf = all.indexOf("\r\n");
            int size = Integer.parseInt(all.substring(0, crlf), 16);
            byte[] bytes = new byte[frame.readableBytes()];
            frame.getBytes(frame.readerIndex(), bytes);
            int start = crlf + 2;
            assertEquals(start + size + 2, bytes.length, "chunk size line must match the payload");
            assertEquals('\r', bytes[bytes.length - 2]);
            assertEquals('\n', bytes[bytes.length - 1]);
            return new String(bytes, start, size, StandardCharsets.UTF_8);
        } finally {
            frame.release();
        }
    }

    private static String event(String text) {
        return payload(SseFrames.event(ByteBufAllocator.DEFAULT, version(text)));
    }

    @Test
    void singleLineTextIsOneDataLine() {
        assertEquals("id: 42-k3f9x2ab\ndata: hello\n\n", event("hello"));
    }

    @Test
    void everyLineBreakKindStartsANewDataLine() {
        assertEquals("id: 42-k3f9x2ab\ndata: a\ndata: b\ndata: c\ndata: d\n\n", event("a\nb\rc\r\nd"));
    }

    @Test
    void consecutiveAndTrailingBreaksKeepTheirEmptyLines() {
        assertEquals("id: 42-k3f9x2ab\ndata: a\ndata:\ndata: b\ndata:\n\n", event("a\n\r\nb\n"));
        assertEquals("id: 42-k3f9x2ab\ndata:\ndata:\n\n", event("\r\n"));
    }

    @Test
    void emptyTextIsOneEmptyDataLine() {
        assertEquals("id: 42-k3f9x2ab\ndata:\n\n", event(""));
    }

    @Test
    void unicodeIsCarriedAsUtf8() {
        String text = "grüße 🌍\n日本語";
        assertEquals("id: 42-k3f9x2ab\ndata: grüße 🌍\ndata: 日本語\n\n", event(text));
    }

    @Test
    void injectedFieldsStayInsideData() {
        String sse = event("a\n\nevent: x\ndata: y\rid: 99-evil0000\r\n\r\nretry: 1");
        assertEquals("id: 42-k3f9x2ab\ndata: a\ndata:\ndata: event: x\ndata: data: y\ndata: id: 99-evil0000\n"
                + "data:\ndata: retry: 1\n\n", sse);
        // Only the final blank line ends the event: no line of the payload is a field but data/id.
        String[] lines = sse.substring(0, sse.length() - 2).split("\n", -1);
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith("data:"), lines[i]);
        }
    }

    @Test
    void leadingSpaceOfALineSurvivesTheParser() {
        assertEquals("id: 42-k3f9x2ab\ndata:  indented\n\n", event(" indented"));
    }

    @Test
    void namedEventCarriesTopicAndTopicQualifiedId() {
        String sse = payload(SseFrames.namedEvent(ByteBufAllocator.DEFAULT, version("x")));
        assertEquals("event: news\nid: news/42-k3f9x2ab\ndata: x\n\n", sse);
    }

    @Test
    void largeTextGetsAMultiDigitChunkSize() {
        String big = "x".repeat(64 * 1024) + "\n" + "y".repeat(1000);
        String sse = event(big);
        assertTrue(sse.startsWith("id: 42-k3f9x2ab\ndata: xxx"));
        assertTrue(sse.endsWith("\ndata: " + "y".repeat(1000) + "\n\n"));
    }

    @Test
    void retryIsItsOwnChunkWithoutData() {
        assertEquals("retry: 2500\n\n", payload(SseFrames.retry(ByteBufAllocator.DEFAULT, 2500)));
    }

    @Test
    void heartbeatIsACommentChunk() {
        ByteBuf heartbeat = SseFrames.heartbeat();
        assertEquals("3\r\n:\n\n\r\n", heartbeat.toString(StandardCharsets.UTF_8));
        assertFalse(heartbeat.isWritable());
        assertEquals("0\r\n\r\n", SseFrames.end().toString(StandardCharsets.UTF_8));
    }

    /** {@link SseFrames#unchunked} of {@code chunk}, as text (releasing the result releases the chunk: leak detection checks). */
    private static String unchunked(ByteBuf chunk) {
        ByteBuf payload = SseFrames.unchunked(chunk);
        try {
            return payload.toString(StandardCharsets.UTF_8);
        } finally {
            payload.release();
        }
    }

    @Test
    void unchunkedIsTheEventStreamBytesAlone() {
        String big = "x".repeat(70_000);
        assertEquals("id: 42-k3f9x2ab\ndata: hello\n\n", unchunked(SseFrames.event(ByteBufAllocator.DEFAULT, version("hello"))));
        assertEquals("id: 42-k3f9x2ab\ndata: " + big + "\n\n", unchunked(SseFrames.event(ByteBufAllocator.DEFAULT, version(big))));
        assertEquals("retry: 2500\n\n", unchunked(SseFrames.retry(ByteBufAllocator.DEFAULT, 2500)));
        assertEquals("event: pushgate.closed\ndata: revoked\n\n", unchunked(SseFrames.closed(ByteBufAllocator.DEFAULT, "revoked")));
        assertEquals("event: pushgate.deleted\ndata: news.eu\n\n", unchunked(SseFrames.deleted(ByteBufAllocator.DEFAULT, "news.eu")));
        assertEquals(":\n\n", unchunked(SseFrames.heartbeat()));
        assertEquals("", unchunked(SseFrames.end()), "the last chunk has no bytes of its own");
    }

    @Test
    void unchunkedSharesTheFrameItWasGiven() {
        ByteBuf shared = SseFrames.event(ByteBufAllocator.DEFAULT, version("fan-out"));
        ByteBuf payload = SseFrames.unchunked(shared.retainedDuplicate());
        assertEquals(2, shared.refCnt(), "the hub's frame holds one reference, the slice the other: no copy");
        payload.setByte(payload.readerIndex(), 'I');
        assertTrue(shared.toString(StandardCharsets.UTF_8).contains("\r\nId: 42"), "the same memory");
        payload.release();
        assertEquals(1, shared.refCnt(), "releasing the slice gives the reference back");
        shared.release();
    }

    private static io.pushgate.model.FeedEvent feedEvent(String text) {
        return new io.pushgate.model.FeedEvent("wall", "k3f9x2ab", 57, 0, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aFeedEventIsUnnamedWithSeqAndEpochOrNamedWithItsFeed() {
        assertEquals("id: 57-k3f9x2ab\ndata: a\ndata: b\n\n", payload(SseFrames.feedEvent(ByteBufAllocator.DEFAULT, feedEvent("a\r\nb"))));
        assertEquals("event: wall\nid: wall/57-k3f9x2ab\ndata: a\n\n",
                payload(SseFrames.namedFeedEvent(ByteBufAllocator.DEFAULT, feedEvent("a"))));
    }

    @Test
    void aTopicEventOnAStreamWithFeedsHasNoId() {
        assertEquals("event: news\ndata: hello\n\n",
                payload(SseFrames.namedEventWithoutId(ByteBufAllocator.DEFAULT, version("hello"))));
    }

    @Test
    void aResetNamesItsFeedAndHasNoId() {
        assertEquals("event: pushgate.reset\ndata: reset\n\n", payload(SseFrames.reset(ByteBufAllocator.DEFAULT, "reset")));
    }

    @Test
    void theCursorFrameNamesEveryFeedThatHoldsACursorAndHasNoData() {
        byte[][] names = {"b".getBytes(StandardCharsets.UTF_8), "c".getBytes(StandardCharsets.UTF_8),
                "d".getBytes(StandardCharsets.UTF_8)};
        assertEquals("id: b/57-e1,d/12-e2\n\n", payload(SseFrames.cursors(ByteBufAllocator.DEFAULT, names,
                new String[] {"e1", null, "e2"}, new long[] {57, 0, 12})));
        assertEquals(null, SseFrames.cursors(ByteBufAllocator.DEFAULT, names, new String[3], new long[3]),
                "no cursor yet: no frame");
    }
}
