package io.pushgate.bench.load;

import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * How the load commands open their connections, declared once for all of them (a picocli mixin):
 * connects in flight, connections per source address and the timeout of one connect.
 */
final class ConnectOptions {
    @Option(names = "--max-connecting", defaultValue = "500", description = "Connects in flight at most (default: ${DEFAULT-VALUE}).")
    int maxConnecting;

    // The ephemeral range holds about 28k ports per address, and the ports of streams a client
    // closed stay in TIME_WAIT for 60 s: a run right after another must still find free ones.
    @Option(names = "--ports-per-source", defaultValue = "5000",
            description = "Connections per source address: they come from 127.0.0.2, 127.0.0.3, … in turn "
                    + "(default: ${DEFAULT-VALUE}).")
    int portsPerSource;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Timeout of one connect (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    /** Rejects a non-positive --max-connecting or --ports-per-source. */
    void validate() {
        if (maxConnecting <= 0 || portsPerSource <= 0) {
            throw new IllegalArgumentException("--max-connecting and --ports-per-source must be positive");
        }
    }

    /** The source addresses that {@code connections} connections over a client's life need. */
    List<InetAddress> sources(Target target, int connections) {
        validate();
        return target.sources(connections, portsPerSource);
    }

    /** A client for {@code connections} connections over its life to {@code target}. */
    LoadClient client(Target target, int connections) {
        return client(target, sources(target, connections));
    }

    LoadClient client(Target target, List<InetAddress> sources) {
        return new LoadClient(target, sources, portsPerSource, maxConnecting, connectTimeout, 0);
    }

    /**
     * A client whose {@code connections} streams stop reading after their response head, each with
     * a receive buffer of {@code receiveBuffer} bytes (see {@link LoadClient}).
     */
    LoadClient stalledClient(Target target, int connections, int receiveBuffer) {
        if (receiveBuffer <= 0) {
            throw new IllegalArgumentException("a stalled stream's receive buffer must be positive");
        }
        return new LoadClient(target, sources(target, connections), portsPerSource, maxConnecting, connectTimeout,
                receiveBuffer);
    }
}
