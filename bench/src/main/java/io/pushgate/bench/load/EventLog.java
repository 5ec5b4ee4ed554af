package io.pushgate.bench.load;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The happenings of many streams as tab-separated lines, in the format of
 * {@code deploy/smoke/sse_client.py} (so its {@code report} reads both): wall-clock seconds with
 * microseconds, the kind, the stream's index, then the kind's fields. Lines are queued by any thread
 * and written by {@link #flush}, which the driving thread calls every few milliseconds, so that a
 * shell script polling the file sees a happening soon after it.
 *
 * <p>Thread rules: {@link #write} from any thread (the event loops); {@link #flush} and
 * {@link #close} from one thread.
 */
final class EventLog implements AutoCloseable {
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final BufferedWriter out;

    EventLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    void write(String kind, int stream, String... fields) {
        Instant now = Instant.now();
        StringBuilder line = new StringBuilder(64)
                .append(now.getEpochSecond()).append('.').append(String.format("%06d", now.getNano() / 1_000))
                .append('\t').append(kind).append('\t').append(stream);
        for (String field : fields) {
            line.append('\t').append(field);
        }
        pending.add(line.append('\n').toString());
    }

    void flush() {
        try {
            boolean wrote = false;
            for (String line; (line = pending.poll()) != null; ) {
                out.write(line);
                wrote = true;
            }
            if (wrote) {
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        flush();
        out.close();
    }
}
