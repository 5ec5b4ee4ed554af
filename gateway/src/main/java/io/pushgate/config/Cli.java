package io.pushgate.config;

import io.pushgate.loops.Transport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line: every flag also reads {@code PUSHGATE_<NAME>} from the environment
 * (e.g. {@code PUSHGATE_PORT}); a flag given on the command line wins.
 */
@Command(name = "pushgate", mixinStandardHelpOptions = true, sortOptions = false,
        version = "pushgate 0.1.0",
        description = "Server-Sent Events push gateway: serves versions of texts to many browsers.",
        footer = "%nEvery option can also be set as an environment variable PUSHGATE_<NAME>, "
                + "e.g. PUSHGATE_PORT=8080 or PUSHGATE_MAX_STREAMS=50000.")
final class Cli {
    @Option(names = "--bind", defaultValue = "${env:PUSHGATE_BIND:-" + Defaults.BIND + "}",
            description = "Address of the public port (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "${env:PUSHGATE_PORT:-" + Defaults.PORT + "}",
            description = "Public HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--redis", defaultValue = "${env:PUSHGATE_REDIS:-}",
            description = "Redis URI (redis://[user:password@]host:port[/db], rediss:// for TLS, "
                    + "redis-sentinel://host:port,host:port[/db]#master for Sentinel) shared by all nodes; "
                    + "empty runs the embedded in-memory broker of a single node (default: '${DEFAULT-VALUE}').")
    String redis;

    @Option(names = "--redis-cluster", defaultValue = "${env:PUSHGATE_REDIS_CLUSTER:-}",
            description = "Redis Cluster seed URIs, comma-separated (redis://a:6379,redis://b:6379); topics use "
                    + "sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7+) (default: '${DEFAULT-VALUE}').")
    String redisCluster;

    @Option(names = "--key-prefix", defaultValue = "${env:PUSHGATE_KEY_PREFIX:-" + Defaults.KEY_PREFIX + "}",
            description = "Prefix of the deployment's Redis keys and channels (default: ${DEFAULT-VALUE}).")
    String keyPrefix;

    @Option(names = "--redis-timeout", defaultValue = "${env:PUSHGATE_REDIS_TIMEOUT:-" + Defaults.REDIS_TIMEOUT + "}",
            description = "Connect and command timeout towards Redis; a publish not answered within it gets 504, outcome unknown (default: ${DEFAULT-VALUE}).")
    String redisTimeout;

    @Option(names = "--redis-clock-skew", defaultValue = "${env:PUSHGATE_REDIS_CLOCK_SKEW:-" + Defaults.REDIS_CLOCK_SKEW + "}",
            description = "How far Redis' clock may lag this node's; a publish not answered in time is reported this much after its deadline (default: ${DEFAULT-VALUE}).")
    String redisClockSkew;

    @Option(names = "--redis-ping-interval", defaultValue = "${env:PUSHGATE_REDIS_PING_INTERVAL:-" + Defaults.REDIS_PING_INTERVAL + "}",
            description = "How often the pub/sub connection is PINGed to find a silently dead peer (default: ${DEFAULT-VALUE}).")
    String redisPingInterval;

    @Option(names = "--redis-ping-timeout", defaultValue = "${env:PUSHGATE_REDIS_PING_TIMEOUT:-" + Defaults.REDIS_PING_TIMEOUT + "}",
            description = "A PING unanswered this long ends the Redis session: not ready, reconnect, resync (default: ${DEFAULT-VALUE}).")
    String redisPingTimeout;
    @Option(names = "--topic-ttl", defaultValue = "${env:PUSHGATE_TOPIC_TTL:-" + Defaults.TOPIC_TTL + "}",
            description = "A topic not published for this long expires (in Redis: PEXPIRE set by each publish; embedded: "
                    + "swept); a later publish begins a new epoch at version 1; 0: never (default: ${DEFAULT-VALUE}).")
    String topicTtl;

    @Option(names = "--feed-cap", defaultValue = "${env:PUSHGATE_FEED_CAP:-" + Defaults.FEED_CAP + "}",
            description = "Events a feed keeps (older ones are trimmed: a client that missed more gets pushgate.reset); "
                    + "also the most a node keeps in memory per served feed and the most ?last=N and limit= ask for "
                    + "(default: ${DEFAULT-VALUE}).")
    int feedCap;

