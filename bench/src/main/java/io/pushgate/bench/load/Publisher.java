package io.pushgate.bench.load;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes versions with {@code PUT /topics/{t}} (or appends events with {@code POST /feeds/{f}},
 * {@link Kind#FEED}) over HTTP/1.1: a text that starts with its publish
 * time in Unix microseconds (the wall clock, so that a receiver in another process on this machine
 * can take the latency; a feed's then its number in the list), spread round-robin over the topics at a steady rate. Remembers the highest
 * version (a feed's seq) each topic's answers named, and its epoch: what every stream of the topic
 * must end with. Understands pushgate's answers ({@code {"topic":…,"version":N,"epoch":…}},
 * {@code {"feed":…,"id":"<seq>-<epoch>"}}) and the floor's ({@code {"version":N}}).
 * With a token, every request carries it as {@code Authorization: Bearer}, as an application's backend does.
 * For a server whose answers and event ids carry no version (Nchan), it numbers each topic's texts
 * itself ({@code <micros> <n> …}, {@code versionsInText}) and takes any 2xx answer as that number published.
 *
 * <p>Thread rules: {@link #publishOnce} and {@link #run} from one driving thread; answers arrive on
 * the HTTP client's threads; the counts and versions may be read from any thread.
 */
final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\"\\s*:\\s*\"([0-9a-z]+)\"");
    private static final Pattern FEED_ID = Pattern.compile("\"id\"\\s*:\\s*\"(\\d+)-([0-9a-z]+)\"");
    /** PUTs in flight at most: beyond, the publisher falls behind its rate rather than queue without bound. */
    private static final int MAX_IN_FLIGHT = 64;

    static {
        // The gateway closes a keep-alive connection idle for --header-timeout (10 s by default); the
        // JDK client keeps idle ones for 1,200 s and may pick one just as the server closes it, which
        // fails that PUT. Dropping idle connections first avoids the race.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "3");
        }
    }

    /** What is published: a topic's version or a feed's event. */
    enum Kind {
        TOPIC("PUT", "/topics/", VERSION, EPOCH),
        FEED("POST", "/feeds/", FEED_ID, FEED_ID);

        private final String method;
        private final String path;
        /** Group 1: the version or seq. */
        private final Pattern number;
        /** Group 1 ({@link #EPOCH}) or 2 ({@link #FEED_ID}): the epoch. */
        private final Pattern epoch;

        Kind(String method, String path, Pattern number, Pattern epoch) {
            this.method = method;
            this.path = path;
            this.number = number;
            this.epoch = epoch;
        }

        private String epochOf(String answer) {
            Matcher m = epoch.matcher(answer);
            return m.find() ? m.group(m.groupCount()) : null;
        }
    }

    private final Target target;
    private final Kind kind;
    /** Each topic's texts carry this publisher's own number of them, after the micros. */
    private final boolean versionsInText;
    /** The last number given to each topic's texts (driving thread). */
    private final long[] numbered;
    /**
     * Each topic's last publish, with versionsInText: the next one is sent when it is answered, so
     * the server takes a topic's texts in the order of their numbers (driving thread).
     */
    private final CompletableFuture<?>[] previous;
    private final List<String> topics;
    private final HttpClient http;
    /** The {@code Authorization} header's value; null: none. */
    private final String authorization;
    private final AtomicLongArray versions;
    /** The epoch of each topic's highest version; null until an answer named one. */
    private final AtomicReferenceArray<String> epochs;
    /** Appended to each text's leading micros so that the text is as long as asked; empty for the shortest. */
    private final String padding;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private long sent;

    /**
     * Publishes to {@code topics} of {@code target}, with {@code authorization} (null: none) on every
     * PUT, each text {@code textSize} bytes long (at least its micros and " pushgate-load").
     */
    Publisher(Target target, List<String> topics, String authorization, int textSize, boolean versionsInText) {
        this(Kind.TOPIC, target, topics, authorization, textSize, versionsInText);
    }

    /** Like {@link #Publisher(Target, List, String, int, boolean)}, publishing {@code kind}: versions of topics or events of feeds. */
    Publisher(Kind kind, Target target, List<String> topics, String authorization, int textSize) {
        this(kind, target, topics, authorization, textSize, false);
    }

    private Publisher(Kind kind, Target target, List<String> topics, String authorization, int textSize,
                      boolean versionsInText) {
        this.kind = kind;
        this.versionsInText = versionsInText;
        this.numbered = new long[topics.size()];
        this.previous = new CompletableFuture<?>[topics.size()];
        this.target = target;
        // The micros take 16 digits until the year 2286.
        this.padding = " pushgate-load" + "x".repeat(Math.max(0, textSize - 16 - " pushgate-load".length()));
        this.topics = topics;
        this.authorization = authorization;
        this.versions = new AtomicLongArray(topics.size());
        this.epochs = new AtomicReferenceArray<>(topics.size());
        // HTTP/1.1 only: the JDK client would otherwise try an h2c upgrade on every new connection.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Publishes one version to every topic and waits for the answers; returns the versions. */
    long[] publishOnce() throws InterruptedException {
        CompletableFuture<?>[] all = new CompletableFuture<?>[topics.size()];
        for (int t = 0; t < topics.size(); t++) {
            inFlight.acquire();
            all[t] = send(t);
        }
        CompletableFuture.allOf(all).orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        long[] now = new long[topics.size()];
        for (int t = 0; t < now.length; t++) {
            now[t] = versions.get(t);
        }
        return now;
    }

    /** Publishes one version of topic {@code t} and waits for the answer; returns the topic's version. */
    long publishOne(int t) throws InterruptedException {
        inFlight.acquire();
        send(t).orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        return versions.get(t);
    }

    /**
     * Publishes {@code rate} versions per second, topic after topic, until {@code stop} says
     * ({@link System#nanoTime}; it may move while this runs); then waits (bounded) for the answers
     * still outstanding.
     */
    void run(double rate, LongSupplier stop) throws InterruptedException {
        long start = System.nanoTime();
        long interval = (long) (1e9 / rate);
        long i = 0;
        while (true) {
            long due = start + i * interval;
            long now = System.nanoTime();
            long stopNanos = stop.getAsLong();
            if (due - stopNanos >= 0 || now - stopNanos >= 0) {
                break;
            }
            if (due > now) {
                long wait = due - now;
                if (wait > 200_000) {
                    TimeUnit.NANOSECONDS.sleep(wait - 100_000);
                }
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
            }
            if (!inFlight.tryAcquire(Math.max(1, stopNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            send((int) (sent % topics.size()));
            i++;
        }
        if (!inFlight.tryAcquire(MAX_IN_FLIGHT, 30, TimeUnit.SECONDS)) {
            log.warn("{} publishes still unanswered after 30 s", MAX_IN_FLIGHT - inFlight.availablePermits());
        } else {
            inFlight.release(MAX_IN_FLIGHT);
        }
    }

    /** Sends one version of topic {@code t}; the caller holds an in-flight permit. */
    private CompletableFuture<?> send(int t) {
        if (!versionsInText) {
            return send(t, 0);
        }
        long number = ++numbered[t];
        CompletableFuture<?> after = previous[t] == null ? CompletableFuture.completedFuture(null) : previous[t];
        CompletableFuture<?> next = after.handle((r, e) -> null).thenCompose(x -> send(t, number));
        previous[t] = next;
        return next;
    }

    /** Sends one version of topic {@code t}, numbered {@code number} in its text with versionsInText. */
    private CompletableFuture<?> send(int t, long number) {
        sent++;
        // A feed's text also names its feed: a stream of several tells its events apart by it (FeedStream).
        String text = kind == Kind.FEED ? nowMicros() + " " + t + padding
                : versionsInText ? nowMicros() + " " + number + padding : nowMicros() + padding;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + kind.path + topics.get(t)))
                .timeout(Duration.ofSeconds(10))
                .method(kind.method, HttpRequest.BodyPublishers.ofString(text));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            inFlight.release();
            if (error != null || (versionsInText ? response.statusCode() / 100 != 2 : response.statusCode() != 200)) {
                // The first few failures are worth seeing; a flood of them is not.
                if (failed.sum() < 5) {
                    log.warn("publish to {} failed: {}", topics.get(t), error != null ? error.toString() : response.statusCode());
                }
                failed.increment();
                return;
            }
            if (versionsInText) {
                versions.accumulateAndGet(t, number, Math::max);
                published.increment();
                return;
            }
            Matcher m = kind.number.matcher(response.body());
            if (m.find()) {
                long v = Long.parseLong(m.group(1));
                String epoch = kind.epochOf(response.body());
                // The epoch goes with the highest version; answers may come in any order.
                synchronized (epochs) {
                    if (v >= versions.get(t)) {
                        epochs.set(t, epoch);
                    }
                    versions.accumulateAndGet(t, v, Math::max);
                }
                published.increment();
            } else {
                failed.increment();
            }
        });
    }

    /** The highest version of topic {@code t} any answer named. */
    long version(int t) {
        return versions.get(t);
    }

    /** The epoch of {@link #version}{@code (t)}, null if no answer named one (the floor's). */
    String epoch(int t) {
        return epochs.get(t);
    }

    long published() {
        return published.sum();
    }

    long failed() {
        return failed.sum();
    }

    @Override
    public void close() {
        // The JDK 17 HttpClient has no close(); its threads are daemons and its connections idle out.
    }
}
