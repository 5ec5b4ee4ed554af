package io.pushgate.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Decodes what a raw socket read from a stream: the HTTP head, the chunks, then the SSE events. */
public final class ChunkedSse {
    private ChunkedSse() {
    }

    /** The (id, data) of each complete event after the response head, in order. */
    public static List<SseClient.Event> events(byte[] raw) {
        return events(new String(raw, StandardCharsets.ISO_8859_1));
    }

    /** As {@link #events(byte[])}, for bytes read as ISO-8859-1 (one char per byte). */
    public static List<SseClient.Event> events(String all) {
        int body = all.indexOf("\r\n\r\n");
        if (body < 0) {
            return List.of();
        }
        StringBuilder payload = new StringBuilder();
        int at = body + 4;
        while (at < all.length()) {
            int lineEnd = all.indexOf("\r\n", at);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(all.substring(at, lineEnd), 16);
            if (size == 0 || lineEnd + 2 + size + 2 > all.length()) {
                break;
            }
            payload.append(all, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
        String sse = new String(payload.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        List<SseClient.Event> events = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            String id = null;
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data:")) {
                    String value = line.startsWith("data: ") ? line.substring(6) : line.substring(5);
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                }
            }
            if (id != null && data != null) {
                events.add(new SseClient.Event("message", id, data.toString()));
            }
        }
        return events;
    }
}