    @Option(names = "--follow", split = ";", defaultValue = "${env:PUSHGATE_FOLLOW:-}",
            description = "Serve topic TOPIC from an application's Redis keys: TOPIC=TEXT_KEY,SEQ_KEY; the text in TEXT_KEY "
                    + "becomes a version whenever the counter SEQ_KEY grows. Repeatable (';' separates several in "
                    + "PUSHGATE_FOLLOW); needs --redis or --redis-cluster (default: none).")
    List<String> follow = new ArrayList<>();

    @Option(names = "--follow-file", defaultValue = "${env:PUSHGATE_FOLLOW_FILE:-}",
            description = "File of follows, one TOPIC=TEXT_KEY,SEQ_KEY a line ('#' starts a comment), read at start (default: none).")
    String followFile;

    @Option(names = "--follow-notifications", defaultValue = "${env:PUSHGATE_FOLLOW_NOTIFICATIONS:-" + Defaults.FOLLOW_NOTIFICATIONS + "}",
            description = "auto: learn of followed counters' changes from keyspace notifications, enabling them with CONFIG SET "
                    + "notify-keyspace-events when they are off (polling when Redis refuses, and on a cluster); off: poll only "
                    + "(default: ${DEFAULT-VALUE}).")
    String followNotifications;

    @Option(names = "--follow-poll", defaultValue = "${env:PUSHGATE_FOLLOW_POLL:-" + Defaults.FOLLOW_POLL + "}",
            description = "How often the followed counters are read (one round trip) without keyspace notifications (default: ${DEFAULT-VALUE}).")
    String followPoll;

    @Option(names = "--follow-safety-poll", defaultValue = "${env:PUSHGATE_FOLLOW_SAFETY_POLL:-" + Defaults.FOLLOW_SAFETY_POLL + "}",
            description = "How often each followed topic with clients is checked in full, whatever the mode (the text travels "
                    + "only when it changed): finds a notification lost on a reconnect and keys begun again at the same counter, "
                    + "taken as a new epoch once the text differs this long (default: ${DEFAULT-VALUE}).")
    String followSafetyPoll;

    @Option(names = "--admin-bind", defaultValue = "${env:PUSHGATE_ADMIN_BIND:-" + Defaults.ADMIN_BIND + "}",
            description = "Address of the admin port (/metrics, /healthz, /readyz); keep it off the load balancer (default: ${DEFAULT-VALUE}).")
    String adminBind;

    @Option(names = "--admin-port", defaultValue = "${env:PUSHGATE_ADMIN_PORT:-" + Defaults.ADMIN_PORT + "}",
            description = "Admin HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--node-name", defaultValue = "${env:PUSHGATE_NODE_NAME:-}",
            description = "The 'node' tag on every metric (default: the host name).")
    String nodeName;

    @Option(names = "--transport", defaultValue = "${env:PUSHGATE_TRANSPORT:-" + Defaults.TRANSPORT + "}",
            description = "auto, epoll, io_uring or nio; auto takes epoll, else NIO (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--workers", defaultValue = "${env:PUSHGATE_WORKERS:-" + Defaults.WORKERS + "}",
            description = "Worker event loops; 0 means one per core (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--backlog", defaultValue = "${env:PUSHGATE_BACKLOG:-" + Defaults.BACKLOG + "}",
            description = "Listen backlog; the kernel caps it at net.core.somaxconn (default: ${DEFAULT-VALUE}).")
    int backlog;

    @Option(names = "--heartbeat", defaultValue = "${env:PUSHGATE_HEARTBEAT:-" + Defaults.HEARTBEAT + "}",
            description = "Interval of ':' comment heartbeats on idle streams (default: ${DEFAULT-VALUE}).")
    String heartbeat;

    @Option(names = "--retry", defaultValue = "${env:PUSHGATE_RETRY:-" + Defaults.RETRY + "}",
            description = "Base of the 'retry:' reconnect hint sent at stream start (default: ${DEFAULT-VALUE}).")
    String retry;

    @Option(names = "--retry-jitter", defaultValue = "${env:PUSHGATE_RETRY_JITTER:-" + Defaults.RETRY_JITTER + "}",
            description = "Random extra added to each stream's 'retry:' so reconnects spread (default: ${DEFAULT-VALUE}).")
    String retryJitter;

