package io.pushgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.TopicVersion;

import java.nio.charset.StandardCharsets;

/**
 * The event-stream wire format (WHATWG HTML, "Server-sent events"), already wrapped in one HTTP/1.1
 * chunk: {@code <hex size>\r\n<event>\r\n}. A frame is written to a channel whose HTTP encoder has
 * left the pipeline, so these bytes go to the socket as they are.
 *
 * <p>A text is split into one {@code data:} line per line, where CR, LF and CRLF all end a line:
 * that is how the browser's parser splits them, so no text can end an event early or inject an
 * {@code id:} or {@code event:} line. UTF-8 never uses the bytes 0x0A/0x0D inside a multi-byte
 * character, so the split works on bytes.
 *
 * <p>Stateless; any thread.
 */
public final class SseFrames {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] ID = bytes("id: ");
    private static final byte[] EVENT = bytes("event: ");
    private static final byte[] DATA = bytes("data: ");
    private static final byte[] DATA_EMPTY = bytes("data:");
    private static final byte[] RETRY = bytes("retry: ");
    /** The name of the event that says why the node ended a stream. */
    private static final byte[] CLOSED_EVENT = bytes("pushgate.closed");
    /** The name of the event that says a topic's state was deleted; the stream stays open. */
    private static final byte[] DELETED_EVENT = bytes("pushgate.deleted");
    /** The name of the event that says a stream missed events of a feed; the feed's kept events follow. */
    private static final byte[] RESET_EVENT = bytes("pushgate.reset");

    /** The last chunk of a chunked body. */
    private static final ByteBuf END = constant(bytes("0\r\n\r\n"));
    /** A comment heartbeat ({@code :\n\n}) in its chunk. */
    private static final ByteBuf HEARTBEAT = constant(chunkOf(bytes(":\n\n")));

    private SseFrames() {
    }

    /**
     * Encodes one version as an unnamed event ({@code id: <version>-<epoch>}), for single-topic
     * streams. The caller owns the returned buffer.
     */
    public static ByteBuf event(ByteBufAllocator alloc, TopicVersion v) {
        return encode(alloc, null, bytes(EventIds.of(v)), v.text());
    }

    /**
     * Encodes one version as an event named by its topic, with {@code id: <topic>/<version>-<epoch>},
     * for streams of several topics. The caller owns the returned buffer.
     */
    public static ByteBuf namedEvent(ByteBufAllocator alloc, TopicVersion v) {
        return encode(alloc, bytes(v.topic()), bytes(EventIds.named(v)), v.text());
    }

    /**
     * Encodes one version as an event named by its topic without an {@code id:} line, for streams
     * that hold feeds: the browser's last event id then stays the feeds' cursor (a topic sends its
     * latest version after a reconnect anyway). The caller owns the returned buffer.
     */
    public static ByteBuf namedEventWithoutId(ByteBufAllocator alloc, TopicVersion v) {
        return encode(alloc, bytes(v.topic()), null, v.text());
    }

    /** Encodes one feed event as an unnamed event ({@code id: <seq>-<epoch>}), for streams of one feed. Caller owns it. */
    public static ByteBuf feedEvent(ByteBufAllocator alloc, FeedEvent e) {
        return encode(alloc, null, bytes(EventIds.of(e.seq(), e.epoch())), e.text());
    }

    /**
     * Encodes one feed event named by its feed, with {@code id: <feed>/<seq>-<epoch>}, for streams
     * of several topics and feeds. The caller owns the returned buffer.
     */
    public static ByteBuf namedFeedEvent(ByteBufAllocator alloc, FeedEvent e) {
        return encode(alloc, bytes(e.feed()), bytes(EventIds.named(e.feed(), e.seq(), e.epoch())), e.text());
    }

    /**
     * The event that tells a stream that it missed events of {@code feed} ({@code event:
     * pushgate.reset}, {@code data: <feed>}, no {@code id:}); the events the feed keeps follow it.
     * Named {@code pushgate.*} as the gateway's other events, since a feed may be named {@code reset}.
     * The caller owns the returned buffer.
     */
    public static ByteBuf reset(ByteBufAllocator alloc, String feed) {
        return control(alloc, RESET_EVENT, bytes(feed));
    }

    /**
     * The id-only frame of a stream of several feeds ({@code id: b/57-e1,c/12-e2}, no {@code data:}:
     * it dispatches no event but sets the browser's last event id to every feed's cursor). Feed
     * {@code i} is {@code names[i]} at ({@code epochs[i]}, {@code seqs[i]}); one with a null epoch
     * holds no cursor yet and is left out. {@code null} when none holds one. The caller owns it.
     */
    public static ByteBuf cursors(ByteBufAllocator alloc, byte[][] names, String[] epochs, long[] seqs) {
        int payload = ID.length + 2;
        int count = 0;
        for (int i = 0; i < names.length; i++) {
            if (epochs[i] != null) {
                payload += (count++ > 0 ? 1 : 0) + names[i].length + 1 + digits(seqs[i]) + 1 + epochs[i].length();
            }
        }
        if (count == 0) {
            return null;
        }
        ByteBuf buf = alloc.buffer(chunkOverhead(payload) + payload);
        writeChunkHead(buf, payload);
        buf.writeBytes(ID);
        boolean first = true;
        for (int i = 0; i < names.length; i++) {
            if (epochs[i] != null) {
                if (!first) {
                    buf.writeByte(',');
                }
                first = false;
                buf.writeBytes(names[i]).writeByte('/');
                buf.writeCharSequence(Long.toString(seqs[i]), StandardCharsets.US_ASCII);
                buf.writeByte('-').writeCharSequence(epochs[i], StandardCharsets.US_ASCII);
            }
        }
        buf.writeByte('\n').writeByte('\n');
        return buf.writeBytes(CRLF);
    }

    private static int digits(long value) {
        return Long.toString(value).length();
    }

    /** A {@code retry:} hint in its own chunk (no event is dispatched for it). Caller owns it. */
    public static ByteBuf retry(ByteBufAllocator alloc, long millis) {
        byte[] value = bytes(Long.toString(millis));
        int payload = RETRY.length + value.length + 2;
        ByteBuf buf = alloc.buffer(chunkOverhead(payload) + payload);
        writeChunkHead(buf, payload);
        buf.writeBytes(RETRY).writeBytes(value).writeByte('\n').writeByte('\n');
        return buf.writeBytes(CRLF);
    }

    /**
     * The whole body of a stream refused for now (not a chunk: it goes out with a Content-Length):
     * a comment that says why, and the {@code retry:} after which the client comes back.
     */
    public static byte[] refusal(String why, long retryMillis) {
        return bytes(": " + why + "\nretry: " + retryMillis + "\n\n");
    }

    /**
     * The event a stream's last words are in when the node ends it for a reason the client should
     * act on ({@code event: pushgate.closed}, {@code data: <reason>}; no {@code id:}, so the
     * client's last event id stays). The caller owns the returned buffer.
     */
    public static ByteBuf closed(ByteBufAllocator alloc, String reason) {
        return control(alloc, CLOSED_EVENT, bytes(reason));
    }

    /** An event of the gateway's own, {@code event: <name>} with one {@code data:} line, in its chunk. */
    private static ByteBuf control(ByteBufAllocator alloc, byte[] name, byte[] data) {
        int payload = EVENT.length + name.length + 1 + DATA.length + data.length + 2;
        ByteBuf buf = alloc.buffer(chunkOverhead(payload) + payload);
        writeChunkHead(buf, payload);
        buf.writeBytes(EVENT).writeBytes(name).writeByte('\n');
        buf.writeBytes(DATA).writeBytes(data).writeByte('\n').writeByte('\n');
        return buf.writeBytes(CRLF);
    }

    /**
     * The event that tells a stream that {@code topic}'s state was deleted ({@code event:
     * pushgate.deleted}, {@code data: <topic>}, the same on single- and multi-topic streams; no
     * {@code id:}, so the client's last event id stays, and a later publish of the topic, a new
     * epoch, reaches it as usual). The caller owns the returned buffer.
     */
    public static ByteBuf deleted(ByteBufAllocator alloc, String topic) {
        return control(alloc, DELETED_EVENT, bytes(topic));
    }

    /** A fresh reference to the shared heartbeat chunk; writing it hands it to the channel. */
    public static ByteBuf heartbeat() {
        return HEARTBEAT.duplicate();
    }

    /** A fresh reference to the shared terminating chunk. */
    public static ByteBuf end() {
        return END.duplicate();
    }

    /**
     * The event-stream bytes of {@code chunk}, one of the chunks above, without the chunk's framing,
     * for a body whose end is the close of the connection (a client of HTTP/1.0 knows no chunked
     * coding). Takes ownership of {@code chunk}; the result is a slice of the same memory (no copy,
     * so a frame the hub encoded once for every stream stays shared), owned by the caller. The
     * terminating chunk gives an empty buffer.
     */
    public static ByteBuf unchunked(ByteBuf chunk) {
        int start = chunk.indexOf(chunk.readerIndex(), chunk.writerIndex(), (byte) '\n') + 1;
        int length = Math.max(0, chunk.writerIndex() - CRLF.length - start);
        ByteBuf payload = chunk.retainedSlice(start, length);
        chunk.release();
        return payload;
    }

    static ByteBuf encode(ByteBufAllocator alloc, byte[] event, byte[] id, byte[] text) {
        int payload = payloadLength(event, id, text);
        ByteBuf buf = alloc.directBuffer(chunkOverhead(payload) + payload);
        writeChunkHead(buf, payload);
        if (event != null) {
            buf.writeBytes(EVENT).writeBytes(event).writeByte('\n');
        }
        if (id != null) {
            buf.writeBytes(ID).writeBytes(id).writeByte('\n');
        }
        int start = 0;
        int i = 0;
        while (i < text.length) {
            byte b = text[i];
            if (b == '\n' || b == '\r') {
                writeDataLine(buf, text, start, i);
                i += (b == '\r' && i + 1 < text.length && text[i + 1] == '\n') ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        writeDataLine(buf, text, start, text.length);
        buf.writeByte('\n');
        return buf.writeBytes(CRLF);
    }

    private static int payloadLength(byte[] event, byte[] id, byte[] text) {
        int length = event == null ? 0 : EVENT.length + event.length + 1;
        length += id == null ? 0 : ID.length + id.length + 1;
        int start = 0;
        int i = 0;
        while (i < text.length) {
            byte b = text[i];
            if (b == '\n' || b == '\r') {
                length += dataLineLength(i - start);
                i += (b == '\r' && i + 1 < text.length && text[i + 1] == '\n') ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        return length + dataLineLength(text.length - start) + 1;
    }

    private static int dataLineLength(int lineBytes) {
        return (lineBytes == 0 ? DATA_EMPTY.length : DATA.length + lineBytes) + 1;
    }

    private static void writeDataLine(ByteBuf buf, byte[] text, int from, int to) {
        if (from == to) {
            buf.writeBytes(DATA_EMPTY);
        } else {
            buf.writeBytes(DATA).writeBytes(text, from, to - from);
        }
        buf.writeByte('\n');
    }

    private static int chunkOverhead(int payload) {
        return hexDigits(payload) + 4;
    }

    private static void writeChunkHead(ByteBuf buf, int payload) {
        for (int shift = (hexDigits(payload) - 1) * 4; shift >= 0; shift -= 4) {
            buf.writeByte(Character.forDigit((payload >>> shift) & 0xF, 16));
        }
        buf.writeBytes(CRLF);
    }

    private static int hexDigits(int value) {
        return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(value) + 3) / 4);
    }

    static byte[] chunkOf(byte[] payload) {
        ByteBuf buf = Unpooled.buffer();
        writeChunkHead(buf, payload.length);
        buf.writeBytes(payload).writeBytes(CRLF);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    private static ByteBuf constant(byte[] content) {
        return Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(content.length).writeBytes(content).asReadOnly());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
