package io.pushgate.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pushgate.wire.SseEvents;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real SSE client over the JDK HttpClient; the body is read by the gateway's own
 * {@link SseEvents} (the WHATWG event-stream rules: fields, data buffer, event type, last event id,
 * comments, retry).
 */
public final class SseClient implements AutoCloseable {
    /**
     * For plain requests. Its connection pool is not the streams': a stream the node ends is
     * complete (its last chunk) and its connection goes back to its client's pool, which the node
     * closes next; a request sent on it meets the close with no byte of an answer, and the client
     * retries only a GET (a PUT of RevocationTest failed so in a CI run).
     */
    public static final HttpClient HTTP = newClient();
    /** For streams only. */
    private static final HttpClient STREAMS = newClient();

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /**
     * One dispatched event: {@code type} is "message" for unnamed events; {@code version} is that of
     * its own {@code id:} ({@code <version>-<epoch>} or {@code <topic>/<version>-<epoch>}), -1 if none.
     */
    public record Event(String type, String id, String data, long version) {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile long endedAt;
    private final AtomicInteger comments = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private volatile HttpHeaders headers;
    private volatile long retry = -1;
    private volatile Flow.Subscription subscription;
    private volatile String lastEventId = "";
    /** Touched by the client's delivery thread only. */
    private final SseEvents parser = new SseEvents(new SseEvents.Handler() {
        @Override
        public void onEvent(String type, String id, String data, long version) {
            lastEventId = id;
            events.add(new Event(type, id, data, version));
        }

        @Override
        public void onComment() {
            comments.incrementAndGet();
        }

        @Override
        public void onRetry(long millis) {
            retry = millis;
            retries.incrementAndGet();
        }
    });

    private SseClient() {
    }

    public static SseClient open(URI uri) {
        return open(uri, Map.of());
    }

    public static SseClient open(URI uri, Map<String, String> requestHeaders) {
        SseClient client = new SseClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream");
        requestHeaders.forEach(request::header);
        STREAMS.sendAsync(request.build(), info -> {
            client.headers = info.headers();
            client.status.complete(info.statusCode());
            return HttpResponse.BodySubscribers.fromSubscriber(client.body());
        }).whenComplete((response, failure) -> {
            if (failure != null) {
                client.status.completeExceptionally(failure);
            }
            client.end();
        });
        return client;
    }

    /** The response status, waiting for the head. */
    public int status() {
        try {
            return status.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no response head: " + e, e);
        }
    }

    public HttpHeaders headers() {
        status();
        return headers;
    }

    /** The next event, or a failure after {@code timeout}. */
    public Event next(Duration timeout) {
        try {
            Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(event, "no event within " + timeout);
            return event;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    public Event next() {
        return next(Duration.ofSeconds(10));
    }

    /** Events received so far and not yet taken. */
    /**
     * Waits up to {@code deadline} until the last event of every one of {@code streams} carries
     * {@code data}, adding what each receives to its list in {@code seen} (same order).
     */
    public static void awaitAllEndOn(List<SseClient> streams, List<List<Event>> seen, String data, Duration deadline) {
        await().atMost(deadline).until(() -> {
            boolean all = true;
            for (int i = 0; i < streams.size(); i++) {
                List<Event> events = seen.get(i);
                events.addAll(streams.get(i).drain());
                all &= !events.isEmpty() && events.get(events.size() - 1).data().equals(data);
            }
            return all;
        });
    }

    public List<Event> drain() {
        List<Event> out = new ArrayList<>();
        events.drainTo(out);
        return out;
    }

    public int comments() {
        return comments.get();
    }

    /** How many {@code retry:} fields arrived. */
    public int retries() {
        return retries.get();
    }

    public long retry() {
        return retry;
    }

    /** The id a browser would send as {@code Last-Event-ID} now (set by events and by id-only frames). */
    public String lastEventId() {
        return lastEventId;
    }

    private void end() {
        if (endedAt == 0) {
            endedAt = System.nanoTime();
        }
        ended.complete(null);
    }

    /** System.nanoTime() when the stream ended. */
    public long endedAt() {
        return endedAt;
    }

    public boolean ended() {
        return ended.isDone();
    }

    /** Waits until the server ends the stream. */
    public void awaitEnd(Duration timeout) {
        try {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            fail("stream did not end within " + timeout);
        }
    }

    @Override
    public void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    private Flow.Subscriber<List<ByteBuffer>> body() {
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                for (ByteBuffer buffer : buffers) {
                    ByteBuf in = Unpooled.wrappedBuffer(buffer);
                    try {
                        parser.read(in);
                    } finally {
                        in.release();
                    }
                }
                // WHATWG: an id-only frame (a stream of several feeds) dispatches nothing but sets the id.
                lastEventId = parser.parser().lastEventId();
            }

            @Override
            public void onError(Throwable throwable) {
                end();
            }

            @Override
            public void onComplete() {
                end();
            }
        };
    }
}
