package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XTrimArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FCALL pushgate_append} and {@code FCALL_RO pushgate_history} as any application calls
 * them: what they refuse, and a log that was emptied by hand. On a redis-server of this test's own.
 */
class FeedFunctionTest {
    @RegisterExtension
    static final LibraryServer library = new LibraryServer();

    private static String key(String feed) {
        return library.fixture().prefix + ":{" + feed + "}";
    }

    private static String feed() {
        return "f-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<Object> append(String key, String... args) {
        return library.commands().fcall("pushgate_append", ScriptOutputType.MULTI, new String[] {key}, args);
    }

    private static List<Object> history(String key, String... args) {
        return library.commands().fcallReadOnly("pushgate_history", ScriptOutputType.MULTI, new String[] {key}, args);
    }

    private static String error(Runnable call) {
        return assertThrows(RedisCommandExecutionException.class, call::run).getMessage();
    }

    @Test
    void aKeyWithoutAFeedNameAnOptionOfTopicsOrABadReadIsRefused() {
        assertTrue(error(() -> append("no-braces", "x")).startsWith("ERR pushgate: key must be <prefix>:{<feed>}"));
        assertTrue(error(() -> append(key(feed()))).contains("text argument is missing"));
        assertTrue(error(() -> append(key(feed()), "x", "IFMATCH", "*")).startsWith("ERR pushgate: unknown option"));
        assertTrue(error(() -> append(key(feed()), "x", "DEADLINE", "soon")).startsWith("ERR pushgate: unknown option"));
        assertTrue(error(() -> history(key(feed()), "0")).startsWith("ERR pushgate: usage"));
        assertTrue(error(() -> history(key(feed()), "-1", "10")).startsWith("ERR pushgate: usage"));
        assertTrue(error(() -> history(key(feed()), "0", "1e9")).startsWith("ERR pushgate: usage"));
        assertTrue(error(() -> history("no-braces", "0", "10")).startsWith("ERR pushgate: key must be"));
    }

    @Test
    void aLogEmptiedByHandKeepsItsEpochAndGoesOnFromItsLastSeq() {
        String key = key(feed());
        append(key, "one");
        List<Object> two = append(key, "two");
        library.commands().xtrim(key + ":log", XTrimArgs.Builder.maxlen(0));
        assertEquals(List.of(two.get(0), 3L, 2L), history(key, "0", "10"), "every event trimmed: first = last + 1");
        List<Object> three = append(key, "three");
        assertEquals(List.of(two.get(0), 3L), three.subList(0, 2));
    }

    @Test
    void historyReadsAfterAnySeqWithinWhatIsKept() {
        String key = key(feed());
        for (int i = 1; i <= 5; i++) {
            append(key, "e" + i);
        }
        List<Object> all = history(key, "0", "2");
        assertEquals(List.of(1L, 5L), all.subList(1, 3));
        assertEquals(2 + 3, all.size(), "the limit");
        assertEquals(5L, ((List<?>) history(key, "4", "10").get(3)).get(0));
        assertEquals(3, history(key, "9223372036854775807", "10").size(), "a seq above the last: the state only");
        assertEquals(List.of(), history(key(feed()), "0", "10"), "no log: no state");
    }
}
