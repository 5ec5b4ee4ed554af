package io.pushgate.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel memory held by one server port's TCP connections on this machine, from
 * {@code ss -tmn} (one netlink dump, filtered in the kernel to the port): on the server's side
 * the bytes queued to send (Send-Q) and the write queue's memory ({@code skmem w}, what counts
 * against the host's TCP memory), on the client's side the bytes received and not read (Recv-Q);
 * each split into the connections of the stalled streams (known by their client ports) and the
 * others. Every state counts, not only established: a socket closed with a FIN keeps what it had
 * queued until the peer takes it or resets. Also the host's TCP memory from
 * {@code /proc/net/sockstat} (pages, every process's sockets).
 *
 * <p>Thread rules: any single thread; each {@link #sample} runs {@code ss} once.
 */
final class SocketMemory {
    /** {@code ss -O} line: state, Recv-Q, Send-Q, local, peer, … skmem:(r…,rb…,t…,tb…,f…,w…,…). */
    private static final Pattern LINE = Pattern.compile(
            "^(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+\\S*:(\\d+)\\s+\\S*:(\\d+)\\s.*?skmem:\\(r(\\d+),rb(\\d+),t(\\d+),tb(\\d+),f\\d+,w(\\d+)");
    private static final Pattern TCP_MEM = Pattern.compile("^TCP:.* mem (\\d+)", Pattern.MULTILINE);

    /**
     * One sample. {@code stalled*} are the connections whose client port is a stalled stream's,
     * {@code normal*} the server's other connections (the streams that read, the PUTs).
     */
    record Sample(int stalledSockets, long stalledSendQueue, long stalledWriteMemory, long stalledSendBuffer,
                  long stalledClientReceiveQueue, int normalSockets, long normalSendQueue, long normalWriteMemory,
                  long hostTcpMemPages) {
    }

    private final int serverPort;
    private final List<String> command;

    SocketMemory(int serverPort) {
        this.serverPort = serverPort;
        this.command = List.of("ss", "-tmnHO", "( sport = :" + serverPort + " or dport = :" + serverPort + " )");
    }

    /** Samples now; {@code stalledPorts} are the client ports of the stalled streams. */
    Sample sample(Set<Integer> stalledPorts) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!ss.waitFor(5, TimeUnit.SECONDS) || ss.exitValue() != 0) {
            ss.destroyForcibly();
            throw new IOException("ss failed: " + out.strip());
        }
        return parse(out, serverPort, stalledPorts, hostTcpMemPages());
    }

    static Sample parse(String ssOutput, int serverPort, Set<Integer> stalledPorts, long hostTcpMemPages) {
        Sum stalled = new Sum();
        Sum normal = new Sum();
        long stalledClientReceive = 0;
        for (String line : ssOutput.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (!m.find() || m.group(1).equals("LISTEN")) {
                continue;
            }
            int local = Integer.parseInt(m.group(4));
            int peer = Integer.parseInt(m.group(5));
            if (local == serverPort) {
                (stalledPorts.contains(peer) ? stalled : normal).add(m);
            } else if (peer == serverPort && stalledPorts.contains(local)) {
                stalledClientReceive += Long.parseLong(m.group(2));
            }
        }
        return new Sample(stalled.sockets, stalled.sendQueue, stalled.writeMemory, stalled.sendBuffer, stalledClientReceive,
                normal.sockets, normal.sendQueue, normal.writeMemory, hostTcpMemPages);
    }

    /** The server's side of some connections, summed. */
    private static final class Sum {
        int sockets;
        long sendQueue;
        long writeMemory;
        long sendBuffer;

        void add(Matcher line) {
            sockets++;
            sendQueue += Long.parseLong(line.group(3));
            sendBuffer += Long.parseLong(line.group(9));
            writeMemory += Long.parseLong(line.group(10));
        }
    }

    /** The host's TCP memory in pages ({@code /proc/net/sockstat} "TCP: … mem"), -1 if unknown. */
    static long hostTcpMemPages() {
        try {
            Matcher m = TCP_MEM.matcher(Files.readString(Path.of("/proc/net/sockstat")));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
