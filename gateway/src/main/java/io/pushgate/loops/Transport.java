package io.pushgate.loops;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/** The I/O transport of a node: native epoll or io_uring where the kernel offers them, NIO otherwise. */
public record Transport(String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel) {

    /** The transport a user asks for ({@code --transport}). */
    public enum Kind {
        AUTO, EPOLL, IO_URING, NIO;

        /** {@code auto}, {@code epoll}, {@code io_uring} (or {@code io-uring}) or {@code nio}, any case. */
        public static Kind parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown transport '" + value + "' (auto, epoll, io_uring, nio)");
            }
        }
    }

    /** The transport {@code wanted}; {@code AUTO} takes epoll when present, else NIO. */
    public static Transport select(Kind wanted) {
        switch (wanted) {
            case EPOLL:
                requireAvailable("epoll", Epoll.isAvailable(), Epoll.unavailabilityCause());
                return epoll();
            case IO_URING:
                requireAvailable("io_uring", IoUring.isAvailable(), IoUring.unavailabilityCause());
                return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
            case NIO:
                return nio();
            case AUTO:
            default:
                return Epoll.isAvailable() ? epoll() : nio();
        }
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    private static void requireAvailable(String name, boolean available, Throwable cause) {
        if (!available) {
            throw new IllegalStateException(name + " transport is not available here: " + cause, cause);
        }
    }
}
