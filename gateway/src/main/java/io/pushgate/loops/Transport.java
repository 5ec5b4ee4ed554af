package io.pushgate.loops;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The I/O transport of a node: native epoll or io_uring where the kernel offers them, NIO otherwise.
 * {@code serverChannel} accepts on the node's ports; {@code socketChannel} is the client channel
 * that may be registered on the same loops (the Redis client's connections, when it connects with it).
 */
public record Transport(String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel) {

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

    /**
     * The transport {@code wanted}; {@code AUTO} takes epoll when present, else NIO, with a warning
     * on Linux, where epoll should be there (Netty could not load its native library, e.g. from a
     * read-only root with no writable temporary directory). Not io_uring, although it cost ~5 % less
     * per delivery in fan-out B (bench/RESULTS.md "Issue 16: warm fan-out"): with every test node on
     * it, Netty's paranoid leak detection reported a receive buffer of its io_uring transport leaked;
     * it stays a choice ({@code --transport io_uring}) until that is understood.
     */
    public static Transport select(Kind wanted) {
        switch (wanted) {
            case EPOLL:
                requireAvailable("epoll", Epoll.isAvailable(), Epoll.unavailabilityCause());
                return epoll();
            case IO_URING:
                requireAvailable("io_uring", IoUring.isAvailable(), IoUring.unavailabilityCause());
                return ioUring();
            case NIO:
                return nio();
            case AUTO:
            default:
                if (Epoll.isAvailable()) {
                    return epoll();
                }
                if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
                    LoggerFactory.getLogger(Transport.class).warn("epoll is not available ({}): serving with NIO, which "
                            + "costs more CPU per delivery; Netty extracts its native library to a temporary directory, "
                            + "so give it a writable one (-Dio.netty.native.workdir=DIR, or a writable /tmp), or ask for "
                            + "--transport epoll to fail instead", Epoll.unavailabilityCause().toString());
                }
                return nio();
        }
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    private static void requireAvailable(String name, boolean available, Throwable cause) {
        if (!available) {
            throw new IllegalStateException(name + " transport is not available here: " + cause, cause);
        }
    }
}
