package io.pushgate.wire;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Whole events as Strings, on top of {@link SseParser}: the event type ("message" when unnamed), the
 * last event id and the data (WHATWG's data buffer: the {@code data:} lines joined by LF), for tests
 * and tools. Allocates per event; a client on a hot path uses {@link SseParser.Listener} itself.
 *
 * <p>Thread rules: those of {@link SseParser}; the handler is called on the reading thread.
 */
public final class SseEvents {
    /** Told of each event, comment and retry hint. */
    public interface Handler {
        /** An event; {@code version} as in {@link SseParser.Listener#onEvent}. */
        void onEvent(String type, String id, String data, long version);

        default void onComment() {
        }

        default void onRetry(long millis) {
        }
    }

    private final Handler handler;
    private final SseParser parser;
    private byte[] data = new byte[256];
    private int dataLength;

    /** Events of a bare event stream. */
    public SseEvents(Handler handler) {
        this(handler, false);
    }

    private SseEvents(Handler handler, boolean chunked) {
        this.handler = handler;
        Listener listener = new Listener();
        this.parser = chunked ? SseParser.chunked(listener) : new SseParser(listener);
    }

    /** Events of a response body in HTTP/1.1 chunked framing. */
    public static SseEvents chunked(Handler handler) {
        return new SseEvents(handler, true);
    }

    /** Reads all readable bytes of {@code in}; does not release it. */
    public void read(ByteBuf in) {
        parser.read(in);
    }

    /** The parser underneath, for its counts and state. */
    public SseParser parser() {
        return parser;
    }

    private final class Listener implements SseParser.Listener {
        @Override
        public void onEvent(long version, long dataNumber) {
            // WHATWG: the data buffer's last LF is removed.
            String text = new String(data, 0, dataLength - 1, StandardCharsets.UTF_8);
            dataLength = 0;
            handler.onEvent(parser.eventType(), parser.lastEventId(), text, version);
        }

        @Override
        public void onData(ByteBuf in, int index, int length) {
            ensure(length);
            in.getBytes(index, data, dataLength, length);
            dataLength += length;
        }

        @Override
        public void onDataLineEnd() {
            ensure(1);
            data[dataLength++] = '\n';
        }

        @Override
        public void onComment() {
            handler.onComment();
        }

        @Override
        public void onRetry(long millis) {
            handler.onRetry(millis);
        }

        private void ensure(int more) {
            if (dataLength + more > data.length) {
                data = Arrays.copyOf(data, Math.max(dataLength + more, 2 * data.length));
            }
        }
    }
}
