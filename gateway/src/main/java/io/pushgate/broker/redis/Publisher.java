package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's writes of topic states: publishes ({@code FCALL pushgate_publish_v2} with a deadline,
 * an {@code IFMATCH} when the publish is conditional, a {@code TTL} when topics expire; README,
 * "What a failed publish means") and deletes ({@code FCALL pushgate_delete}).
 *
 * <p>Every publish carries a deadline ({@link Deadlines}): one left unanswered is reported as of
 * unknown outcome, never as refused.
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads or the JDK's delay scheduler.
 */
final class Publisher {
    private static final byte[] IFMATCH = "IFMATCH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TTL = "TTL".getBytes(StandardCharsets.US_ASCII);
    static final String DELETE_FUNCTION = "pushgate_delete";
    /** The error reply of a condition that did not hold: "PRECONDITION pushgate: current 7-k3f9x2ab". */
    private static final Pattern CURRENT = Pattern.compile("^PRECONDITION .*current (\\d{1,18})-([0-9a-z]{1,16})$");

    private final Deadlines deadlines;
    private final RedisLayout layout;
    private final SessionKeeper sessions;
    private final FunctionCalls calls;
    /** The TTL option of every publish ({@code TTL <ms>}), or null when topics never expire. */
    private final byte[] ttlMillis;
    private final LongAdder deleted = new LongAdder();

    Publisher(RedisSettings settings, TopicSettings topics, RedisLayout layout, SessionKeeper sessions, FunctionCalls calls) {
        this.deadlines = new Deadlines(settings);
        this.ttlMillis = topics.expires() ? Long.toString(topics.ttl().toMillis()).getBytes(StandardCharsets.US_ASCII) : null;
        this.layout = layout;
        this.sessions = sessions;
        this.calls = calls;
    }

    CompletableFuture<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        RedisLink link = sessions.active();
        if (link == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
        }
        long deadline = deadlines.next();
        byte[][] args = arguments(text, deadline, ifMatch);
        CompletableFuture<TopicVersion> answer = new CompletableFuture<>();
        calls.call(link, PublishLibrary.NODE_FUNCTION, layout.key(topic), args).whenComplete((reply, failure) -> {
            if (failure == null) {
                String epoch = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                answer.complete(new TopicVersion(topic, epoch, (Long) reply.get(1), (Long) reply.get(2), text));
            } else {
                fail(answer, unwrap(failure), deadline);
            }
        });
        return answer;
    }

    private byte[][] arguments(byte[] text, long deadline, IfMatch ifMatch) {
        List<byte[]> args = new ArrayList<>(7);
        args.add(text);
        args.add(Deadlines.OPTION);
        args.add(Deadlines.value(deadline));
        if (ifMatch != null) {
            args.add(IFMATCH);
            args.add(tag(ifMatch));
        }
        if (ttlMillis != null) {
            args.add(TTL);
            args.add(ttlMillis);
        }
        return args.toArray(new byte[0][]);
    }

    private static byte[] tag(IfMatch ifMatch) {
        return (ifMatch.any() ? "*" : ifMatch.version() + "-" + ifMatch.epoch()).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code FCALL pushgate_delete}: what was deleted, {@code null} when there was nothing. A delete
     * is idempotent, so one left unanswered is reported as a failure to retry, not of unknown outcome.
     */
    CompletableFuture<TopicDeletion> delete(String topic, IfMatch ifMatch) {
        RedisLink link = sessions.active();
        if (link == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
        }
        byte[][] args = ifMatch == null ? new byte[0][] : new byte[][] {IFMATCH, tag(ifMatch)};
        CompletableFuture<TopicDeletion> answer = new CompletableFuture<>();
        calls.call(link, DELETE_FUNCTION, layout.key(topic), args).whenComplete((reply, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                String message = String.valueOf(cause.getMessage());
                answer.completeExceptionally(cause instanceof RedisCommandExecutionException && message.startsWith("PRECONDITION")
                        ? current(message) : cause);
            } else if (reply.isEmpty()) {
                answer.complete(null);
            } else {
                deleted.increment();
                answer.complete(new TopicDeletion(topic, new String((byte[]) reply.get(0), StandardCharsets.US_ASCII),
                        (Long) reply.get(1), (Long) reply.get(2)));
            }
        });
        return answer;
    }

    /** Topics this node deleted. */
    long deleted() {
        return deleted.sum();
    }

    private void fail(CompletableFuture<TopicVersion> answer, Throwable failure, long deadline) {
        if (failure instanceof RedisCommandExecutionException && String.valueOf(failure.getMessage()).startsWith("PRECONDITION")) {
            // Redis answered: the function stored nothing.
            answer.completeExceptionally(current(failure.getMessage()));
        } else {
            deadlines.fail(answer, failure, deadline, "a publish");
        }
    }

    private static PreconditionFailed current(String message) {
        Matcher m = CURRENT.matcher(message);
        return m.matches() ? new PreconditionFailed(m.group(2), Long.parseLong(m.group(1))) : new PreconditionFailed(null, 0);
    }

    private static Throwable unwrap(Throwable failure) {
        return FunctionCalls.unwrap(failure);
    }
}
