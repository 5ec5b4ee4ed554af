package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.pushgate.wire.SseParser;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * One fan-out stream on the client: parses its chunked body with the gateway's {@link SseParser},
 * accounts the versions in a {@link VersionLedger} and records the publish→receive latency of each
 * new version (the text's leading Unix micros against this machine's wall clock) in the run's shared
 * recorder. Nothing is allocated per event: the parser's listener gets the version and the micros
 * as longs, and the ledger and recorder take them as they are.
 *
 * <p>For a server whose event ids are its own (Nchan), the version is the text's second number
 * ({@code <micros> <n> …}, numbered by the {@link Publisher}), and the body may come unframed.
 *
 * <p>Thread rules: its stream's event loop; the ledger's figures are read by the driving thread
 * once the stream is quiet (after the drain).
 */
final class FanoutStream implements StreamBody, SseParser.Listener {
    private final int topic;
    private final VersionLedger ledger;
    private final SseParser parser;
    /** The version is the first data line's second number, not the id's. */
    private final boolean versionInText;
    /** Where the first data line's reading is: 0 in the micros, 1 in the version, 2 past it. */
    private int textField;
    private long textVersion;
    private int textDigits;
    private long textMalformed;
    private final Recorder latency;
    private final LongAdder deliveries;
    private volatile boolean closed;

    FanoutStream(int topic, long baseVersion, Recorder latency, LongAdder deliveries) {
        this(topic, baseVersion, latency, deliveries, false, false);
    }

    /**
     * A stream whose versions are in its texts when {@code versionInText}, whose body is unframed
     * (ended by the close) when {@code unchunked}.
     */
    FanoutStream(int topic, long baseVersion, Recorder latency, LongAdder deliveries, boolean versionInText,
                 boolean unchunked) {
        this.parser = unchunked ? new SseParser(this) : SseParser.chunked(this);
        this.versionInText = versionInText;
        this.topic = topic;
        this.ledger = new VersionLedger(baseVersion);
        this.latency = latency;
        this.deliveries = deliveries;
    }

    @Override
    public void read(ByteBuf in) {
        parser.read(in);
    }

    @Override
    public void onData(ByteBuf in, int index, int length) {
        for (int i = index; i < index + length && versionInText && textField < 2; i++) {
            byte b = in.getByte(i);
            if (textField == 0) {
                textField = b == ' ' ? 1 : 0;
            } else if (b >= '0' && b <= '9' && textDigits < 18) {
                textVersion = textVersion * 10 + (b - '0');
                textDigits++;
            } else {
                textField = 2;
            }
        }
    }

    @Override
    public void onDataLineEnd() {
        textField = 2;
    }

    @Override
    public void onEvent(long idVersion, long publishedMicros) {
        long version = idVersion;
        if (versionInText) {
            version = textDigits > 0 ? textVersion : -1;
            if (version < 0) {
                textMalformed++;
            }
            textField = 0;
            textVersion = 0;
            textDigits = 0;
        }
        if (version < 0) {
            return;
        }
        if (ledger.accept(version)) {
            deliveries.increment();
            if (publishedMicros > 0) {
                latency.recordValue(Math.max(0, Publisher.nowMicros() - publishedMicros));
            }
        }
    }

    @Override
    public void closed() {
        closed = true;
    }

    int topic() {
        return topic;
    }

    VersionLedger ledger() {
        return ledger;
    }

    SseParser parser() {
        return parser;
    }

    /** Events without a version where this stream takes it from (the id, or the text with versionInText); by the id, also bytes that broke the framing. */
    long malformed() {
        return versionInText ? textMalformed : parser.malformed();
    }

    /** Whether the stream closed (the server ended it or the connection broke). */
    boolean isClosed() {
        return closed;
    }
}
