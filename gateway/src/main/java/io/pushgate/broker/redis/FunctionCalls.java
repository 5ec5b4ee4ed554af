package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * FCALLs of the node's function library, each made once more after loading the library again when
 * Redis answers that the function is missing: nodes of another release share the Redis and load
 * their own library over it (the same name, {@code pushgate}), which may lack a function this one has.
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads.
 */
final class FunctionCalls {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    private final SessionKeeper sessions;

    FunctionCalls(SessionKeeper sessions) {
        this.sessions = sessions;
    }

    /**
     * {@code FCALL function 1 key args...} with a multi-bulk answer, within the command timeout:
     * Lettuce's own ({@code TimeoutOptions}, {@link SessionKeeper}), on its timer's wheel. No second
     * timer here: a JDK {@code orTimeout} woke its scheduler thread once per publish
     * (bench/RESULTS.md, "The warm-up through Redis": 0.13–0.17 µs per delivery).
     */
    CompletableFuture<List<Object>> call(RedisLink link, String function, byte[] key, byte[][] args) {
        return call(link, false, function, key, args, true);
    }

    /** {@code FCALL_RO function 1 key args...} (a function flagged no-writes), as {@link #call}. */
    CompletableFuture<List<Object>> read(RedisLink link, String function, byte[] key, byte[][] args) {
        return call(link, true, function, key, args, true);
    }

    private CompletableFuture<List<Object>> call(RedisLink link, boolean readOnly, String function, byte[] key,
                                                 byte[][] args, boolean mayReload) {
        byte[][] keys = {key};
        CompletableFuture<List<Object>> call = (readOnly
                ? link.commands().<List<Object>>fcallReadOnly(function, ScriptOutputType.MULTI, keys, args)
                : link.commands().<List<Object>>fcall(function, ScriptOutputType.MULTI, keys, args))
                .toCompletableFuture();
        if (!mayReload) {
            return call;
        }
        return call.exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            // "Function not found" is answered before anything runs, and so is an option that an older
            // library does not know (TTL): the call is safe to make again.
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof RedisCommandExecutionException
                    && (message.contains("not found") || message.startsWith("ERR pushgate: unknown option"))) {
                log.info("the function {} was missing (a node of another release loaded its library?): loading it again",
                        function);
                return sessions.reloadFunctions(link).thenCompose(loaded -> call(link, readOnly, function, key, args, false));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
