package io.pushgate;

import io.pushgate.broker.Broker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.Config;
import io.pushgate.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

/** Starts one node from flags and {@code PUSHGATE_*} variables; SIGTERM drains it and exits 0. */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Config config;
        PrintWriter out = new PrintWriter(System.out, true);
        try {
            config = Config.fromMain(args, out);
        } catch (RuntimeException e) {
            System.err.println("pushgate: " + e.getMessage());
            System.err.println("Try 'pushgate --help' for the options.");
            System.exit(2);
            return;
        }
        if (config == null) {
            return;
        }
        Broker broker = config.usesRedis() ? new RedisBroker(config.redisSettings()) : new InMemoryBroker();
        Node server = Node.start(config, broker);
        Runnable drainAndExit = () -> {
            try {
                server.drain().get(config.drainTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
                log.info("drained, exiting");
                System.exit(0);
            } catch (Exception e) {
                log.error("drain did not finish cleanly", e);
                System.exit(1);
            }
        };
        // SIGTERM is the orderly stop of service managers: drain, then exit 0 (not the JVM's 143).
        Signal.handle(new Signal("TERM"), signal -> new Thread(drainAndExit, "pushgate-drain").start());
        Signal.handle(new Signal("INT"), signal -> new Thread(drainAndExit, "pushgate-drain").start());
    }
}
