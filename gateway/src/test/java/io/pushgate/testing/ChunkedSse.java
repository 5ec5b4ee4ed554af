package io.pushgate.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pushgate.wire.SseEvents;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Decodes what a raw socket read from a stream: skips the HTTP head, then the gateway's parser reads the chunked body. */
public final class ChunkedSse {
    private ChunkedSse() {
    }

    /** The complete events after the response head, in order. */
    public static List<SseClient.Event> events(byte[] raw) {
        int head = new String(raw, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
        if (head < 0) {
            return List.of();
        }
        List<SseClient.Event> events = new ArrayList<>();
        SseEvents parser = SseEvents.chunked((type, id, data, version) -> events.add(new SseClient.Event(type, id, data, version)));
        ByteBuf body = Unpooled.wrappedBuffer(raw, head + 4, raw.length - head - 4);
        try {
            parser.read(body);
        } finally {
            body.release();
        }
        return events;
    }

    /** As {@link #events(byte[])}, for bytes read as ISO-8859-1 (one char per byte). */
    public static List<SseClient.Event> events(String all) {
        return events(all.getBytes(StandardCharsets.ISO_8859_1));
    }
}
