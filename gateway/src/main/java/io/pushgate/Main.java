package io.pushgate;

import io.pushgate.config.NodeConfig;
import io.pushgate.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts one node from flags and {@code PUSHGATE_*} variables. SIGTERM or SIGINT drains it and
 * exits 0; a second SIGTERM during the drain changes nothing, a second SIGINT stops at once.
 * A start that fails prints one line naming the cause and exits 1.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    /** The exit status after a second SIGINT cut the drain short (128 + SIGINT, as a shell reports it). */
    private static final int INTERRUPTED = 130;

    private final Node node;
    private final long drainDeadlineMillis;
    private final AtomicInteger signals = new AtomicInteger();

    private Main(Node node, long drainDeadlineMillis) {
        this.node = node;
        this.drainDeadlineMillis = drainDeadlineMillis;
    }

    public static void main(String[] args) {
        NodeConfig config;
        PrintWriter out = new PrintWriter(System.out, true);
        try {
            config = NodeConfig.fromMain(args, out);
        } catch (RuntimeException e) {
            System.err.println("pushgate: " + e.getMessage());
            System.err.println("Try 'pushgate --help' for the options.");
            System.exit(2);
            return;
        }
        if (config == null) {
            return;
        }
        Node node;
        try {
            node = Node.start(config);
        } catch (Exception e) {
            log.error("cannot start: {}", cause(e));
            System.exit(1);
            return;
        }
        Main main = new Main(node, config.drain().timeout().toMillis() + 5000);
        Signal.handle(new Signal("TERM"), signal -> main.onSignal(false));
        Signal.handle(new Signal("INT"), signal -> main.onSignal(true));
    }

    /** On the JVM's signal thread: must not block. */
    private void onSignal(boolean interrupt) {
        int count = signals.incrementAndGet();
        String name = interrupt ? "SIGINT" : "SIGTERM";
        if (count == 1) {
            log.info("{}: draining", name);
            node.drain().orTimeout(drainDeadlineMillis, TimeUnit.MILLISECONDS).whenComplete((ok, failure) -> {
                if (failure == null) {
                    log.info("drained, exiting");
                    System.exit(0);
                }
                log.error("drain did not finish cleanly: {}", cause(failure));
                System.exit(1);
            });
        } else if (interrupt) {
            log.warn("SIGINT again: stopping now, without finishing the drain");
            node.close().whenComplete((ok, failure) -> System.exit(INTERRUPTED));
        } else if (count == 2) {
            log.info("{} again: already draining (a second SIGINT stops at once)", name);
        }
    }

    /** The innermost cause of {@code e}, as one line. */
    private static String cause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
