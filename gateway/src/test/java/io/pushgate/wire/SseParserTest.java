package io.pushgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocation-free listener API: versions, data numbers, last id, counts, chunked framing. */
class SseParserTest {
    private final List<long[]> events = new ArrayList<>();
    private final SseParser chunked = SseParser.chunked((version, data) -> events.add(new long[] {version, data}));

    static String chunk(String payload) {
        return Integer.toHexString(payload.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + payload + "\r\n";
    }

    /** Feeds {@code body} to {@code parser} in pieces cut at {@code cuts} (ascending byte offsets). */
    static void feed(SseParser parser, String body, int... cuts) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ByteBuf piece = Unpooled.wrappedBuffer(bytes, from, to - from);
            try {
                parser.read(piece);
                assertFalse(piece.isReadable(), "read takes all bytes");
            } finally {
                piece.release();
            }
            from = to;
        }
    }

    private void assertEvent(int index, long version, long dataNumber) {
        assertEquals(version, events.get(index)[0], "version of event " + index);
        assertEquals(dataNumber, events.get(index)[1], "data number of event " + index);
    }

    @Test
    void readsPushgateIdsWithEpochAndFloorIdsWithout() {
        feed(chunked, chunk("id: 42-k3f9x2ab\ndata: 1700000000000001 pushgate-load\n\n") + chunk("id: 43\ndata: 7\n\n"));
        assertEquals(2, events.size());
        assertEvent(0, 42, 1700000000000001L);
        assertEvent(1, 43, 7);
        assertEquals("43", chunked.lastEventId());
        assertEquals(2, chunked.events());
        assertEquals(0, chunked.malformed());
    }

    @Test
    void readsTheVersionOfAMultiTopicId() {
        feed(chunked, chunk("event: a-1\nid: a-1/42-k3f9x2ab\ndata: x\n\n"));
        assertEvent(0, 42, -1);
        assertEquals("a-1/42-k3f9x2ab", chunked.lastEventId());
    }

    @Test
    void readsEventsSplitAtEveryByte() {
        String body = chunk("retry: 3000\n\n") + chunk(":\n\n") + chunk("id: 5-abc\ndata: 12\ndata: more\n\n")
                + chunk("id: 6-abc\r\ndata: 13\r\n\r\n") + chunk("id: 7-abc\rdata: 14\r\r");
        int[] everyByte = new int[body.length() - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        feed(chunked, body, everyByte);
        assertEquals(3, events.size());
        assertEvent(0, 5, 12);
        assertEvent(1, 6, 13);
        assertEvent(2, 7, 14);
        assertEquals("7-abc", chunked.lastEventId());
        assertEquals(0, chunked.malformed());
    }

    @Test
    void readsSeveralEventsInOneChunkAndOneEventOverTwoChunks() {
        feed(chunked, chunk("id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\nda") + chunk("ta: 3\n\n"));
        assertEquals(3, events.size());
        assertEvent(2, 3, 3);
    }

    @Test
    void takesACrlfSplitByAChunkBoundaryAsOneLineEnd() {
        feed(chunked, chunk("id: 1\r") + chunk("\ndata: 1\r") + chunk("\n\r") + chunk("\n"));
        assertEquals(1, events.size());
        assertEvent(0, 1, 1);
    }

    @Test
    void ignoresChunkExtensions() {
        feed(chunked, chunk("id: 1\ndata: 1\n\n").replaceFirst("\r\n", ";name=value\r\n"));
        assertEquals(1, events.size());
        assertEquals(0, chunked.malformed());
    }

    @Test
    void ignoresCommentsAndHeartbeats() {
        feed(chunked, chunk(":\n\n") + chunk(": keep-alive\n\n"));
        assertEquals(0, events.size());
        assertEquals(0, chunked.events());
    }

    @Test
    void countsAnEventWithoutNumericVersionAsMalformed() {
        feed(chunked, chunk("id: abc\ndata: 1\n\n") + chunk("data: 2\n\n"));
        assertEquals(2, events.size());
        assertEvent(0, -1, 1);
        assertEvent(1, -1, 2);
        assertEquals(2, chunked.malformed());
    }

    @Test
    void countsBrokenChunkFramingAsMalformed() {
        feed(chunked, "zz\r\n" + chunk("id: 1\ndata: 1\n\n"));
        assertEquals(1, events.size());
        assertTrue(chunked.malformed() > 0);
    }

    @Test
    void dispatchesNothingForAnEventWithoutData() {
        feed(chunked, chunk("id: 9-abc\n\n"));
        assertEquals(0, events.size());
        assertEquals("9-abc", chunked.lastEventId(), "WHATWG sets the last event id even so");
    }

    @Test
    void keepsTheLastIdOnlyOfDispatchedEvents() {
        feed(chunked, chunk("id: 1-abc\ndata: 1\n\nid: 2-abc\ndata: 2\n"));
        assertEquals("1-abc", chunked.lastEventId(), "event 2 is not complete yet");
        feed(chunked, chunk("\n"));
        assertEquals("2-abc", chunked.lastEventId());
    }

    @Test
    void startsWithNoLastEventId() {
        assertEquals("", chunked.lastEventId());
    }

    @Test
    void stopsAtTheLastChunk() {
        feed(chunked, chunk("id: 1\ndata: 1\n\n") + "0\r\n\r\n" + chunk("id: 2\ndata: 2\n\n"));
        assertTrue(chunked.ended());
        assertEquals(1, events.size());
    }

    @Test
    void readsABareEventStreamWithoutFraming() {
        SseParser bare = new SseParser((version, data) -> events.add(new long[] {version, data}));
        feed(bare, "id: 3-abc\ndata: 30\n\n", 7);
        assertEquals(1, events.size());
        assertEvent(0, 3, 30);
        assertFalse(bare.ended());
    }

    @Test
    void allocatesNothingPerEvent() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] sum = new long[1];
        SseParser parser = SseParser.chunked((version, data) -> sum[0] += version + data);
        byte[] body = (chunk("id: 42-k3f9x2ab\ndata: 1700000000000001 pushgate-load\n\n") + chunk(":\n\n"))
                .getBytes(StandardCharsets.UTF_8);
        ByteBuf in = Unpooled.wrappedBuffer(body);
        try {
            for (int i = 0; i < 20_000; i++) {
                parser.read(in.readerIndex(0));
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                parser.read(in.readerIndex(0));
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 10000 events");
            assertEquals(30_000, parser.events());
        } finally {
            in.release();
        }
    }

    @Test
    void anIdOnlyFrameDispatchesNothingButSetsTheLastEventIdEvenWhenLong() {
        StringBuilder cursors = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            cursors.append(i == 0 ? "" : ",").append("feed-").append(i).append("-").append("n".repeat(100)).append("/7-k3f9x2ab");
        }
        feed(chunked, chunk("event: b\nid: b/1-k3f9x2ab\ndata: x\n\n") + chunk("id: " + cursors + "\n\n"));
        assertEquals(1, events.size(), "the id-only frame is no event");
        assertEquals(cursors.toString(), chunked.lastEventId());
        assertEquals(0, chunked.malformed());
    }
}
