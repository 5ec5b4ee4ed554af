package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Reads the body of an open stream (what follows the response head).
 *
 * <p>Thread rules: called on the stream's event loop.
 */
interface StreamBody {
    /** The response head was read: the stream is open on {@code channel}. */
    default void opened(Channel channel) {
    }

    /** Body bytes as they arrive; the caller releases {@code in}. */
    void read(ByteBuf in);

    /** The stream closed after it was open. */
    void closed();
}
