package io.pushgate.metrics;

/** What the stream registry counts, read at scrape time. Any thread. */
public interface StreamStats {
    /** Open streams now. */
    int count();

    /** Streams that began (their response head went out on an open connection). */
    long opened();

    /** Streams that ended for {@code reason}. */
    long closed(CloseReason reason);

    /** Streams closed because they stayed unwritable past the slow-consumer limit. */
    long slowDisconnects();
}
