package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionLedgerTest {

    private static VersionLedger seen(long base, long... versions) {
        VersionLedger ledger = new VersionLedger(base);
        for (long v : versions) {
            ledger.accept(v);
        }
        return ledger;
    }

    @Test
    void aStreamThatSeesEveryVersionInOrderIsClean() {
        VersionLedger ledger = seen(1, 1, 2, 3, 4);
        assertEquals(0, ledger.lostAtEnd(4));
        assertEquals(0, ledger.duplicated());
        assertEquals(0, ledger.outOfOrder());
        assertEquals(3, ledger.delivered());
    }

    @Test
    void theBaseVersionResentOnOpenIsNotADuplicate() {
        assertEquals(0, seen(5, 5, 6).duplicated());
    }

    @Test
    void afterASeqThatSeqAgainIsADuplicate() {
        VersionLedger ledger = VersionLedger.after(5);
        ledger.accept(5);
        ledger.accept(6);
        assertEquals(1, ledger.duplicated());
        assertEquals(0, ledger.lostAtEnd(6));
    }

    @Test
    void aStreamThatOpensWithoutTheBaseVersionIsCleanToo() {
        VersionLedger ledger = seen(5, 6, 7);
        assertEquals(0, ledger.lostAtEnd(7));
        assertEquals(0, ledger.duplicated());
    }

    @Test
    void aSkippedVersionIsLost() {
        VersionLedger ledger = seen(1, 2, 4, 5);
        assertEquals(1, ledger.lostAtEnd(5));
        assertEquals(0, ledger.duplicated());
        assertEquals(0, ledger.outOfOrder());
    }

    @Test
    void versionsNeverSeenByTheEndAreLost() {
        assertEquals(2, seen(1, 2, 3).lostAtEnd(5));
    }

    @Test
    void aRepeatedVersionIsDuplicated() {
        VersionLedger ledger = seen(1, 2, 3, 3, 4);
        assertEquals(1, ledger.duplicated());
        assertEquals(0, ledger.lostAtEnd(4));
        assertEquals(0, ledger.outOfOrder());
    }

    @Test
    void theBaseVersionSeenTwiceIsDuplicated() {
        assertEquals(1, seen(1, 1, 1).duplicated());
    }

    @Test
    void anOlderVersionAfterANewerOneIsOutOfOrder() {
        VersionLedger ledger = seen(1, 3, 2, 4);
        assertEquals(1, ledger.outOfOrder());
        assertEquals(0, ledger.duplicated());
    }

    @Test
    void onlyNewVersionsInOrderAreDeliveries() {
        VersionLedger ledger = new VersionLedger(1);
        assertTrue(ledger.accept(2));
        assertFalse(ledger.accept(2));
        assertFalse(ledger.accept(1));
        assertTrue(ledger.accept(3));
    }
}
