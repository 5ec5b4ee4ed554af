package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.pushgate.wire.SseParser;
import org.HdrHistogram.Recorder;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * One stream of one or more feeds on the client, kept across its connections as a browser's
 * {@code EventSource} keeps one across reconnects: for each of its feeds the account of the seqs
 * it saw (a {@link VersionLedger}: every event once, in order, from the seq it began after), the
 * events without an id it was sent ({@code pushgate.reset}: the server could not resume a feed),
 * and the id to resume from. Each connection gets its own reader ({@link #connect}), with a parser
 * of its own (a cut connection may end inside a chunk); the driver may {@link #cut} the current
 * one, as a network drop would, and open the next with {@link #resumeId}.
 *
 * <p>In a stream of several feeds an event's feed is read from its text, which the appender begins
 * with {@code <micros> <feed number>} ({@link Publisher.Kind#FEED}): the parser tells the seq of an
 * id {@code <feed>/<seq>-<epoch>} but not its name, and reading the text's digits allocates nothing.
 * The id to resume from is then the server's cursor list, which the parser keeps as the last event id.
 *
 * <p>Thread rules: a connection's events on its event loop; {@link #connect}, {@link #cut},
 * {@link #resumeId} and the figures from the driving thread, which opens a connection only after the
 * one before it closed (its close is what publishes what it saw to the driver and the next loop).
 */
final class FeedStream {
    /** The feed numbers of the run this stream reads. */
    private final int[] feeds;
    /** One per feed, in the order of {@link #feeds}. */
    private final VersionLedger[] ledgers;
    private final Recorder latency;
    private final LongAdder deliveries;
    private volatile Connection current;
    /** The id the next connection sends as {@code Last-Event-ID}; "" for none. */
    private String resumeId;
    private int connections;
    private long resets;
    private long malformed;
    private long unknownFeed;

    /**
     * A stream of the feeds numbered {@code feeds} that has seen the events up to {@code afterSeq}
     * of each, whose first connection sends {@code resumeId} ("" for none).
     */
    FeedStream(int[] feeds, long afterSeq, String resumeId, Recorder latency, LongAdder deliveries) {
        this.feeds = feeds.clone();
        this.ledgers = new VersionLedger[feeds.length];
        for (int k = 0; k < feeds.length; k++) {
            ledgers[k] = VersionLedger.after(afterSeq);
        }
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
            unknownFeed += before.unknownFeed;
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

    /** Connections opened or attempted, the first included. */
    int connections() {
        return connections;
    }

    /** Events without an id ({@code pushgate.reset}) over every connection so far. */
    long resets() {
        Connection c = current;
        return resets + (c == null ? 0 : c.resets);
    }

    /**
     * Bytes that broke the framing and events of a feed this stream does not read (or whose text
     * names none), over every connection so far.
     */
    long malformed() {
        Connection c = current;
        return malformed + unknownFeed + (c == null ? 0 : c.malformed() + c.unknownFeed);
    }

    /** The id the current connection saw last, else the one it was opened with. */
    String lastEventId() {
        Connection c = current;
        String seen = c == null ? "" : c.parser.lastEventId();
        return seen.isEmpty() ? resumeId : seen;
    }

    /**
     * Whether every id in the last event id (one, or the server's list) names the epoch its feed
     * has now ({@code epochOf} a feed number; null: not known), and names a feed of {@code names}.
     */
    boolean onEpochs(List<String> names, IntFunction<String> epochOf) {
        for (String id : lastEventId().split(",")) {
            int slash = id.indexOf('/');
            int feed = slash < 0 ? feeds[0] : names.indexOf(id.substring(0, slash));
            String epoch = feed < 0 ? null : epochOf.apply(feed);
            if (feed < 0 || (epoch != null && !id.endsWith("-" + epoch))) {
                return false;
            }
        }
        return true;
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

    /** Streams with a feed whose seq is below that feed's last appended one ({@code last[feed]}). */
    static int behind(List<FeedStream> streams, long[] last) {
        int n = 0;
        for (FeedStream s : streams) {
            for (int k = 0; k < s.feeds.length; k++) {
                if (s.ledgers[k].last() < last[s.feeds[k]]) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /**
     * The violations of a set of streams, once they are quiet: events lost (counting those up to
     * {@code last[feed]} that never came), duplicated, out of order, resets, malformed bytes and
     * events of no feed of the stream, and the streams with any of them.
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
                long errors = s.resets() + s.malformed();
                for (int k = 0; k < s.feeds.length; k++) {
                    VersionLedger ledger = s.ledgers[k];
                    long l = ledger.lostAtEnd(last[s.feeds[k]]);
                    lost += l;
                    duplicated += ledger.duplicated();
                    outOfOrder += ledger.outOfOrder();
                    errors += l + ledger.duplicated() + ledger.outOfOrder();
                }
                resets += s.resets();
                malformed += s.malformed();
                if (errors > 0) {
                    withErrors++;
                }
            }
            return new Tally(lost, duplicated, outOfOrder, resets, malformed, withErrors);
        }

        boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && resets == 0 && malformed == 0;
        }
    }

    /** One connection: parses its chunked body and accounts what it carries to the stream. */
    private final class Connection implements StreamBody, SseParser.Listener {
        /** Reading the first data line's leading micros, the feed number after them, or done with it. */
        private static final int MICROS = 0;
        private static final int FEED = 1;
        private static final int DONE = 2;

        private final SseParser parser = SseParser.chunked(this);
        private volatile Channel channel;
        private volatile boolean closed;
        private long resets;
        private long unknownFeed;
        private int textState = MICROS;
        private int feedNumber = -1;

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
        public void onData(ByteBuf in, int index, int length) {
            for (int i = index; i < index + length && textState != DONE; i++) {
                byte b = in.getByte(i);
                boolean digit = b >= '0' && b <= '9';
                if (textState == MICROS) {
                    textState = digit ? MICROS : b == ' ' ? FEED : DONE;
                } else if (digit && feedNumber < 1_000_000) {
                    feedNumber = Math.max(0, feedNumber) * 10 + (b - '0');
                } else {
                    textState = DONE;
                }
            }
        }

        @Override
        public void onDataLineEnd() {
            textState = DONE;
        }

        @Override
        public void onEvent(long seq, long publishedMicros) {
            int feed = feedNumber;
            textState = MICROS;
            feedNumber = -1;
            if (seq < 0) {
                resets++;
                return;
            }
            int k = slot(feed);
            if (k < 0) {
                unknownFeed++;
                return;
            }
            if (ledgers[k].accept(seq)) {
                deliveries.increment();
                if (publishedMicros > 0) {
                    latency.recordValue(Math.max(0, Publisher.nowMicros() - publishedMicros));
                }
            }
        }

        /** The ledger of feed number {@code feed}; -1 if this stream does not read it. */
        private int slot(int feed) {
            for (int k = 0; k < feeds.length; k++) {
                if (feeds[k] == feed) {
                    return k;
                }
            }
            return -1;
        }

        @Override
        public void closed() {
            closed = true;
        }
    }
}
