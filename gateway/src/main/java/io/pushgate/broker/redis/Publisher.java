package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's writes of topic states: publishes ({@code FCALL pushgate_publish_v2} with a deadline,
 * an {@code IFMATCH} when the publish is conditional, a {@code TTL} when topics expire; README,
 * "What a failed publish means") and deletes ({@code FCALL pushgate_delete}).
 *
 * <p>A timeout does not mean "not done": a call the node stopped waiting for may still be on its
 * way (a black-holed link that comes back, TCP retransmitting it), and Redis would then store it
 * over newer texts. So every call carries its deadline, the node's wall clock plus the command
 * timeout, and the function stores nothing once Redis' own clock is past it. A call without an
 * answer is reported as of unknown outcome ({@link PublishOutcomeUnknown}), never as refused, and
 * only once the node's clock is {@link RedisSettings#clockSkew} past the deadline: from then on
 * Redis refuses it, as long as Redis' clock lags the node's by less than that. Refused only
 * means refused: no session (nothing sent), or Redis' answer that it stored nothing.
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads or the JDK's delay scheduler.
 */
final class Publisher {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final byte[] DEADLINE = "DEADLINE".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IFMATCH = "IFMATCH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TTL = "TTL".getBytes(StandardCharsets.US_ASCII);
    static final String DELETE_FUNCTION = "pushgate_delete";
    /** The error reply of a condition that did not hold: "PRECONDITION pushgate: current 7-k3f9x2ab". */
    private static final Pattern CURRENT = Pattern.compile("^PRECONDITION .*current (\\d{1,18})-([0-9a-z]{1,16})$");

    private final RedisSettings settings;
    private final RedisLayout layout;
    private final SessionKeeper sessions;
    private final FunctionCalls calls;
    /** The TTL option of every publish ({@code TTL <ms>}), or null when topics never expire. */
    private final byte[] ttlMillis;
    private final LongAdder deleted = new LongAdder();

    Publisher(RedisSettings settings, TopicSettings topics, RedisLayout layout, SessionKeeper sessions, FunctionCalls calls) {
        this.settings = settings;
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
        long deadline = System.currentTimeMillis() + settings.commandTimeout().toMillis();
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
        args.add(DEADLINE);
        args.add(Long.toString(deadline).getBytes(StandardCharsets.US_ASCII));
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
        if (failure instanceof RedisCommandExecutionException) {
            // Redis answered: the function stored nothing.
            String message = String.valueOf(failure.getMessage());
            if (message.startsWith("PRECONDITION")) {
                answer.completeExceptionally(current(message));
                return;
            }
            if (message.startsWith("DEADLINE")) {
                log.warn("redis refused a publish as late ({}); if calls are not slow, Redis' clock runs ahead of this node's",
                        message);
            }
            answer.completeExceptionally(failure);
            return;
        }
        long reportAt = deadline + settings.clockSkew().toMillis();
        long wait = Math.max(0, reportAt - System.currentTimeMillis());
        PublishOutcomeUnknown unknown = new PublishOutcomeUnknown("no answer from redis in time ("
                + failure + "); stored or not, it will not be stored after its deadline");
        CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS).execute(() -> answer.completeExceptionally(unknown));
    }

    private static PreconditionFailed current(String message) {
        Matcher m = CURRENT.matcher(message);
        return m.matches() ? new PreconditionFailed(m.group(2), Long.parseLong(m.group(1))) : new PreconditionFailed(null, 0);
    }

    private static Throwable unwrap(Throwable failure) {
        return FunctionCalls.unwrap(failure);
    }
}
