package io.pushgate.config;

/**
 * The admin port ({@code /metrics}, {@code /healthz}, {@code /readyz}) and the {@code node} tag of
 * every metric. Immutable.
 */
public record AdminSettings(String bind, int port, String nodeName) {

    public AdminSettings {
        Checks.port(port, "admin port");
    }
}
