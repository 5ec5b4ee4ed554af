package io.pushgate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket for what an HTTP client library will not send: pipelining, slow or broken requests. */
public final class RawHttp implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(port, 0);
    }

    /** {@code receiveBuffer} > 0 sets a small SO_RCVBUF (before connect), for slow-reader tests. */
    public RawHttp(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads until the peer closes or {@code timeoutMillis} pass without a byte. */
    public String readToEnd(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                bytes.write(buf, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // the caller asserts on what arrived
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads until {@code text} has arrived, the peer closed, or the socket timeout passed (which
     * throws); returns what was read as ISO-8859-1, one char per byte.
     */
    public String readUntil(String text) throws IOException {
        StringBuilder read = new StringBuilder();
        byte[] buf = new byte[65536];
        while (read.indexOf(text, Math.max(0, read.length() - buf.length - text.length())) < 0) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            read.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return read.toString();
    }

    /** Reads until the peer closes; a socket timeout of {@code timeoutMillis} without a byte throws. */
    public String readToEof(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            bytes.write(buf, 0, n);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    public InputStream in() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
