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
}
