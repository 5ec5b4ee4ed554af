package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One attempt to open a stream, and then the stream: sends the request when connected, reads the
 * response head, and from then on hands what arrives to the stream's {@link StreamBody} (or, with
 * none, only counts bytes).
 * Each attempt ends exactly once in {@link LoadClient}: open (a whole head with status 200),
 * rejected (another status) or failed (no connection, or closed before the head).
 *
 * <p>Thread rules: one per channel, on its event loop.
 */
final class StreamAttempt extends ChannelInboundHandlerAdapter {
    /** A response head longer than this is not the gateway's. */
    private static final int MAX_HEAD = 8192;

    private final LoadClient client;
    private final byte[] request;
    private final StreamBody body;
    private StringBuilder statusLine = new StringBuilder(32);
    private boolean statusRead;
    private int lineLength;
    private int headLength;
    private boolean ended;
    private boolean open;

    StreamAttempt(LoadClient client, byte[] request, StreamBody body) {
        this.client = client;
        this.request = request;
        this.body = body;
    }

    /** The connect failed: the channel never became active. */
    void connectFailed(Throwable cause) {
        end(() -> client.failed(cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(request), ctx.voidPromise());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            ByteBuf in = (ByteBuf) msg;
            client.received(in.readableBytes());
            if (!ended) {
                readHead(ctx, in);
            }
            if (open && body != null && in.isReadable()) {
                body.read(in);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Reads the status line, then the header lines up to the empty one that ends the head. */
    private void readHead(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            byte b = in.readByte();
            if (++headLength > MAX_HEAD) {
                end(() -> client.failed("response head too long"));
                ctx.close();
                return;
            }
            if (b == '\r') {
                continue;
            }
            if (b != '\n') {
                if (!statusRead) {
                    statusLine.append((char) (b & 0xFF));
                }
                lineLength++;
                continue;
            }
            if (!statusRead) {
                statusRead = true;
                String line = statusLine.toString();
                statusLine = null;
                if (!line.startsWith("HTTP/1.1 200 ")) {
                    String[] parts = line.split(" ", 3);
                    end(() -> client.rejected(parts.length > 1 ? parts[1] : line));
                    ctx.close();
                    return;
                }
            } else if (lineLength == 0) {
                open = true;
                if (body != null) {
                    body.opened(ctx.channel());
                }
                end(() -> client.opened(ctx.channel()));
                return;
            }
            lineLength = 0;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (open) {
            if (body != null) {
                body.closed();
            }
            client.closed(ctx.channel());
        } else {
            end(() -> client.failed("closed before the response head"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        client.error(cause);
        ctx.close();
    }

    private void end(Runnable outcome) {
        if (!ended) {
            ended = true;
            outcome.run();
        }
    }
}
