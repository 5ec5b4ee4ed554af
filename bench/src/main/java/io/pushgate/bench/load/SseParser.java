package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Reads an SSE response body as it arrives: HTTP/1.1 chunked framing, then event-stream lines
 * ({@code id:}, {@code data:}, comments, {@code retry:}), split anywhere by TCP. For each event it
 * tells its listener the version (the digits of {@code id:} before an optional {@code -<epoch>}, so
 * both pushgate's {@code 42-k3f9x2ab} and the floor's {@code 42} parse) and the leading digits of the
 * first {@code data:} line (the load generator's texts start with their publish time in Unix
 * micros). Allocates nothing per event.
 *
 * <p>Thread rules: one per stream, on its event loop.
 */
final class SseParser {
    /** Told of every event; reads the event's fields from the parser during the call. */
    interface Listener {
        void onEvent(long version, long dataNumber);
    }

    private static final int MAX_ID = 64;
    private static final int MAX_FIELD = 8;

    private enum Chunk { SIZE, SIZE_EXTENSION, DATA, DATA_CR, DATA_LF, ENDED }

    private enum Field { NONE, ID, DATA, OTHER }

    private final Listener listener;
    private Chunk chunk = Chunk.SIZE;
    private long chunkLeft;
    private boolean sizeDigits;

    // The line being read.
    private final byte[] fieldName = new byte[MAX_FIELD];
    private int fieldLength;
    private boolean inValue;
    private boolean skipSpace;
    private Field field = Field.NONE;
    private boolean numberOpen;

    // The event being read.
    private final byte[] id = new byte[MAX_ID];
    private int idLength;
    private boolean hasId;
    private long version = -1;
    private boolean hasData;
    private long dataNumber = -1;
    private boolean firstDataLine = true;

    // The last event id seen, for Last-Event-ID on a reconnect.
    private final byte[] lastId = new byte[MAX_ID];
    private int lastIdLength;

    private long events;
    private long malformed;

    SseParser(Listener listener) {
        this.listener = listener;
    }

    /** Reads all of {@code in} (does not release it). */
    void read(ByteBuf in) {
        while (in.isReadable()) {
            switch (chunk) {
                case SIZE -> {
                    byte b = in.readByte();
                    int digit = Character.digit(b, 16);
                    if (digit >= 0) {
                        chunkLeft = chunkLeft * 16 + digit;
                        sizeDigits = true;
                    } else if (b == ';') {
                        chunk = Chunk.SIZE_EXTENSION;
                    } else if (b == '\n') {
                        endSizeLine();
                    } else if (b != '\r') {
                        malformed++;
                    }
                }
                case SIZE_EXTENSION -> {
                    if (in.readByte() == '\n') {
                        endSizeLine();
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(chunkLeft, in.readableBytes());
                    int end = in.readerIndex() + n;
                    for (int i = in.readerIndex(); i < end; i++) {
                        sse(in.getByte(i));
                    }
                    in.readerIndex(end);
                    chunkLeft -= n;
                    if (chunkLeft == 0) {
                        chunk = Chunk.DATA_CR;
                    }
                }
                case DATA_CR -> {
                    byte b = in.readByte();
                    chunk = b == '\r' ? Chunk.DATA_LF : b == '\n' ? Chunk.SIZE : malformedChunk();
                }
                case DATA_LF -> chunk = in.readByte() == '\n' ? Chunk.SIZE : malformedChunk();
                case ENDED -> in.skipBytes(in.readableBytes());
            }
        }
    }

    private Chunk malformedChunk() {
        malformed++;
        return Chunk.SIZE;
    }

    private void endSizeLine() {
        if (!sizeDigits) {
            malformed++;
            return;
        }
        sizeDigits = false;
        if (chunkLeft == 0) {
            chunk = Chunk.ENDED;
        } else {
            chunk = Chunk.DATA;
        }
    }

    /** One byte of the event stream. */
    private void sse(byte b) {
        if (b == '\r') {
            return;
        }
        if (b == '\n') {
            endLine();
            return;
        }
        if (!inValue) {
            if (b == ':') {
                inValue = true;
                skipSpace = true;
                field = fieldLength == 0 ? Field.OTHER : fieldOf();
                startValue();
            } else if (fieldLength < MAX_FIELD) {
                fieldName[fieldLength++] = b;
            } else {
                fieldLength = MAX_FIELD + 1;
            }
            return;
        }
        if (skipSpace) {
            skipSpace = false;
            if (b == ' ') {
                return;
            }
        }
        switch (field) {
            case ID -> {
                if (idLength < MAX_ID) {
                    id[idLength++] = b;
                }
                if (numberOpen) {
                    if (b >= '0' && b <= '9') {
                        version = (version < 0 ? 0 : version * 10) + (b - '0');
                    } else {
                        numberOpen = false;
                        if (b != '-') {
                            version = -1;
                        }
                    }
                }
            }
            case DATA -> {
                if (numberOpen) {
                    if (b >= '0' && b <= '9') {
                        dataNumber = (dataNumber < 0 ? 0 : dataNumber * 10) + (b - '0');
                    } else {
                        numberOpen = false;
                    }
                }
            }
            default -> { }
        }
    }

    private Field fieldOf() {
        if (fieldLength == 2 && fieldName[0] == 'i' && fieldName[1] == 'd') {
            return Field.ID;
        }
        if (fieldLength == 4 && fieldName[0] == 'd' && fieldName[1] == 'a' && fieldName[2] == 't' && fieldName[3] == 'a') {
            return Field.DATA;
        }
        return Field.OTHER;
    }

    private void startValue() {
        numberOpen = false;
        if (field == Field.ID) {
            hasId = true;
            idLength = 0;
            version = -1;
            numberOpen = true;
        } else if (field == Field.DATA) {
            hasData = true;
            numberOpen = firstDataLine;
            firstDataLine = false;
        }
    }

    private void endLine() {
        if (!inValue) {
            if (fieldLength == 0) {
                dispatch();
                return;
            }
            // A field name without a colon: the whole line is the name and the value is empty.
            field = fieldOf();
            startValue();
        }
        fieldLength = 0;
        inValue = false;
        field = Field.NONE;
        numberOpen = false;
    }

    private void dispatch() {
        if (hasData || hasId) {
            if (hasId) {
                System.arraycopy(id, 0, lastId, 0, idLength);
                lastIdLength = idLength;
            }
            events++;
            if (!hasId || version < 0) {
                malformed++;
            }
            listener.onEvent(hasId ? version : -1, dataNumber);
        }
        hasId = false;
        hasData = false;
        version = -1;
        dataNumber = -1;
        firstDataLine = true;
    }

    /** The id of the last event, for {@code Last-Event-ID}; null before the first. */
    String lastEventId() {
        return lastIdLength == 0 ? null : new String(lastId, 0, lastIdLength, StandardCharsets.US_ASCII);
    }

    /** Events dispatched so far. */
    long events() {
        return events;
    }

    /** Bytes that broke the chunked framing, and events without a numeric version. */
    long malformed() {
        return malformed;
    }

    /** Whether the last chunk (size 0) has arrived: the server ended the stream. */
    boolean ended() {
        return chunk == Chunk.ENDED;
    }
}
