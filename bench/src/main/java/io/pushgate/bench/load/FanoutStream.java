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
 * <p>Thread rules: its stream's event loop; the ledger's figures are read by the driving thread
 * once the stream is quiet (after the drain).
 */
final class FanoutStream implements StreamBody, SseParser.Listener {
    private final int topic;
    private final VersionLedger ledger;
    private final SseParser parser = SseParser.chunked(this);
    private final Recorder latency;
    private final LongAdder deliveries;
    private volatile boolean closed;

    FanoutStream(int topic, long baseVersion, Recorder latency, LongAdder deliveries) {
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
    public void onEvent(long version, long publishedMicros) {
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

    /** Whether the stream closed (the server ended it or the connection broke). */
    boolean isClosed() {
        return closed;
    }
}
