package io.pushgate.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IfNoneMatchTest {

    @Test
    void ifNoneMatchComparesWeaklyAndAcceptsLists() {
        assertTrue(Exchange.matches("\"1-a\"", "\"1-a\""));
        assertTrue(Exchange.matches("W/\"1-a\"", "\"1-a\""));
        assertTrue(Exchange.matches("\"0-a\", \"1-a\"", "\"1-a\""));
        assertTrue(Exchange.matches("*", "\"1-a\""));
        assertFalse(Exchange.matches("\"2-a\"", "\"1-a\""));
    }
}
