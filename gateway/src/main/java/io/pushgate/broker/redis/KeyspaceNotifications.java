package io.pushgate.broker.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes Redis announce changes of the followed counters (README, "Following an application's
 * keys"): {@code notify-keyspace-events} must hold {@code K} (keyspace channels) and the classes
 * of what can happen to a counter: {@code $} (INCR, SET), {@code g} (DEL, RENAME), {@code x}
 * (expired) and {@code e} (evicted); {@code A} stands for all of them. What is there already is
 * kept: the flags are added to, never replaced, since other clients of the server may rely on them.
 *
 * <p>Stateless; any thread.
 */
final class KeyspaceNotifications {
    static final String NEEDED = "K$gxe";
    private static final String PARAMETER = "notify-keyspace-events";

    /** What a node found, or did, at the start of a session. */
    record Outcome(boolean on, String said) {
    }

    private KeyspaceNotifications() {
    }

    /**
     * Reads the setting and adds the missing flags; completes with whether notifications of the
     * counters are on, and a sentence for the log. A refusal (an ACL without CONFIG, a managed
     * Redis that renames CONFIG) is an outcome, not a failure: the node then polls.
     */
    static CompletableFuture<Outcome> enable(RedisClusterAsyncCommands<byte[], byte[]> commands, Duration timeout) {
        return commands.configGet(PARAMETER).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(values -> {
                    String current = current(values);
                    String missing = missing(current);
                    if (missing.isEmpty()) {
                        return CompletableFuture.completedFuture(new Outcome(true,
                                "keyspace notifications found on (" + PARAMETER + " '" + current + "')"));
                    }
                    String wanted = current + missing;
                    return commands.configSet(PARAMETER, wanted).toCompletableFuture()
                            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .thenApply(ok -> new Outcome(true, "keyspace notifications enabled with CONFIG SET " + PARAMETER
                                    + " '" + wanted + "' (was '" + current + "')"));
                })
                .exceptionally(failure -> new Outcome(false, "could not enable keyspace notifications ("
                        + SessionKeeper.rootMessage(failure) + ")"));
    }

    private static String current(Map<String, String> values) {
        String value = values.get(PARAMETER);
        return value == null ? "" : value;
    }

    /** The flags of {@link #NEEDED} that {@code current} lacks ({@code A} covering {@code $gxe}). */
    static String missing(String current) {
        StringBuilder out = new StringBuilder();
        for (char flag : NEEDED.toCharArray()) {
            boolean covered = current.indexOf(flag) >= 0 || (flag != 'K' && current.indexOf('A') >= 0);
            if (!covered) {
                out.append(flag);
            }
        }
        return out.toString();
    }
}
