package io.pushgate.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicNamesTest {

    @Test
    void acceptsTheAllowedAlphabet() {
        assertTrue(TopicNames.isValid("Az09._:-"));
        assertTrue(TopicNames.isValid("x".repeat(128)));
        assertTrue(TopicNames.isValid("pushgate"), "only the prefix with its dot is reserved");
        assertTrue(TopicNames.isValid("pushgate-news"));
        assertTrue(TopicNames.isValid("my.pushgate.closed"));
    }

    @Test
    void rejectsTheGatewaysOwnEventNames() {
        assertFalse(TopicNames.isValid("pushgate.closed"));
        assertFalse(TopicNames.isValid("pushgate."));
    }

    @Test
    void rejectsTheDotSegments() {
        assertFalse(TopicNames.isValid("."));
        assertFalse(TopicNames.isValid(".."));
        assertTrue(TopicNames.isValid("..."), "not a dot-segment");
        assertTrue(TopicNames.isValid(".a"));
        assertTrue(TopicNames.isValid("a.."));
    }

    @Test
    void rejectsEverythingElse() {
        for (String bad : new String[] {"", "x".repeat(129), "a b", "a/b", "a%20", "ä", "a?b", "a#", "{a}", "a\n"}) {
            assertFalse(TopicNames.isValid(bad), bad);
        }
    }
}
