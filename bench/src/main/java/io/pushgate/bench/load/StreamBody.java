package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;

/**
 * Reads the body of an open stream (what follows the response head).
 *
 * <p>Thread rules: called on the stream's event loop.
 */
interface StreamBody {
    /** Body bytes as they arrive; the caller releases {@code in}. */
    void read(ByteBuf in);

    /** The stream closed after it was open. */
    void closed();
}
