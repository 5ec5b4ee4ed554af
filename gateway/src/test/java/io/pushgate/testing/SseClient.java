package io.pushgate.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real SSE client over the JDK HttpClient with a parser that follows the WHATWG event-stream
 * rules (fields, data buffer, event type, last event id, comments, retry).
 */
public final class SseClient implements AutoCloseable {
    public static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One dispatched event: {@code type} is "message" for unnamed events. */
    public record Event(String type, String id, String data) {
        public long version() {
            String v = id.contains("/") ? id.substring(id.indexOf('/') + 1) : id;
            return Long.parseLong(v.substring(0, v.indexOf('-')));
        }
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

    // parser state, touched by the client's delivery thread only
    private final StringBuilder data = new StringBuilder();
    private String eventType = "";
    private boolean hasData;

    private SseClient() {
    }

    public static SseClient open(URI uri) {
        return open(uri, Map.of());
    }

    public static SseClient open(URI uri, Map<String, String> requestHeaders) {
        SseClient client = new SseClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream");
        requestHeaders.forEach(request::header);
        HTTP.sendAsync(request.build(), info -> {
            client.headers = info.headers();
            client.status.complete(info.statusCode());
            return HttpResponse.BodySubscribers.fromLineSubscriber(client.lines());
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

    /** The next event if one comes within {@code timeout}, else null. */
    public Event poll(Duration timeout) {
        try {
            return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Events received so far and not yet taken. */
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

    private Flow.Subscriber<String> lines() {
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                parse(line);
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

    private void parse(String line) {
        if (line.isEmpty()) {
            if (hasData) {
                String text = data.length() > 0 && data.charAt(data.length() - 1) == '\n'
                        ? data.substring(0, data.length() - 1) : data.toString();
                events.add(new Event(eventType.isEmpty() ? "message" : eventType, lastEventId, text));
            }
            data.setLength(0);
            eventType = "";
            hasData = false;
            return;
        }
        if (line.startsWith(":")) {
            comments.incrementAndGet();
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                data.append(value).append('\n');
                hasData = true;
            }
            case "event" -> eventType = value;
            case "id" -> {
                if (!value.contains("\0")) {
                    lastEventId = value;
                }
            }
            case "retry" -> {
                if (value.matches("[0-9]+")) {
                    retry = Long.parseLong(value);
                    retries.incrementAndGet();
                }
            }
            default -> { }
        }
    }
}
