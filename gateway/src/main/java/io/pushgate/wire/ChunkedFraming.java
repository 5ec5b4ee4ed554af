package io.pushgate.wire;

import io.netty.buffer.ByteBuf;

/**
 * Takes the HTTP/1.1 chunked framing ({@code <hex size>[;ext]\r\n<bytes>\r\n}, ending with a chunk of
 * size 0) off a response body and hands the chunks' bytes to an {@link SseParser}. Split anywhere;
 * a bare LF is accepted where CRLF belongs.
 *
 * <p>Thread rules: those of its parser.
 */
final class ChunkedFraming {
    /** The largest size that another hex digit cannot overflow. */
    private static final long MAX_SIZE = Long.MAX_VALUE >>> 4;

    private enum State { SIZE, EXTENSION, DATA, DATA_CR, DATA_LF, ENDED }

    private final SseParser payload;
    private State state = State.SIZE;
    private long size;
    private boolean sizeDigits;
    private long malformed;

    ChunkedFraming(SseParser payload) {
        this.payload = payload;
    }

    /** Reads all readable bytes of {@code in}; does not release it. */
    void read(ByteBuf in) {
        while (in.isReadable()) {
            switch (state) {
                case SIZE -> {
                    byte b = in.readByte();
                    int digit = Character.digit(b, 16);
                    if (digit >= 0 && size <= MAX_SIZE) {
                        size = size * 16 + digit;
                        sizeDigits = true;
                    } else if (b == ';') {
                        state = State.EXTENSION;
                    } else if (b == '\n') {
                        endSizeLine();
                    } else if (b != '\r') {
                        malformed++;
                    }
                }
                case EXTENSION -> {
                    if (in.readByte() == '\n') {
                        endSizeLine();
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(size, in.readableBytes());
                    payload.parse(in, in.readerIndex(), n);
                    in.skipBytes(n);
                    size -= n;
                    if (size == 0) {
                        state = State.DATA_CR;
                    }
                }
                case DATA_CR -> {
                    byte b = in.readByte();
                    state = b == '\r' ? State.DATA_LF : b == '\n' ? State.SIZE : malformedChunk();
                }
                case DATA_LF -> state = in.readByte() == '\n' ? State.SIZE : malformedChunk();
                case ENDED -> in.skipBytes(in.readableBytes());
            }
        }
    }

    private State malformedChunk() {
        malformed++;
        return State.SIZE;
    }

    private void endSizeLine() {
        if (!sizeDigits) {
            malformed++;
            state = State.SIZE;
            return;
        }
        sizeDigits = false;
        state = size == 0 ? State.ENDED : State.DATA;
    }

    long malformed() {
        return malformed;
    }

    boolean ended() {
        return state == State.ENDED;
    }
}
