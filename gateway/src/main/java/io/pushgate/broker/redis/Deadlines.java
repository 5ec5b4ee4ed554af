package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.pushgate.config.RedisSettings;
import io.pushgate.model.PublishOutcomeUnknown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline that every write of the node carries (a publish, an append; README, "What a failed
 * publish means"), and what a write without an answer is reported as.
 *
 * <p>A timeout does not mean "not done": a call the node stopped waiting for may still be on its
 * way (a black-holed link that comes back, TCP retransmitting it), and Redis would then store it
 * over newer writes. So every call carries its deadline, the node's wall clock plus the command
 * timeout, and the function stores nothing once Redis' own clock is past it. A call without an
 * answer is reported as of unknown outcome ({@link PublishOutcomeUnknown}), never as refused, and
 * only once the node's clock is {@link RedisSettings#clockSkew} past the deadline: from then on
 * Redis refuses it, as long as Redis' clock lags the node's by less than that. Refused only
 * means refused: no session (nothing sent), or Redis' answer that it stored nothing.
 *
 * <p>Thread rules: any thread; failures complete on the caller's thread or the JDK's delay scheduler.
 */
final class Deadlines {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    /** The option name of the functions, followed by the deadline in Unix milliseconds. */
    static final byte[] OPTION = "DEADLINE".getBytes(StandardCharsets.US_ASCII);

    private final RedisSettings settings;

    Deadlines(RedisSettings settings) {
        this.settings = settings;
    }

    /** The deadline of a call made now, in Unix milliseconds. */
    long next() {
        return System.currentTimeMillis() + settings.commandTimeout().toMillis();
    }

    static byte[] value(long deadline) {
        return Long.toString(deadline).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Fails {@code answer}, a {@code what} ("a publish", "an append") with {@code deadline}: with Redis'
     * error as it is when Redis answered (it then stored nothing), else with
     * {@link PublishOutcomeUnknown} once Redis would refuse the call.
     */
    void fail(CompletableFuture<?> answer, Throwable failure, long deadline, String what) {
        if (failure instanceof RedisCommandExecutionException) {
            String message = String.valueOf(failure.getMessage());
            if (message.startsWith("DEADLINE")) {
                log.warn("redis refused {} as late ({}); if calls are not slow, Redis' clock runs ahead of this node's",
                        what, message);
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
}
