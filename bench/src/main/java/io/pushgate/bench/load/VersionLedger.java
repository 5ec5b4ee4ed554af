package io.pushgate.bench.load;

/**
 * The account of one stream: which versions of its topic it saw, against what it had to see. A
 * stream must see every version published after it opened, each once, in order. It starts at a
 * base version (the topic's version when it opened); an event of the base version that arrives
 * first is the server's "latest version" on open, not a duplicate.
 *
 * <ul>
 *   <li>a version above the next expected one: the versions between are <em>lost</em>;</li>
 *   <li>the version just seen again: <em>duplicated</em>;</li>
 *   <li>a version below the last one seen: <em>out of order</em> (the gap it left when the newer
 *   one came first was already counted as lost).</li>
 * </ul>
 * Versions published but never seen by the end are lost ({@link #lostAtEnd}).
 *
 * <p>Thread rules: written on the stream's event loop; {@link #last} may be read from any thread.
 */
final class VersionLedger {
    private volatile long last;
    private boolean first = true;
    private long delivered;
    private long lost;
    private long duplicated;
    private long outOfOrder;

    VersionLedger(long base) {
        this.last = base;
    }

    /**
     * The ledger of a stream that has seen everything up to {@code seq} and must see each later
     * one exactly once (a feed's events after its cursor): there, {@code seq} itself arriving first
     * is a duplicate too.
     */
    static VersionLedger after(long seq) {
        VersionLedger ledger = new VersionLedger(seq);
        ledger.first = false;
        return ledger;
    }

    /** Accounts one received version; returns whether it is a new version in order (a delivery). */
    boolean accept(long version) {
        boolean wasFirst = first;
        first = false;
        long expected = last + 1;
        if (version == expected) {
            last = version;
            delivered++;
            return true;
        }
        if (version > expected) {
            lost += version - expected;
            last = version;
            delivered++;
            return true;
        }
        if (version == last) {
            if (!wasFirst) {
                duplicated++;
            }
            return false;
        }
        outOfOrder++;
        return false;
    }

    /** The highest version seen (or the base). */
    long last() {
        return last;
    }

    long delivered() {
        return delivered;
    }

    long duplicated() {
        return duplicated;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    /** Versions lost, counting those up to {@code finalVersion} (the topic's last) that never came. */
    long lostAtEnd(long finalVersion) {
        return lost + Math.max(0, finalVersion - last);
    }
}
