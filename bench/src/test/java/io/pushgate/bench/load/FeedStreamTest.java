package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a feed stream makes of the bytes of its connections, as the gateway frames them (chunked). */
class FeedStreamTest {
    private final LongAdder deliveries = new LongAdder();

    private FeedStream stream(String resumeId, int... feeds) {
        return new FeedStream(feeds, 1, resumeId, new Recorder(3), deliveries);
    }

    /** Hands {@code sse} to {@code body} as one HTTP chunk. */
    private static void chunk(StreamBody body, String sse) {
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        ByteBuf in = Unpooled.wrappedBuffer((Integer.toHexString(bytes.length) + "\r\n" + sse + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        try {
            body.read(in);
        } finally {
            in.release();
        }
    }

    private static String event(String name, String id, long micros, int feed) {
        return (name == null ? "" : "event: " + name + "\n") + "id: " + id + "\ndata: " + micros + " " + feed
                + " pushgate-load\n\n";
    }

    @Test
    void everyEventOfAFeedOnceAcrossConnectionsIsClean() {
        FeedStream s = stream("1-e", 0);
        StreamBody first = s.connect();
        assertEquals("1-e", s.resumeId());
        chunk(first, event(null, "2-e", 1, 0) + event(null, "3-e", 1, 0));
        StreamBody second = s.connect();
        assertEquals("3-e", s.resumeId(), "the next connection resumes after the last id seen");
        chunk(second, event(null, "4-e", 1, 0));

        FeedStream.Tally tally = FeedStream.Tally.of(List.of(s), new long[] {4});
        assertTrue(tally.clean(), tally.toString());
        assertEquals(3, deliveries.sum());
        assertEquals(0, FeedStream.behind(List.of(s), new long[] {4}));
        assertTrue(s.onEpochs(List.of("f"), f -> "e"));
        assertFalse(s.onEpochs(List.of("f"), f -> "other"));
    }

    @Test
    void aSeqSentAgainAfterAReconnectIsADuplicateAndAGapIsLost() {
        FeedStream s = stream("1-e", 0);
        chunk(s.connect(), event(null, "2-e", 1, 0));
        chunk(s.connect(), event(null, "2-e", 1, 0) + event(null, "4-e", 1, 0));

        FeedStream.Tally tally = FeedStream.Tally.of(List.of(s), new long[] {5});
        assertEquals(1, tally.duplicated());
        assertEquals(2, tally.lost(), "3 skipped, 5 never came");
        assertEquals(1, tally.streamsWithErrors());
        assertEquals(1, FeedStream.behind(List.of(s), new long[] {5}));
    }

    @Test
    void aResetIsCountedNotTakenForMalformed() {
        FeedStream s = stream("1-e", 0);
        chunk(s.connect(), "event: pushgate.reset\ndata: f\n\n" + event(null, "1-n", 1, 0));

        FeedStream.Tally tally = FeedStream.Tally.of(List.of(s), new long[] {1});
        assertEquals(1, tally.resets());
        assertEquals(0, tally.malformed());
        assertEquals(1, tally.duplicated(), "seq 1 of the new epoch after the old cursor 1");
    }

    @Test
    void aStreamOfSeveralFeedsAccountsEachAndResumesWithTheServersCursorList() {
        FeedStream s = stream("a/1-x,b/1-y", 0, 1);
        StreamBody body = s.connect();
        chunk(body, event("a", "a/2-x", 1, 0) + "id: a/2-x,b/1-y\n\n"
                + event("b", "b/2-y", 1, 1) + "id: a/2-x,b/2-y\n\n"
                + event("b", "b/3-y", 1, 1) + "id: a/2-x,b/3-y\n\n");
        s.connect();

        assertEquals("a/2-x,b/3-y", s.resumeId());
        FeedStream.Tally tally = FeedStream.Tally.of(List.of(s), new long[] {2, 3});
        assertTrue(tally.clean(), tally.toString());
        assertEquals(3, deliveries.sum());
        assertTrue(s.onEpochs(List.of("a", "b"), f -> f == 0 ? "x" : "y"));
        assertFalse(s.onEpochs(List.of("a", "b"), f -> "x"));
    }

    @Test
    void anEventOfAFeedTheStreamDoesNotReadIsMalformed() {
        FeedStream s = stream("a/1-x,b/1-y", 0, 1);
        chunk(s.connect(), event("c", "c/2-z", 1, 2));

        assertEquals(1, FeedStream.Tally.of(List.of(s), new long[] {1, 1}).malformed());
    }
}
