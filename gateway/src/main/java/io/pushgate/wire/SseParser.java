package io.pushgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Reads an event stream (WHATWG HTML, "Server-sent events", "Interpreting an event stream") as its
 * bytes arrive, split anywhere: the fields {@code id}, {@code event}, {@code data} and
 * {@code retry}, comments, and CR, LF or CRLF line ends. With {@link #chunked} it first takes off
 * the HTTP/1.1 chunked framing, for a client that reads the socket itself.
 *
 * <p>For each event it tells its {@link Listener} the event's version (the digits of its {@code id:}
 * before {@code -<epoch>}, after an optional {@code <topic>/}, so pushgate's {@code 42-k3f9x2ab},
 * {@code t/42-k3f9x2ab} and a plain {@code 42} all parse) and the leading digits of its first
 * {@code data:} line. Reading the stream and telling the listener allocate nothing per event: the
 * load generator runs one parser per stream on its event loops. Only {@link #eventType()} and
 * {@link #lastEventId()} make Strings, when called. {@link SseEvents} builds whole events as Strings
 * on top of this, for tests.
 *
 * <p>Thread rules: one parser per stream, used by one thread at a time (a stream's event loop).
 */
public final class SseParser {
    /** Told what the stream carries; the parser's accessors describe the event during {@link #onEvent}. */
    public interface Listener {
        /**
         * An event was dispatched (a blank line ended an event with at least one {@code data} field).
         *
         * @param version    the version in the event's own {@code id:} line, -1 if it had none or
         *                   the id has no version
         * @param dataNumber the leading digits of its first {@code data:} line, -1 if none
         */
        void onEvent(long version, long dataNumber);

        /** A piece of the value of a {@code data:} line; the bytes are {@code in}'s only during the call. */
        default void onData(ByteBuf in, int index, int length) {
        }

        /** A {@code data:} line ended (WHATWG appends a LF to the data buffer here). */
        default void onDataLineEnd() {
        }

        /** A comment line ({@code :...}), such as pushgate's heartbeat. */
        default void onComment() {
        }

        /** A {@code retry:} field with a valid value (ASCII digits only). */
        default void onRetry(long millis) {
        }
    }

    /** An id or event type longer than this is ignored and counted malformed; no pushgate id is (see {@link LastEventId}). */
    /** Room for the id-only cursor frame of a stream of many feeds ({@link EventIds#parseList}). */
    static final int MAX_VALUE_BYTES = 16 * 1024;
    /** 18 decimal digits always fit in a long. */
    private static final int MAX_DIGITS = 18;

    private enum Field { NAME, COMMENT, ID, EVENT, DATA, RETRY, OTHER }

    private final Listener listener;
    /** Null when the bytes are the event stream itself. */
    private final ChunkedFraming chunks;

    // The line being read.
    private Field field = Field.NAME;
    private final byte[] name = new byte[5];
    /** Bytes of the field name so far; one more than {@code name} holds means "no field we know". */
    private int nameLength;
    private boolean skipSpace;
    private boolean afterCr;
    private long number;
    private int digits;
    private boolean numberOpen;

    // The event being read.
    private boolean hasData;
    private long version = -1;
    private long dataNumber = -1;
    private final Value pendingId = new Value();
    private final Value eventType = new Value();

    // Kept across events, as WHATWG's "last event ID buffer" and "last event ID string".
    private final Value idBuffer = new Value();
    private final Value lastEventId = new Value();
    private boolean idChanged;

    private long events;
    private long malformed;

    /** A parser of a bare event stream (what follows the head once an HTTP client took off the framing). */
    public SseParser(Listener listener) {
        this.listener = listener;
        this.chunks = null;
    }

    private SseParser(Listener listener, boolean chunked) {
        this.listener = listener;
        this.chunks = chunked ? new ChunkedFraming(this) : null;
    }

    /** A parser of a response body in HTTP/1.1 chunked framing, as pushgate sends it. */
    public static SseParser chunked(Listener listener) {
        return new SseParser(listener, true);
    }

    /** Reads all readable bytes of {@code in}; does not release it. */
    public void read(ByteBuf in) {
        if (chunks != null) {
            chunks.read(in);
        } else {
            parse(in, in.readerIndex(), in.readableBytes());
            in.skipBytes(in.readableBytes());
        }
    }

    /** The type of the event being dispatched: its {@code event:} value, else "message". */
    String eventType() {
        return eventType.length == 0 ? "message" : eventType.toString();
    }

    /** WHATWG's last event id: of the last dispatched event, "" before any; sent as {@code Last-Event-ID}. */
    public String lastEventId() {
        return lastEventId.toString();
    }

    /** Events dispatched so far. */
    public long events() {
        return events;
    }

    /** Bytes that broke the chunked framing, events without a version, ids and types too long to keep. */
    public long malformed() {
        return malformed + (chunks == null ? 0 : chunks.malformed());
    }

    /** Whether the last chunk (size 0) has arrived: the server ended the stream. Never for a bare stream. */
    public boolean ended() {
        return chunks != null && chunks.ended();
    }

    /** Event-stream bytes {@code in[index, index + length)}; leaves the reader index alone. */
    void parse(ByteBuf in, int index, int length) {
        int end = index + length;
        int i = index;
        while (i < end) {
            if (afterCr) {
                afterCr = false;
                if (in.getByte(i) == '\n') {
                    i++;
                    continue;
                }
            }
            int eol = in.forEachByte(i, end - i, ByteProcessor.FIND_CRLF);
            int stop = eol < 0 ? end : eol;
            if (stop > i) {
                linePiece(in, i, stop);
            }
            if (eol < 0) {
                return;
            }
            afterCr = in.getByte(eol) == '\r';
            endLine();
            i = eol + 1;
        }
    }

    /** Part of a line, without its end. */
    private void linePiece(ByteBuf in, int from, int to) {
        int i = from;
        while (field == Field.NAME) {
            if (i == to) {
                return;
            }
            byte b = in.getByte(i++);
            if (b == ':') {
                startValue(nameLength == 0 ? Field.COMMENT : fieldNamed());
            } else if (nameLength < name.length) {
                name[nameLength++] = b;
            } else {
                nameLength = name.length + 1;
            }
        }
        if (skipSpace && i < to) {
            skipSpace = false;
            if (in.getByte(i) == ' ') {
                i++;
            }
        }
        if (i < to) {
            value(in, i, to);
        }
    }

    private void value(ByteBuf in, int from, int to) {
        switch (field) {
            case DATA -> {
                listener.onData(in, from, to - from);
                digits(in, from, to);
            }
            case ID -> pendingId.append(in, from, to);
            case EVENT -> eventType.append(in, from, to);
            case RETRY -> digits(in, from, to);
            default -> { }
        }
    }

    /**
     * Adds the leading digits of {@code in[from, to)} to the open number; the first other byte, or
     * a digit beyond {@link #MAX_DIGITS}, closes it.
     */
    private void digits(ByteBuf in, int from, int to) {
        for (int i = from; i < to && numberOpen; i++) {
            byte b = in.getByte(i);
            if (b >= '0' && b <= '9' && digits < MAX_DIGITS) {
                number = number * 10 + (b - '0');
                digits++;
            } else {
                numberOpen = false;
            }
        }
    }

    private Field fieldNamed() {
        if (is("data")) {
            return Field.DATA;
        } else if (is("id")) {
            return Field.ID;
        } else if (is("event")) {
            return Field.EVENT;
        } else if (is("retry")) {
            return Field.RETRY;
        }
        return Field.OTHER;
    }

    private boolean is(String fieldName) {
        if (nameLength != fieldName.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (name[i] != fieldName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void startValue(Field f) {
        field = f;
        skipSpace = true;
        number = 0;
        digits = 0;
        numberOpen = false;
        switch (f) {
            case DATA -> {
                numberOpen = !hasData;
                hasData = true;
            }
            case ID -> pendingId.clear();
            case EVENT -> eventType.clear();
            case RETRY -> numberOpen = true;
            default -> { }
        }
    }

    private void endLine() {
        if (field == Field.NAME) {
            if (nameLength == 0) {
                dispatch();
                return;
            }
            // A line without a colon names a field whose value is empty.
            startValue(fieldNamed());
        }
        switch (field) {
            case DATA -> {
                if (digits > 0 && dataNumber < 0) {
                    dataNumber = number;
                }
                listener.onDataLineEnd();
            }
            case ID -> endId();
            case EVENT -> {
                if (eventType.tooLong) {
                    malformed++;
                    eventType.clear();
                }
            }
            case RETRY -> {
                // WHATWG: a value of anything but ASCII digits is ignored.
                if (digits > 0 && numberOpen) {
                    listener.onRetry(number);
                }
            }
            case COMMENT -> listener.onComment();
            default -> { }
        }
        field = Field.NAME;
        nameLength = 0;
    }

    /** WHATWG: an id with a NUL is ignored; else it becomes the last event ID buffer. */
    private void endId() {
        if (pendingId.tooLong) {
            malformed++;
            return;
        }
        if (pendingId.contains((byte) 0)) {
            return;
        }
        idBuffer.exchange(pendingId);
        idChanged = true;
        version = idBuffer.version();
    }

    private void dispatch() {
        if (idChanged) {
            lastEventId.copyOf(idBuffer);
            idChanged = false;
        }
        if (hasData) {
            events++;
            if (version < 0) {
                malformed++;
            }
            listener.onEvent(version, dataNumber);
        }
        hasData = false;
        version = -1;
        dataNumber = -1;
        eventType.clear();
    }

    /** A field value kept as bytes, grown up to {@link #MAX_VALUE_BYTES} (once per stream, not per event). */
    private static final class Value {
        private byte[] bytes = new byte[32];
        private int length;
        private boolean tooLong;

        void clear() {
            length = 0;
            tooLong = false;
        }

        void append(ByteBuf in, int from, int to) {
            int n = to - from;
            if (tooLong || length + n > MAX_VALUE_BYTES) {
                tooLong = true;
                return;
            }
            if (length + n > bytes.length) {
                byte[] grown = new byte[Math.min(MAX_VALUE_BYTES, Math.max(length + n, 2 * bytes.length))];
                System.arraycopy(bytes, 0, grown, 0, length);
                bytes = grown;
            }
            in.getBytes(from, bytes, length, n);
            length += n;
        }

        boolean contains(byte b) {
            for (int i = 0; i < length; i++) {
                if (bytes[i] == b) {
                    return true;
                }
            }
            return false;
        }

        /** Exchanges contents with {@code other} by swapping arrays: no copy. */
        void exchange(Value other) {
            byte[] mine = bytes;
            bytes = other.bytes;
            other.bytes = mine;
            int otherLength = other.length;
            other.length = length;
            length = otherLength;
            boolean otherTooLong = other.tooLong;
            other.tooLong = tooLong;
            tooLong = otherTooLong;
        }

        void copyOf(Value other) {
            if (bytes.length < other.length) {
                bytes = new byte[other.bytes.length];
            }
            System.arraycopy(other.bytes, 0, bytes, 0, other.length);
            length = other.length;
        }

        /**
         * The version in an id {@code [<topic>/]<digits>[-<epoch>]}, -1 if there is none. A topic
         * name cannot contain '/', so the first one ends the topic.
         */
        long version() {
            int start = 0;
            for (int i = 0; i < length; i++) {
                if (bytes[i] == '/') {
                    start = i + 1;
                    break;
                }
            }
            long value = 0;
            int i = start;
            for (; i < length && bytes[i] != '-'; i++) {
                byte b = bytes[i];
                if (b < '0' || b > '9' || i - start >= MAX_DIGITS) {
                    return -1;
                }
                value = value * 10 + (b - '0');
            }
            return i == start ? -1 : value;
        }

        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }
}
