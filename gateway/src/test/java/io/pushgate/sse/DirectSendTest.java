package io.pushgate.sse;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The send that skips the outbound queue, on a real epoll connection: when it sends, and when it leaves the frame to the queue. */
class DirectSendTest {
    private EventLoopGroup group;
    private Channel server;
    private Channel accepted;
    private java.net.Socket client;
    private InputStream in;

    @BeforeEach
    void connect() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        CompletableFuture<Channel> child = new CompletableFuture<>();
        server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        child.complete(ch);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        client = new java.net.Socket();
        client.connect(new InetSocketAddress("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort()), 5000);
        client.setSoTimeout(5000);
        in = client.getInputStream();
        accepted = child.get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        if (client != null) {
            client.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return accepted.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
    }

    private static ByteBuf frame(String text) {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer();
        frame.writeCharSequence(text, StandardCharsets.US_ASCII);
        return frame;
    }

    /** {@link DirectSend#send} of {@code frame} on the channel's loop; releases the frame after. */
    private int sendAndRelease(Socket socket, ByteBuf frame) throws Exception {
        try {
            return onLoop(() -> DirectSend.send(socket, frame));
        } finally {
            frame.release();
        }
    }

    private String read(int length) throws Exception {
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    @Test
    void sendsTheFrameWithoutConsumingIt() throws Exception {
        Socket socket = DirectSend.socketOf(accepted);
        assertNotNull(socket);
        ByteBuf frame = frame("skip-abc");
        try {
            frame.skipBytes(5); // only the readable bytes go out
            assertEquals(3, (int) onLoop(() -> DirectSend.send(socket, frame)));
            assertEquals(5, frame.readerIndex(), "the shared frame's indexes stay");
            assertEquals(1, frame.refCnt(), "nothing retained");
            assertEquals("abc", read(3));
        } finally {
            frame.release();
        }
    }

    @Test
    void theQueueIsEmptyOnlyWhileNothingIsWrittenOrLeftUnsent() throws Exception {
        assertTrue(onLoop(() -> DirectSend.queueEmpty(accepted)), "a new channel's queue");
        assertFalse(onLoop(() -> {
            accepted.write(Unpooled.copiedBuffer("first-", StandardCharsets.US_ASCII)); // written, not flushed
            return DirectSend.queueEmpty(accepted);
        }), "an unflushed write");
        assertTrue(onLoop(() -> {
            accepted.flush(); // the kernel takes six bytes at once
            return DirectSend.queueEmpty(accepted);
        }), "once flushed and sent");
        assertEquals("first-", read(6));
    }

    @Test
    void leavesTheFrameToTheQueueOnceTheChannelIsClosed() throws Exception {
        Socket socket = DirectSend.socketOf(accepted);
        accepted.close().sync();
        assertEquals(DirectSend.QUEUE, sendAndRelease(socket, frame("late")));
        assertFalse(onLoop(() -> DirectSend.queueEmpty(accepted)), "a closed channel has no queue");
    }

    @Test
    void leavesAHeapFrameToTheQueue() throws Exception {
        Socket socket = DirectSend.socketOf(accepted);
        ByteBuf frame = Unpooled.copiedBuffer("heap", StandardCharsets.US_ASCII);
        if (frame.hasMemoryAddress()) {
            frame.release();
            assumeTrue(false, "this JVM gives heap buffers a memory address");
        }
        assertEquals(DirectSend.QUEUE, sendAndRelease(socket, frame));
    }

    @Test
    void otherTransportsHaveNoSocketToSendTo() {
        EmbeddedChannel embedded = new EmbeddedChannel();
        try {
            assertNull(DirectSend.socketOf(embedded));
        } finally {
            embedded.finishAndReleaseAll();
        }
    }
}
