package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.pushgate.wire.SseParser;
import org.HdrHistogram.Recorder;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One stream of a feed on the client, kept across its connections as a browser's
 * {@code EventSource} keeps one across reconnects: the account of the seqs it saw (a
 * {@link VersionLedger}: every event of its feed once, in order, from the seq it began after), the
 * events without an id it was sent (in a stream of one feed only {@code pushgate.reset}: the server
 * could not resume it), and the id to resume from. Each connection gets its own reader
 * ({@link #connect}), with a parser of its own (a cut connection may end inside a chunk); the
 * driver may {@link #cut} the current one, as a network drop would, and open the next with
 * {@link #resumeId}.
 *
 * <p>Thread rules: a connection's events on its event loop; {@link #connect}, {@link #cut},
 * {@link #resumeId} and the figures from the driving thread, which opens a connection only after the
 * one before it closed (its close is what publishes what it saw to the driver and the next loop).
 */
final class FeedStream {
    private final int feed;
    private final VersionLedger ledger;
    private final Recorder latency;
    private final LongAdder deliveries;
    private volatile Connection current;
    /** The id the next connection sends as {@code Last-Event-ID}; "" for none. */
    private String resumeId;
    private int connections;
    private long resets;
    private long malformed;

    /**
     * A stream of feed number {@code feed} that has seen the events up to {@code afterSeq}, whose
     * first connection sends {@code resumeId} ("" for none).
     */
    FeedStream(int feed, long afterSeq, String resumeId, Recorder latency, LongAdder deliveries) {
        this.feed = feed;
        this.ledger = new VersionLedger(afterSeq);
        this.resumeId = resumeId;
        this.latency = latency;
        this.deliveries = deliveries;
    }

    /** The reader of a new connection, which becomes the current one; the one before must have closed. */
    StreamBody connect() {
        Connection before = current;
        if (before != null) {
            String seen = before.parser.lastEventId();
            if (!seen.isEmpty()) {
                resumeId = seen;
            }
            resets += before.resets;
            malformed += before.malformed();
        }
        connections++;
        Connection next = new Connection();
        current = next;
        return next;
    }

    /** The id to send with the next connection ({@link #connect} first): the last one any connection saw. */
    String resumeId() {
        return resumeId;
    }

    /** Closes the current connection if it is open (through {@code client}, so it is not counted lost); null if not. */
    ChannelFuture cut(LoadClient client) {
        Connection c = current;
        Channel ch = c == null ? null : c.channel;
        return ch == null || c.closed ? null : client.close(ch);
    }

    /** Whether the current connection is open (its head read, not closed). */
    boolean isOpen() {
        Connection c = current;
        return c != null && c.channel != null && !c.closed;
    }

    /** Whether the current connection was open and has closed (cut, or ended by the server). */
    boolean isClosed() {
        Connection c = current;
        return c != null && c.closed;
    }

    int feed() {
        return feed;
    }

    VersionLedger ledger() {
        return ledger;
    }

    /** Connections opened or attempted, the first included. */
    int connections() {
        return connections;
    }

    /** Events without an id ({@code pushgate.reset}) over every connection closed so far (and the current one). */
    long resets() {
        Connection c = current;
        return resets + (c == null ? 0 : c.resets);
    }

    /** Bytes that broke the framing, over every connection so far. */
    long malformed() {
        Connection c = current;
        return malformed + (c == null ? 0 : c.malformed());
    }

    /** The id the current connection saw last, else the one it was opened with. */
    String lastEventId() {
        Connection c = current;
        String seen = c == null ? "" : c.parser.lastEventId();
        return seen.isEmpty() ? resumeId : seen;
    }

    /** One connection: parses its chunked body and accounts what it carries to the stream. */
    private final class Connection implements StreamBody, SseParser.Listener {
        private final SseParser parser = SseParser.chunked(this);
        private volatile Channel channel;
        private volatile boolean closed;
        private long resets;

        /** The parser's count, less the events without an id: those are counted as resets. */
        long malformed() {
            return parser.malformed() - resets;
        }

        @Override
        public void opened(Channel ch) {
            channel = ch;
        }

        @Override
        public void read(ByteBuf in) {
            parser.read(in);
        }

        @Override
        public void onEvent(long seq, long publishedMicros) {
            if (seq < 0) {
                resets++;
                return;
            }
            if (ledger.accept(seq)) {
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
    }

    /**
     * Appends the first event of each of {@code feeds} (fresh: each answer must be seq 1) and
     * returns their ids, {@code 1-<epoch>}: where the streams of a run begin.
     */
    static String[] firstEvents(Publisher appender, List<String> feeds) throws InterruptedException {
        long[] first = appender.publishOnce();
        String[] ids = new String[feeds.size()];
        for (int f = 0; f < ids.length; f++) {
            if (first[f] != 1 || appender.epoch(f) == null) {
                throw new IllegalStateException("the first append to " + feeds.get(f) + " was answered with seq "
                        + first[f] + " (epoch " + appender.epoch(f) + "), not 1: not a fresh feed, or no answer");
            }
            ids[f] = "1-" + appender.epoch(f);
        }
        return ids;
    }

    /** Streams whose seq is below their feed's last appended one ({@code last[feed]}). */
    static int behind(List<FeedStream> streams, long[] last) {
        int n = 0;
        for (FeedStream s : streams) {
            if (s.ledger.last() < last[s.feed]) {
                n++;
            }
        }
        return n;
    }

    /**
     * The violations of a set of streams, once they are quiet: events lost (counting those up to
     * {@code last[feed]} that never came), duplicated, out of order, resets, malformed bytes, and the
     * streams with any of them.
     */
    record Tally(long lost, long duplicated, long outOfOrder, long resets, long malformed, int streamsWithErrors) {
        static Tally of(List<FeedStream> streams, long[] last) {
            long lost = 0;
            long duplicated = 0;
            long outOfOrder = 0;
            long resets = 0;
            long malformed = 0;
            int withErrors = 0;
            for (FeedStream s : streams) {
                long l = s.ledger.lostAtEnd(last[s.feed]);
                lost += l;
                duplicated += s.ledger.duplicated();
                outOfOrder += s.ledger.outOfOrder();
                resets += s.resets();
                malformed += s.malformed();
                if (l + s.ledger.duplicated() + s.ledger.outOfOrder() + s.resets() > 0) {
                    withErrors++;
                }
            }
            return new Tally(lost, duplicated, outOfOrder, resets, malformed, withErrors);
        }

        boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && resets == 0 && malformed == 0;
        }
    }
}
