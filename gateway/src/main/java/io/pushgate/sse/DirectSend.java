package io.pushgate.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.nio.channels.NotYetConnectedException;

/**
 * A shared frame sent straight from its memory to the socket of a stream whose channel has nothing
 * queued: one {@code send()}, the syscall Netty's own flush would make, without what the queue
 * costs per subscriber (a duplicate of the frame, its reference count, an outbound entry, the
 * pending-bytes bookkeeping): 0.83–0.96× the CPU per delivery in fan-out A, 0.98× in B (bench/RESULTS.md
 * "Sending without the outbound queue"). What the kernel does not take goes through the channel's
 * queue as ever, and everything after it too until the queue is empty again, so the bytes keep
 * their order. Only for a stream whose handler is the channel's one: no handler may need to see
 * or change the bytes (TLS, compression).
 *
 * <p>Only for epoll channels, whose socket Netty exposes ({@link AbstractEpollStreamChannel#fd()});
 * on other transports there is none and every frame is queued.
 *
 * <p>Thread rules: the channel's event loop only, like Netty's own writes: the socket is closed on
 * that loop too, so it cannot close between the check and the send.
 */
final class DirectSend {
    /** What {@link #send} returns when the frame must go through the channel's queue. */
    static final int QUEUE = -1;

    private DirectSend() {
    }

    /**
     * The socket that {@link #send} writes to for {@code channel}, or null where its transport has
     * none. A stream keeps it in a field: a reference, not an object of its own per idle stream.
     */
    static Socket socketOf(Channel channel) {
        // LinuxSocket, the fd of every epoll stream channel, is a unix Socket.
        return channel instanceof AbstractEpollStreamChannel epoll && epoll.fd() instanceof Socket socket ? socket : null;
    }

    /**
     * Whether nothing is queued on {@code channel}: no flushed entry waits, and no unflushed bytes
     * (a closed channel has no queue, and counts as not empty). A stream asks this only while it
     * may have queued something, not per delivery: see {@link SseStream#writeShared}.
     */
    static boolean queueEmpty(Channel channel) {
        ChannelOutboundBuffer queue = channel.unsafe().outboundBuffer();
        return queue != null && queue.isEmpty() && queue.totalPendingWriteBytes() == 0;
    }

    /**
     * Sends the readable bytes of {@code frame} to {@code socket} (from {@link #socketOf}), whose
     * channel's queue the caller knows to be empty; {@code frame} is not consumed (its indexes stay).
     * Returns how many bytes the kernel took, which may be fewer (its send buffer is full), or
     * {@link #QUEUE}: the socket is closed (its descriptor may be another's by now), the frame has
     * no memory address, or the send failed, in which case the queued write meets the same error
     * and Netty closes the channel as for any failed write.
     */
    static int send(Socket socket, ByteBuf frame) {
        if (!socket.isOpen() || !frame.hasMemoryAddress()) {
            return QUEUE;
        }
        try {
            return socket.sendAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
        } catch (IOException | NotYetConnectedException e) {
            return QUEUE;
        }
    }
}
