package io.pushgate.model;

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
}
