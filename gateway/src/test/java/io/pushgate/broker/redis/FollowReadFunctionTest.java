package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FCALL pushgate_follow_read} itself: what it answers and when it renews the epoch, on a
 * redis-server of this test's own (the shared one may hold the library of another checkout).
 */
class FollowReadFunctionTest {
    @RegisterExtension
    static final LibraryServer library = new LibraryServer();
    private String text;
    private String seq;
    private String state;

    @BeforeEach
    void keys() {
        String app = "app-" + UUID.randomUUID().toString().substring(0, 8);
        text = app + ":text";
        seq = app + ":seq";
        state = "{" + seq + "}:pushgate:follow";
    }

    private List<Object> read(long graceMillis, String... known) {
        String[] args = new String[1 + known.length];
        args[0] = Long.toString(graceMillis);
        System.arraycopy(known, 0, args, 1, known.length);
        return library.commands().fcall(FollowReads.FUNCTION, ScriptOutputType.MULTI, new String[] {text, seq, state}, args);
    }

    @Test
    void theCounterIsTheVersionAndTheAppsKeysAreOnlyRead() {
        library.commands().set(text, "hello");
        library.commands().set(seq, "5");
        List<Object> first = read(1000);
        assertEquals(5, first.size());
        assertEquals("5", first.get(1));
        assertEquals("hello", first.get(3));
        assertEquals(0L, first.get(4));
        Map<String, String> hash = library.commands().hgetall(state);
        assertEquals(first.get(0), hash.get("epoch"));
        assertEquals("5", hash.get("seen"));
        assertEquals(first.get(2), hash.get("ts"));
        assertEquals("hello", library.commands().get(text));
        assertEquals("5", library.commands().get(seq));
        assertEquals(first.subList(0, 4), read(1000).subList(0, 4), "a second read agrees: same epoch and time");
    }

    @Test
    void aCallerThatHoldsTheStateGetsItWithoutTheText() {
        library.commands().set(text, "hello");
        library.commands().set(seq, "1");
        List<Object> first = read(1000);
        assertEquals(first.subList(0, 3), read(1000, (String) first.get(0), "1"));
        library.commands().incr(seq);
        List<Object> moved = read(1000, (String) first.get(0), "1");
        assertEquals(5, moved.size(), "a newer version comes with its text");
        assertEquals("2", moved.get(1));
    }

    @Test
    void aCounterBelowTheHighestReadRenewsTheEpoch() {
        library.commands().set(text, "a");
        library.commands().set(seq, "3");
        String before = (String) read(1000).get(0);
        library.commands().set(seq, "1");
        List<Object> after = read(1000);
        assertNotEquals(before, after.get(0));
        assertEquals("1", after.get(1));
        assertEquals(after.get(0), read(1000).get(0), "renewed once, not at every read");
    }

    @Test
    void missingKeysAnswerNothingAndTheirReturnRenewsTheEpoch() {
        library.commands().set(text, "a");
        library.commands().set(seq, "1");
        String before = (String) read(1000).get(0);
        library.commands().del(text, seq);
        assertEquals(List.of(), read(1000));
        assertEquals("0", library.commands().hget(state, "seen"));
        library.commands().set(text, "b");
        library.commands().set(seq, "1");
        List<Object> back = read(1000);
        assertNotEquals(before, back.get(0), "the same counter, in a new epoch");
        assertEquals("b", back.get(3));
    }

    @Test
    void aTextChangedAtTheSameCounterRenewsTheEpochOnlyOnceItLastsPastTheGrace() {
        library.commands().set(text, "a");
        library.commands().set(seq, "1");
        String before = (String) read(60_000).get(0);
        library.commands().set(text, "b");
        List<Object> unsettled = read(60_000);
        assertEquals(before, unsettled.get(0), "within the grace: a writer between SET and INCR");
        assertEquals(1L, unsettled.get(4));
        assertEquals(before, read(60_000).get(0));
        List<Object> renewed = read(0);
        assertNotEquals(before, renewed.get(0), "past the grace: keys begun again at the same counter");
        assertEquals("b", renewed.get(3));
        assertEquals(0L, renewed.get(4));
        assertEquals(renewed.get(0), read(0).get(0));
    }

    @Test
    void aCounterThatHoldsNoIntegerIsAnError() {
        library.commands().set(text, "a");
        library.commands().set(seq, "many");
        RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, () -> read(1000));
        assertTrue(e.getMessage().contains("does not hold an integer"), e.getMessage());
    }
}
