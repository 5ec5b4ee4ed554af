package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseParserTest {
    private final List<long[]> events = new ArrayList<>();
    private final SseParser parser = new SseParser((version, data) -> events.add(new long[] {version, data}));

    private static String chunk(String payload) {
        return Integer.toHexString(payload.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + payload + "\r\n";
    }

    private void feed(String body) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        parser.read(buf);
        buf.release();
    }

    @Test
    void readsPushgateIdsWithEpochAndFloorIdsWithout() {
        feed(chunk("id: 42-k3f9x2ab\ndata: 1700000000000001 pushgate-load\n\n") + chunk("id: 43\ndata: 7\n\n"));
        assertEquals(2, events.size());
        assertEquals(42, events.get(0)[0]);
        assertEquals(1700000000000001L, events.get(0)[1]);
        assertEquals(43, events.get(1)[0]);
        assertEquals(7, events.get(1)[1]);
        assertEquals("43", parser.lastEventId());
        assertEquals(0, parser.malformed());
    }

    @Test
    void readsEventsSplitAtEveryByte() {
        String body = chunk("retry: 3000\n\n") + chunk(":\n\n") + chunk("id: 5-abc\ndata: 12\ndata: more\n\n")
                + chunk("id: 6-abc\r\ndata: 13\r\n\r\n");
        for (byte b : body.getBytes(StandardCharsets.UTF_8)) {
            ByteBuf one = Unpooled.wrappedBuffer(new byte[] {b});
            parser.read(one);
        }
        assertEquals(2, events.size());
        assertEquals(5, events.get(0)[0]);
        assertEquals(12, events.get(0)[1]);
        assertEquals(6, events.get(1)[0]);
        assertEquals(13, events.get(1)[1]);
        assertEquals("6-abc", parser.lastEventId());
    }

    @Test
    void readsSeveralEventsInOneChunkAndOneEventOverTwoChunks() {
        feed(chunk("id: 1\ndata: 1\n\nid: 2\ndata: 2\n\nid: 3\nda") + chunk("ta: 3\n\n"));
        assertEquals(3, events.size());
        assertEquals(3, events.get(2)[0]);
        assertEquals(3, events.get(2)[1]);
    }

    @Test
    void ignoresCommentsAndHeartbeats() {
        feed(chunk(":\n\n") + chunk(": keep-alive\n\n"));
        assertEquals(0, events.size());
    }

    @Test
    void countsAnEventWithoutNumericVersionAsMalformed() {
        feed(chunk("id: abc\ndata: 1\n\n"));
        assertEquals(1, events.size());
        assertEquals(-1, events.get(0)[0]);
        assertEquals(1, parser.malformed());
    }

    @Test
    void stopsAtTheLastChunk() {
        feed(chunk("id: 1\ndata: 1\n\n") + "0\r\n\r\n");
        assertTrue(parser.ended());
        assertEquals(1, events.size());
    }
}