    @Option(names = "--max-streams", defaultValue = "${env:PUSHGATE_MAX_STREAMS:-" + Defaults.MAX_STREAMS + "}",
            description = "Open SSE streams per node; more are refused for now (200 text/event-stream with a retry:) "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxStreams;

    @Option(names = "--max-topics-per-stream", defaultValue = "${env:PUSHGATE_MAX_TOPICS_PER_STREAM:-" + Defaults.MAX_TOPICS_PER_STREAM + "}",
            description = "Topics one /events stream may name; more get 400 (default: ${DEFAULT-VALUE}).")
    int maxTopicsPerStream;

    @Option(names = "--max-text", defaultValue = "${env:PUSHGATE_MAX_TEXT:-" + Defaults.MAX_TEXT + "}",
            description = "Largest text a PUT may carry; larger get 413 (default: ${DEFAULT-VALUE}).")
    String maxText;

    @Option(names = "--accept-rate", defaultValue = "${env:PUSHGATE_ACCEPT_RATE:-" + Defaults.ACCEPT_RATE + "}",
            description = "New connections per second, sustained (two seconds' worth pass at once); above it a stream is "
                    + "refused for now (200 text/event-stream with a retry:), other requests get 429; 0 = no limit "
                    + "(default: ${DEFAULT-VALUE}).")
    int acceptRate;

    @Option(names = "--max-initial-line", defaultValue = "${env:PUSHGATE_MAX_INITIAL_LINE:-" + Defaults.MAX_INITIAL_LINE + "}",
            description = "Longest request line; longer get 431. Unset: long enough for the longest legal /events "
                    + "request (--max-topics-per-stream topics of 128 characters, each percent-encoded, lastEventId and a "
                    + "2 KiB access_token); a shorter one stops the start (default: unset).")
    String maxInitialLine;

    @Option(names = "--max-header-size", defaultValue = "${env:PUSHGATE_MAX_HEADER_SIZE:-" + Defaults.MAX_HEADER_SIZE + "}",
            description = "Largest request header block; larger get 431 (default: ${DEFAULT-VALUE}).")
    String maxHeaderSize;

    @Option(names = "--header-timeout", defaultValue = "${env:PUSHGATE_HEADER_TIMEOUT:-" + Defaults.HEADER_TIMEOUT + "}",
            description = "Time to send a whole request (slowloris guard): 408 after it; "
                    + "also how long an idle keep-alive connection stays (default: ${DEFAULT-VALUE}).")
    String headerTimeout;

    @Option(names = "--slow-consumer-timeout", defaultValue = "${env:PUSHGATE_SLOW_CONSUMER_TIMEOUT:-" + Defaults.SLOW_CONSUMER_TIMEOUT + "}",
            description = "A stream that cannot take data for this long is closed (default: ${DEFAULT-VALUE}).")
    String slowConsumerTimeout;

    @Option(names = "--write-buffer-low", defaultValue = "${env:PUSHGATE_WRITE_BUFFER_LOW:-" + Defaults.WRITE_BUFFER_LOW + "}",
            description = "Per-stream low-water mark: a slow stream is writable again below it (default: ${DEFAULT-VALUE}).")
    String writeBufferLow;

    @Option(names = "--write-buffer-high", defaultValue = "${env:PUSHGATE_WRITE_BUFFER_HIGH:-" + Defaults.WRITE_BUFFER_HIGH + "}",
            description = "Per-stream high-water mark: above it a stream gets no new frames and is conflated (default: ${DEFAULT-VALUE}).")
    String writeBufferHigh;

    @Option(names = "--send-buffer", defaultValue = "${env:PUSHGATE_SEND_BUFFER:-" + Defaults.SEND_BUFFER + "}",
            description = "Kernel send buffer per connection (SO_SNDBUF; Linux doubles it): bounds the kernel memory a "
                    + "stalled reader holds; 0 = the kernel's auto-tuning, up to net.ipv4.tcp_wmem's max (default: ${DEFAULT-VALUE}).")
    String sendBuffer;

    @Option(names = "--cors-origins", split = ",", defaultValue = "${env:PUSHGATE_CORS_ORIGINS:-}",
            description = "Origins allowed to GET and PUT from a browser, comma-separated, with credentials (the "
                    + "pushgate_token cookie); '*' allows any, without credentials; empty allows none (default: '${DEFAULT-VALUE}').")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--auth-secret-file", defaultValue = "${env:PUSHGATE_AUTH_SECRET_FILE:-}",
            description = "File with the HMAC secret (32+ bytes) that HS256/384/512 tokens are signed with; read again "
                    + "when it changes. With a key file every publish and every read of a non-public topic needs a token "
                    + "(default: none, the node is open).")
    String authSecretFile;

