package io.pushgate.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicNamesTest {

    @Test
    void acceptsTheAllowedAlphabet() {
        assertTrue(TopicNames.isValid("Az09._:-"));
        assertTrue(TopicNames.isValid("x".repeat(128)));
    }

    @Test
    void rejectsEverythingElse() {
        for (String bad : new String[] {"", "x".repeat(129), "a b", "a/b", "a%20", "ä", "a?b", "a#", "{a}", "a\n"}) {
            assertFalse(TopicNames.isValid(bad), bad);
        }
    }

    @Test
    void ifNoneMatchComparesWeaklyAndAcceptsLists() {
        assertTrue(HttpRouter.matches("\"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("W/\"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("\"0-a\", \"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("*", "\"1-a\""));
        assertFalse(HttpRouter.matches("\"2-a\"", "\"1-a\""));
    }
}
