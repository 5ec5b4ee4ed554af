package io.pushgate.config;

import io.pushgate.loops.Transport;

/**
 * The public port: where it listens, on which transport and how many worker loops, and the
 * per-connection write-buffer water marks (above the high mark a stream is slow and gets
 * conflated), and the kernel's send buffer per connection. Immutable.
 *
 * @param workers    worker event loops; 0 means one per core
 * @param sendBuffer SO_SNDBUF of each connection; 0 leaves it to the kernel's auto-tuning
 */
public record ServerSettings(String bind, int port, Transport.Kind transport, int workers, int backlog,
                             int writeBufferLow, int writeBufferHigh, int sendBuffer) {

    public ServerSettings {
        Checks.port(port, "port");
        if (workers < 0 || backlog < 1 || sendBuffer < 0) {
            throw new IllegalArgumentException("workers and send buffer must be 0 or more, backlog positive");
        }
        if (writeBufferLow > writeBufferHigh) {
            throw new IllegalArgumentException("write-buffer-low above write-buffer-high");
        }
    }

    /** The number of worker loops: {@link #workers()}, or one per core when it is 0. */
    public int workerThreads() {
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }
}
