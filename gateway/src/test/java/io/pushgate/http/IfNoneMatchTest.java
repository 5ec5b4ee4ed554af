package io.pushgate.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IfNoneMatchTest {

    @Test
    void ifNoneMatchComparesWeaklyAndAcceptsLists() {
        assertTrue(TopicResource.matches("\"1-a\"", "\"1-a\""));
        assertTrue(TopicResource.matches("W/\"1-a\"", "\"1-a\""));
        assertTrue(TopicResource.matches("\"0-a\", \"1-a\"", "\"1-a\""));
        assertTrue(TopicResource.matches("*", "\"1-a\""));
        assertFalse(TopicResource.matches("\"2-a\"", "\"1-a\""));
    }
}