    @Option(names = "--auth-jwks-file", defaultValue = "${env:PUSHGATE_AUTH_JWKS_FILE:-}",
            description = "JWKS file with the public keys (RSA, EC) that RS/PS/ES tokens are signed with; read again when it "
                    + "changes (default: none).")
    String authJwksFile;

    @Option(names = "--auth-audience", defaultValue = "${env:PUSHGATE_AUTH_AUDIENCE:-}",
            description = "The 'aud' a token must name (default: not checked).")
    String authAudience;

    @Option(names = "--auth-issuer", defaultValue = "${env:PUSHGATE_AUTH_ISSUER:-}",
            description = "The 'iss' a token must carry (default: not checked).")
    String authIssuer;

    @Option(names = "--auth-leeway", defaultValue = "${env:PUSHGATE_AUTH_LEEWAY:-" + Defaults.AUTH_LEEWAY + "}",
            description = "Clock skew allowed on 'exp' and 'nbf' (default: ${DEFAULT-VALUE}).")
    String authLeeway;

    @Option(names = "--auth-revocation-window",
            defaultValue = "${env:PUSHGATE_AUTH_REVOCATION_WINDOW:-" + Defaults.AUTH_REVOCATION_WINDOW + "}",
            description = "How long the tokens of a subject revoked on the admin port (POST /revocations) and issued "
                    + "before it stay refused; make it at least your tokens' lifetime (default: ${DEFAULT-VALUE}).")
    String authRevocationWindow;

    @Option(names = "--public-topics", split = ",", defaultValue = "${env:PUSHGATE_PUBLIC_TOPICS:-}",
            description = "Topics anyone may read without a token when keys are configured: names, prefixes ending in *, "
                    + "or *, comma-separated (default: none).")
    List<String> publicTopics = new ArrayList<>();

    @Option(names = "--drain-timeout", defaultValue = "${env:PUSHGATE_DRAIN_TIMEOUT:-" + Defaults.DRAIN_TIMEOUT + "}",
            description = "On SIGTERM, streams are closed in batches over this window, then the process exits 0 (default: ${DEFAULT-VALUE}).")
    String drainTimeout;

    @Option(names = "--drain-grace", defaultValue = "${env:PUSHGATE_DRAIN_GRACE:-" + Defaults.DRAIN_GRACE + "}",
            description = "On SIGTERM, new connections are still accepted this long, so load balancers notice /readyz (default: ${DEFAULT-VALUE}).")
    String drainGrace;

    @Option(names = "--broker-loss-handoff",
            defaultValue = "${env:PUSHGATE_BROKER_LOSS_HANDOFF:-" + Defaults.BROKER_LOSS_HANDOFF + "}",
            description = "A node that has lost its broker (Redis) this long hands its streams to other nodes, once per "
                    + "loss, ended in batches over the drain timeout with a retry:; 0 = never (default: ${DEFAULT-VALUE}).")
    String brokerLossHandoff;

    @Option(names = "--warm-up", defaultValue = "${env:PUSHGATE_WARM_UP:-" + Defaults.WARM_UP + "}",
            description = "Before /readyz answers 200 the node runs streams and publishes of its own over loopback (on "
                    + "a topic and port no client reaches) until the JIT's compilers are idle under that load, for at "
                    + "most this long, so that the serving path is compiled before clients come; the public port "
                    + "serves meanwhile; 0 = off (default: ${DEFAULT-VALUE}).")
    String warmUp;

    static NodeConfig parse(String... args) {
        Cli cli = new Cli();
        new CommandLine(cli).parseArgs(args);
        return cli.toConfig();
    }

    /**
     * Parses {@code args} for {@code main}: prints help or version and returns {@code null} when
     * asked for them, and throws {@link CommandLine.ParameterException} on bad input.
     */
    static NodeConfig parseForMain(String[] args, java.io.PrintWriter out) {
        Cli cli = new Cli();
        CommandLine line = new CommandLine(cli);
        try {
            line.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            String link = serviceLink(System.getenv());
            throw link == null ? e : new CommandLine.ParameterException(line, e.getMessage() + "; " + link, e);
        }
        if (line.isUsageHelpRequested()) {
            line.usage(out);
            return null;
        }
        if (line.isVersionHelpRequested()) {
            line.printVersionHelp(out);
            return null;
        }
        return cli.toConfig();
    }

