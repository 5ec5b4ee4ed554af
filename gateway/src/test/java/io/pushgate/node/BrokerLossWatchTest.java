package io.pushgate.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerLossWatchTest {
    private static final long S = 1_000_000_000L;

    @Test
    void handsOffOnceWhenTheBrokerIsAwayLongerThanTheBound() {
        BrokerLossWatch watch = new BrokerLossWatch(30 * S);
        assertFalse(watch.handOff(true, 1 * S));
        assertFalse(watch.handOff(false, 2 * S), "just lost");
        assertFalse(watch.handOff(false, 31 * S), "29 s away");
        assertTrue(watch.handOff(false, 32 * S), "30 s away");
        assertFalse(watch.handOff(false, 33 * S), "once per loss: no bouncing while every node is deaf");
        assertFalse(watch.handOff(false, 600 * S));
    }

    @Test
    void aBrokerBackInTimeStartsANewLoss() {
        BrokerLossWatch watch = new BrokerLossWatch(10 * S);
        assertFalse(watch.handOff(false, 0));
        assertFalse(watch.handOff(true, 9 * S), "back within the bound: nothing handed off");
        assertFalse(watch.handOff(false, 10 * S));
        assertFalse(watch.handOff(false, 19 * S));
        assertTrue(watch.handOff(false, 20 * S));
        assertFalse(watch.handOff(true, 21 * S));
        assertFalse(watch.handOff(false, 22 * S));
        assertTrue(watch.handOff(false, 32 * S), "a second loss hands off again");
    }
}
