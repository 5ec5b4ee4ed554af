package io.pushgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can black-hole its connections in both directions, no FIN or RST
 * sent — a peer that vanished silently. Two kinds: {@link #blackhole} drops the bytes (the link
 * never comes back for them); {@link #hold} keeps them and delivers them when the link comes back,
 * as TCP does with the segments a dropped route swallowed (retransmitted until acknowledged, also
 * after the sender closed its socket: the FIN waits behind them).
 */
public final class BlackholeProxy implements AutoCloseable {
    private final ServerSocket server;
    private volatile int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean blackhole;
    private final Object holding = new Object();
    private boolean hold;

    public BlackholeProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "blackhole-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Sends new connections to {@code port} from now on and closes the open ones (their peers see
     * the connection end): a service address that moved to another server, as after a failover.
     */
    public void retarget(int port) {
        targetPort = port;
        sockets.forEach(BlackholeProxy::closeQuietly);
        sockets.clear();
    }

    /** While on, every connection (old and new) swallows what it gets. */
    public void blackhole(boolean on) {
        blackhole = on;
    }

    /**
     * While on, every connection (old and new) keeps what it gets; turned off, it delivers what it
     * kept, in order, then goes on forwarding.
     */
    public void hold(boolean on) {
        synchronized (holding) {
            hold = on;
            holding.notifyAll();
        }
    }

    private void awaitRelease() throws InterruptedException {
        synchronized (holding) {
            while (hold) {
                holding.wait();
            }
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 2000);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed or the target is down: the client sees its connection end
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitRelease();
                    if (!blackhole) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "blackhole-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        hold(false);
        server.close();
        sockets.forEach(BlackholeProxy::closeQuietly);
    }
}
