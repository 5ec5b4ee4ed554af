package io.pushgate.wire;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LastEventIdTest {

    @Test
    void parsesSingleTopicId() {
        assertEquals(new LastEventId(null, 42, "k3f9x2ab"), EventIds.parse("42-k3f9x2ab"));
    }

    @Test
    void parsesMultiTopicId() {
        assertEquals(new LastEventId("a.b:c", 7, "abc12345"), EventIds.parse("a.b:c/7-abc12345"));
    }

    @Test
    void rejectsGarbage() {
        for (String bad : new String[] {null, "", "42", "-abc", "x-abc", "42-", "42-ABC", "42-abc-def",
                "99999999999999999999-abc", "bad topic/1-abc", "/1-abc", "1-abc/x", "42-abc def"}) {
            assertNull(EventIds.parse(bad), String.valueOf(bad));
        }
    }

    @Test
    void singleTopicIdDescribesOnlySingleTopicStreams() {
        LastEventId id = EventIds.parse("3-abc");
        assertTrue(id.describes("x", false));
        assertFalse(id.describes("x", true));
    }

    @Test
    void multiTopicIdDescribesItsTopicOnly() {
        LastEventId id = EventIds.parse("x/3-abc");
        assertTrue(id.describes("x", true));
        assertFalse(id.describes("y", true));
    }

    @Test
    void parsesTheCursorListOfAStreamOfSeveralFeeds() {
        assertEquals(java.util.List.of(new LastEventId("b", 57, "e1"), new LastEventId("c", 12, "e2")),
                EventIds.parseList("b/57-e1,c/12-e2", 64));
        assertEquals(java.util.List.of(new LastEventId(null, 3, "abc")), EventIds.parseList("3-abc", 64),
                "one id is a list of one");
    }

    @Test
    void rejectsACursorListWithAnyBadPartOrTooManyIds() {
        for (String bad : new String[] {null, "", ",", "b/1-e1,", ",b/1-e1", "b/1-e1,,c/2-e2", "b/1-e1,garbage",
                "b/1-e1,c d/2-e2"}) {
            assertNull(EventIds.parseList(bad, 64), String.valueOf(bad));
        }
        assertNull(EventIds.parseList("a/1-e,b/1-e,c/1-e", 2), "more ids than names in a stream");
        assertEquals(3, EventIds.parseList("a/1-e,b/1-e,c/1-e", 3).size());
    }

    @Test
    void aCursorListOfTheLongestNamesFitsItsBound() {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            list.append(i == 0 ? "" : ",").append(String.format("%03d", i)).append("n".repeat(125)).append('/')
                    .append("9".repeat(18)).append('-').append("e".repeat(16));
        }
        assertTrue(list.length() <= EventIds.maxListLength(64));
        assertEquals(64, EventIds.parseList(list.toString(), 64).size());
    }
}