    /**
     * What to say when {@code env} holds a Kubernetes service link where a setting is read: a Service
     * named {@code pushgate} gives every pod of its namespace {@code PUSHGATE_PORT=tcp://<ip>:<port>}
     * and the like, which the node would take as its own settings; null when there is none.
     */
    static String serviceLink(Map<String, String> env) {
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith("PUSHGATE_") && e.getValue().startsWith("tcp://")) {
                return e.getKey() + "=" + e.getValue() + " is a Kubernetes service link (a Service named pushgate in "
                        + "this namespace), not a setting: set enableServiceLinks: false in the pod spec, as deploy/k8s "
                        + "does, or name the Service otherwise";
            }
        }
        return null;
    }

    NodeConfig toConfig() {
        List<String> origins = nonBlank(corsOrigins);
        String single = redis.trim();
        String cluster = redisCluster.trim();
        if (!single.isEmpty() && !cluster.isEmpty()) {
            throw new IllegalArgumentException("give --redis or --redis-cluster, not both");
        }
        RedisSettings.requireValidPrefix(keyPrefix);
        Optional<RedisSettings> redisSettings = single.isEmpty() && cluster.isEmpty()
                ? Optional.empty()
                : Optional.of(new RedisSettings(cluster.isEmpty() ? single : cluster, !cluster.isEmpty(), keyPrefix,
                        Units.duration(redisTimeout), Units.duration(redisPingInterval), Units.duration(redisPingTimeout),
                        Units.duration(redisClockSkew)));
        FollowSettings follows = follows();
        if (!follows.follows().isEmpty() && redisSettings.isEmpty()) {
            throw new IllegalArgumentException("--follow needs --redis or --redis-cluster: the embedded broker has no Redis "
                    + "keys to follow");
        }
        return new NodeConfig(
                new ServerSettings(bind, port, Transport.Kind.parse(transport), workers, backlog,
                        Units.size(writeBufferLow), Units.size(writeBufferHigh), Units.size(sendBuffer)),
                new AdminSettings(adminBind, adminPort, nodeName(nodeName)),
                new HttpSettings(maxInitialLine.isBlank() ? 0 : Units.size(maxInitialLine), Units.size(maxHeaderSize), Units.duration(headerTimeout),
                        Units.size(maxText), maxTopicsPerStream, acceptRate, origins),
                new StreamSettings(Units.duration(heartbeat), Units.duration(retry), Units.duration(retryJitter),
                        maxStreams, Units.duration(slowConsumerTimeout)),
                redisSettings,
                new AuthSettings(path(authSecretFile), path(authJwksFile), text(authAudience), text(authIssuer),
                        Units.duration(authLeeway), nonBlank(publicTopics), Units.duration(authRevocationWindow)),
                new DrainSettings(Units.duration(drainTimeout), Units.duration(drainGrace),
                        Units.duration(brokerLossHandoff)),
                follows, new TopicSettings(Units.duration(topicTtl)), new FeedSettings(feedCap),
                new WarmUpSettings(Units.duration(warmUp)));
    }

    /** The follows of {@code --follow} and of the lines of {@code --follow-file}. */
    private FollowSettings follows() {
        List<FollowSettings.Keys> keys = new ArrayList<>();
        for (String spec : nonBlank(follow)) {
            keys.add(FollowSettings.Keys.parse(spec));
        }
        if (!followFile.isBlank()) {
            Path file = Path.of(followFile.trim());
            List<String> lines;
            try {
                lines = java.nio.file.Files.readAllLines(file);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--follow-file " + file + ": cannot read it (" + e + ")");
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int hash = line.indexOf('#');
                String spec = (hash < 0 ? line : line.substring(0, hash)).trim();
                if (spec.isEmpty()) {
                    continue;
                }
                try {
                    keys.add(FollowSettings.Keys.parse(spec));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--follow-file " + file + " line " + (i + 1) + ": " + e.getMessage());
                }
            }
        }
        boolean notifications = switch (followNotifications.trim()) {
            case "auto" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--follow-notifications is auto or off, not '" + followNotifications + "'");
        };
        return new FollowSettings(keys, notifications, Units.duration(followPoll), Units.duration(followSafetyPoll));
    }

    private static Optional<Path> path(String value) {
        return text(value).map(Path::of);
    }

    private static Optional<String> text(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static List<String> nonBlank(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String value : values) {
            if (!value.isBlank()) {
                out.add(value.trim());
            }
        }
        return out;
    }

    private static String nodeName(String value) {
        if (value != null && !value.isBlank()) {
            return value.trim();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
