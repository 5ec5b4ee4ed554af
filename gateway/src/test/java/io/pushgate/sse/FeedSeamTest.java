package io.pushgate.sse;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.SseClient.Event;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seam between replay and live (README "Feeds"): while one thread appends as fast as it can,
 * many streams reconnect again and again with the last id they saw; every stream must get every
 * event exactly once, in order.
 */
class FeedSeamTest {
    private static final int STREAMS = 24;
    private static final int APPENDS = 800;

    @Test
    void everyStreamGetsEveryEventOnceInOrderWhileAppendsRaceItsReconnects() throws Exception {
        try (TestNode node = TestNode.start()) {
            String feed = TestNode.topic();
            String first = node.append(feed, "e1");
            String epoch = first.substring(first.indexOf('-') + 1);
            long total = APPENDS + 1;
            ExecutorService pool = Executors.newFixedThreadPool(STREAMS + 1);
            try {
                List<Future<List<Long>>> streams = new ArrayList<>();
                for (int s = 0; s < STREAMS; s++) {
                    // Each begins at a different place: before the first event, or after one of the first few.
                    long start = s % 2;
                    streams.add(pool.submit(() -> read(node, feed, start + "-" + epoch, total)));
                }
                Future<?> appender = pool.submit(() -> {
                    for (int i = 2; i <= total; i++) {
                        node.append(feed, "e" + i);
                    }
                });
                appender.get(60, TimeUnit.SECONDS);
                for (int s = 0; s < STREAMS; s++) {
                    long start = s % 2;
                    List<Long> expected = LongStream.rangeClosed(start + 1, total).boxed().toList();
                    assertEquals(expected, streams.get(s).get(60, TimeUnit.SECONDS), "stream " + s);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Reads until seq {@code total}, reconnecting after a random number of events with the last id seen. */
    private static List<Long> read(TestNode node, String feed, String cursor, long total) {
        List<Long> seqs = new ArrayList<>();
        long last = Long.parseLong(cursor.substring(0, cursor.indexOf('-')));
        String id = cursor;
        while (last < total) {
            try (SseClient client = node.feedStream(feed, "", Map.of("Last-Event-ID", id))) {
                int take = ThreadLocalRandom.current().nextInt(1, 120);
                for (int i = 0; i < take && last < total; i++) {
                    Event event = client.next(Duration.ofSeconds(20));
                    assertEquals("message", event.type(), "no reset: nothing was trimmed");
                    id = event.id();
                    last = Long.parseLong(id.substring(0, id.indexOf('-')));
                    seqs.add(last);
                }
            }
        }
        return seqs;
    }
}
