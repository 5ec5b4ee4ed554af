package io.pushgate.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IfNoneMatchTest {

    @Test
    void ifNoneMatchComparesWeaklyAndAcceptsLists() {
        assertTrue(HttpRouter.matches("\"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("W/\"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("\"0-a\", \"1-a\"", "\"1-a\""));
        assertTrue(HttpRouter.matches("*", "\"1-a\""));
        assertFalse(HttpRouter.matches("\"2-a\"", "\"1-a\""));
    }
}
