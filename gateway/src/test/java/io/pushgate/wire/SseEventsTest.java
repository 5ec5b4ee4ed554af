package io.pushgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pushgate.model.TopicVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.pushgate.wire.SseParserTest.chunk;
import static io.pushgate.wire.SseParserTest.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The String API: the WHATWG event-stream rules for type, id, data, comments and retry. */
class SseEventsTest {
    private final List<String> seen = new ArrayList<>();
    private final SseEvents.Handler handler = new SseEvents.Handler() {
        @Override
        public void onEvent(String type, String id, String data, long version) {
            seen.add(type + "|" + id + "|" + data + "|" + version);
        }

        @Override
        public void onComment() {
            seen.add("comment");
        }

        @Override
        public void onRetry(long millis) {
            seen.add("retry " + millis);
        }
    };

    private List<String> read(String stream) {
        SseEvents events = new SseEvents(handler);
        feed(events.parser(), stream);
        return seen;
    }

    @Test
    void readsTypeIdAndData() {
        assertEquals(List.of("message|7-abc|hello|7"), read("id: 7-abc\ndata: hello\n\n"));
    }

    @Test
    void namesTheEventOnlyUntilItIsDispatched() {
        assertEquals(List.of("news|news/1-abc|a|1", "message|2-abc|b|2"),
                read("event: news\nid: news/1-abc\ndata: a\n\nid: 2-abc\ndata: b\n\n"));
    }

    @Test
    void joinsDataLinesWithLfAndKeepsEmptyOnes() {
        assertEquals(List.of("message|1-abc|a\n\n\nb\n|1", "message|2-abc||2"),
                read("id: 1-abc\ndata: a\ndata:\ndata\ndata: b\ndata:\n\nid: 2-abc\ndata:\n\n"));
    }

    @Test
    void takesCrLfAndCrlfAsLineEnds() {
        assertEquals(List.of("message|1-abc|a\nb\nc|1", "message|2-abc|d|2"),
                read("id: 1-abc\rdata: a\ndata: b\r\ndata: c\r\rid: 2-abc\r\ndata: d\r\n\r\n"));
    }

    @Test
    void removesOnlyOneLeadingSpace() {
        assertEquals(List.of("message|1-abc|  x |1"), read("id:1-abc\ndata:   x \n\n"));
    }

    @Test
    void keepsTheIdForLaterEventsWithoutOne() {
        assertEquals(List.of("message|1-abc|a|1", "message|1-abc|b|-1"), read("id: 1-abc\ndata: a\n\ndata: b\n\n"));
    }

    @Test
    void ignoresAnIdWithNul() {
        assertEquals(List.of("message|1-abc|a|1", "message|1-abc|b|-1"),
                read("id: 1-abc\ndata: a\n\nid: 2\0x\ndata: b\n\n"));
    }

    @Test
    void reportsCommentsAndIgnoresUnknownFields() {
        assertEquals(List.of("comment", "comment", "message|1-abc|a|1"),
                read(":\n: keep-alive\nfoo: bar\nid: 1-abc\ndatum: no\ndata: a\n\n"));
    }

    @Test
    void reportsOnlyRetryValuesOfDigits() {
        assertEquals(List.of("retry 3000", "retry 0"), read("retry: 3000\n\nretry: 3s\nretry:\nretry: -1\nretry:0\n\n"));
    }

    @Test
    void readsUtf8SplitInsideACharacter() {
        String stream = "id: 1-abc\ndata: grüße 🌍\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < bytes.length; cut++) {
            seen.clear();
            SseEvents events = new SseEvents(handler);
            feed(events.parser(), stream, cut);
            assertEquals(List.of("message|1-abc|grüße 🌍|1"), seen, "cut at byte " + cut);
        }
    }

    @Test
    void readsTheSameEventsWhereverTheBodyIsCut() {
        String body = chunk("retry: 2000\n\n") + chunk(":\n\n")
                + chunk("event: t\nid: t/5-abc\ndata: 12\ndata:\ndata: more\n\n")
                + chunk("id: 6-abc\r\ndata: x\r\n\r\n") + chunk("id: 7-abc\rdata: y\r\r") + "0\r\n\r\n";
        List<String> whole = readChunked(body);
        assertEquals(List.of("retry 2000", "comment", "t|t/5-abc|12\n\nmore|5", "message|6-abc|x|6",
                "message|7-abc|y|7"), whole);
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        for (int cut = 1; cut < length; cut++) {
            for (int second = cut + 1; second <= length; second += 7) {
                assertEquals(whole, readChunked(body, cut, second), "cut at " + cut + " and " + second);
            }
        }
    }

    private List<String> readChunked(String body, int... cuts) {
        seen.clear();
        SseEvents events = SseEvents.chunked(handler);
        feed(events.parser(), body, cuts);
        assertTrue(events.parser().ended());
        return new ArrayList<>(seen);
    }

    @Test
    void readsWhatSseFramesWrites() {
        TopicVersion single = new TopicVersion("news", "k3f9x2ab", 42, 0, "a\nb\r\nc\rd".getBytes(StandardCharsets.UTF_8));
        TopicVersion named = new TopicVersion("news", "k3f9x2ab", 43, 0, "".getBytes(StandardCharsets.UTF_8));
        SseEvents events = SseEvents.chunked(handler);
        for (ByteBuf frame : List.of(SseFrames.retry(ByteBufAllocator.DEFAULT, 2500), SseFrames.event(ByteBufAllocator.DEFAULT, single),
                SseFrames.heartbeat(), SseFrames.namedEvent(ByteBufAllocator.DEFAULT, named), SseFrames.end())) {
            try {
                events.read(frame);
            } finally {
                frame.release();
            }
        }
        assertEquals(List.of("retry 2500", "message|42-k3f9x2ab|a\nb\nc\nd|42", "comment", "news|news/43-k3f9x2ab||43"), seen);
        assertTrue(events.parser().ended());
        assertEquals(0, events.parser().malformed());
    }
}
