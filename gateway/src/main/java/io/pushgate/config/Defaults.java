package io.pushgate.config;

/**
 * Every default setting of a node, in one place (package-private: the settings records carry them out). Strings are written as a user would write the
 * flag ({@code 15s}, {@code 1MiB}); {@link Cli} puts them in its option annotations (which need
 * compile-time constants) and {@code --help} shows them.
 */
final class Defaults {
    public static final String BIND = "0.0.0.0";
    public static final int PORT = 8080;
    public static final String TRANSPORT = "auto";
    /** 0: one worker event loop per core. */
    public static final int WORKERS = 0;
    public static final int BACKLOG = 4096;
    public static final String WRITE_BUFFER_LOW = "32KiB";
    public static final String WRITE_BUFFER_HIGH = "64KiB";
    /**
     * A stream takes little bandwidth: 64 KiB (128 KiB as Linux counts it) carries an SSE stream at
     * more than 1 MB/s over a 100 ms path, and a stalled reader holds no more than that in the kernel
     * (with auto-tuning it was ~2.2 MB, issue 13).
     */
    public static final String SEND_BUFFER = "64KiB";

    public static final String ADMIN_BIND = "127.0.0.1";
    public static final int ADMIN_PORT = 9090;

    public static final String KEY_PREFIX = "pushgate";
    public static final String REDIS_TIMEOUT = "2s";
    public static final String REDIS_PING_INTERVAL = "5s";
    public static final String REDIS_PING_TIMEOUT = "2s";
    /** Hosts kept in sync by NTP are within milliseconds; a quarter second covers a careless one. */
    public static final String REDIS_CLOCK_SKEW = "250ms";

    /**
     * Topics never expire unless asked: a topic's state is what its subscribers see, and one that
     * vanished unasked would surprise them; a deployment with one-off topics sets a TTL.
     */
    public static final String TOPIC_TTL = "0";

    /**
     * A feed keeps its last thousand events: minutes of a busy wall or chat, hours of a user's
     * notifications, for a client that was away; about a thousand times an event's size per feed.
     */
    public static final int FEED_CAP = 1000;

    /** A change of a followed counter reaches clients within this when Redis sends no keyspace notifications. */
    public static final String FOLLOW_POLL = "100ms";
    /** While notifications arrive, a lost one (a reconnect) is made good within this. */
    public static final String FOLLOW_SAFETY_POLL = "1s";
    public static final String FOLLOW_NOTIFICATIONS = "auto";

    /**
     * Below the idle timeouts proxies have by default (Heroku 55 s; nginx, AWS ALB 60 s; Cloudflare
     * 100 s) with room for a late tick, as Mercure's 40 s; each heartbeat is a write, and 15,000 idle
     * streams at 15 s cost 0.75-1.4 % of a core in them (README "The heartbeat interval").
     */
    public static final String HEARTBEAT = "40s";
    public static final String RETRY = "1s";
    public static final String RETRY_JITTER = "2s";
    public static final int MAX_STREAMS = 100_000;
    public static final String SLOW_CONSUMER_TIMEOUT = "30s";

    public static final int MAX_TOPICS_PER_STREAM = 64;
    public static final String MAX_TEXT = "1MiB";
    /**
     * Measured on 2 cores (bench/RESULTS.md, "Crash of a node behind nginx (issue 13)"): a refusal
     * for now cost the node more CPU than the reconnect it turns away (~340-550 µs against
     * ~100-165 µs), so this is no throttle but a guard against floods beyond what a node can serve:
     * about half the 7,200-10,500 reconnects/s a quiet 2-core node took, and above the rate at which
     * the survivor of a peer's crash (10,000 streams, retry: 1-3 s) took its clients. Scale it with
     * the cores: 2,500 per core.
     */
    public static final int ACCEPT_RATE = 5000;
    /** Empty: long enough for the longest legal stream request (the HTTP layer works it out from the other limits). */
    public static final String MAX_INITIAL_LINE = "";
    public static final String MAX_HEADER_SIZE = "8KiB";
    public static final String HEADER_TIMEOUT = "10s";

    public static final String AUTH_LEEWAY = "30s";
    public static final String AUTH_REVOCATION_WINDOW = "1h";

    /**
     * A bound, not the usual length: the warm-up ends once it has done its minimum and the JIT's
     * compilers have been idle under its load (bench/RESULTS.md, "Cold start, the warm-up until the
     * compilers are idle": 16-22 s on 2 cores with both compilers, ~2.5 s with C1 only). The public
     * port serves meanwhile; only /readyz waits.
     */
    public static final String WARM_UP = "30s";

    public static final String DRAIN_TIMEOUT = "30s";
    public static final String DRAIN_GRACE = "1s";
    /**
     * Longer than a Redis restart or a Sentinel failover (seconds), so a blip moves no client; short
     * enough that no client sits on a deaf node for long (README "Redis mode").
     */
    public static final String BROKER_LOSS_HANDOFF = "30s";

    private Defaults() {
    }
}
