package io.pushgate.node;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The node's stream cap: {@code --max-streams}, lowered to what the process's open-file limit
 * allows, so that the node refuses streams the temporary way (200 with a {@code retry:}) before
 * the kernel refuses connections (which a client sees as no answer at all, and which would starve
 * the admin port too). Each stream holds one file; {@link #reserve} files are kept for everything
 * else: the admin port and its scrapes, REST connections, connections being refused, Redis, the
 * event loops' own descriptors and the jar.
 *
 * <p>A pure function of its inputs but for {@link #ofThisProcess}; immutable.
 */
record StreamCap(int streams, long openFileLimit, boolean lowered) {

    /** Files kept for all but streams: 256, plus 2 % of the limit. */
    static long reserve(long openFileLimit) {
        return 256 + openFileLimit / 50;
    }

    /** The cap for {@code maxStreams} under {@code openFileLimit} (≤ 0: unknown, no lowering); at least 1. */
    static StreamCap of(int maxStreams, long openFileLimit) {
        if (openFileLimit <= 0) {
            return new StreamCap(maxStreams, openFileLimit, false);
        }
        long allowed = Math.max(1, openFileLimit - reserve(openFileLimit));
        return allowed < maxStreams
                ? new StreamCap((int) allowed, openFileLimit, true)
                : new StreamCap(maxStreams, openFileLimit, false);
    }

    /** This process's open-file limit (the soft one, which the kernel enforces), or -1 where the JVM cannot tell. */
    static long ofThisProcess() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** The start-up line's words for it. */
    String describe(int maxStreams) {
        if (lowered) {
            return "stream cap " + streams + ": the open-file limit " + openFileLimit + " allows no more than --max-streams "
                    + maxStreams + " (raise LimitNOFILE / ulimit -n)";
        }
        return "stream cap " + streams + " (--max-streams; open-file limit " + (openFileLimit > 0 ? openFileLimit : "unknown") + ")";
    }
}
