package io.pushgate.broker.redis;

import io.pushgate.config.RedisSettings;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The node's calls of feed logs (README, "Feeds in Redis"): appends ({@code FCALL pushgate_append}
 * with a deadline, as {@link Publisher}'s publishes: one left unanswered is reported as of unknown
 * outcome) and reads ({@code FCALL_RO pushgate_history}: a feed's state and its events after a
 * seq, in one atomic read).
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads or the JDK's delay scheduler.
 */
final class FeedCalls {
    static final String APPEND = "pushgate_append";
    static final String HISTORY = "pushgate_history";

    private final Deadlines deadlines;
    private final RedisLayout layout;
    private final SessionKeeper sessions;
    private final FunctionCalls calls;

    FeedCalls(RedisSettings settings, RedisLayout layout, SessionKeeper sessions, FunctionCalls calls) {
        this.deadlines = new Deadlines(settings);
        this.layout = layout;
        this.sessions = sessions;
        this.calls = calls;
    }

    CompletableFuture<FeedEvent> append(String feed, byte[] text) {
        RedisLink link = sessions.active();
        if (link == null) {
            return unavailable();
        }
        long deadline = deadlines.next();
        CompletableFuture<FeedEvent> answer = new CompletableFuture<>();
        calls.call(link, APPEND, layout.key(feed), new byte[][] {text, Deadlines.OPTION, Deadlines.value(deadline)})
                .whenComplete((reply, failure) -> {
                    if (failure == null) {
                        answer.complete(new FeedEvent(feed, ascii(reply.get(0)), (Long) reply.get(1), (Long) reply.get(2), text));
                    } else {
                        deadlines.fail(answer, FunctionCalls.unwrap(failure), deadline, "an append");
                    }
                });
        return answer;
    }

    /** The state of {@code feed} and at most {@code limit} kept events above {@code afterSeq}, on the active session. */
    CompletableFuture<FeedHistory> history(String feed, long afterSeq, int limit) {
        RedisLink link = sessions.active();
        return link == null ? unavailable() : history(link, feed, afterSeq, limit);
    }

    /** As {@link #history(String, long, int)}, on {@code link} (a session that is still being opened). */
    CompletableFuture<FeedHistory> history(RedisLink link, String feed, long afterSeq, int limit) {
        byte[][] args = {decimal(Math.max(0, afterSeq)), decimal(Math.max(0, limit))};
        return calls.read(link, HISTORY, layout.key(feed), args).thenApply(reply -> history(feed, reply));
    }

    /** The reply {@code {}} (no state) or {@code {epoch, first, last, {seq, micros, text}...}}. */
    private static FeedHistory history(String feed, List<Object> reply) {
        if (reply.isEmpty()) {
            return new FeedHistory(FeedState.none(feed), List.of());
        }
        String epoch = ascii(reply.get(0));
        List<FeedEvent> events = new ArrayList<>(reply.size() - 3);
        for (Object one : reply.subList(3, reply.size())) {
            List<?> event = (List<?>) one;
            events.add(new FeedEvent(feed, epoch, (Long) event.get(0), (Long) event.get(1), (byte[]) event.get(2)));
        }
        return new FeedHistory(new FeedState(feed, epoch, (Long) reply.get(1), (Long) reply.get(2)), events);
    }

    private static String ascii(Object bulk) {
        return new String((byte[]) bulk, StandardCharsets.US_ASCII);
    }

    private static byte[] decimal(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static <T> CompletableFuture<T> unavailable() {
        return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
    }
}
