package io.pushgate.browser;

import io.pushgate.testing.Chromium;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A stream refused for now must not leave a browser's EventSource closed for good (README, "Limits
 * and refusals"): in a real headless Chromium, four EventSources against a node that holds two
 * streams; the two refused ones stay CONNECTING, come back after their retry:, and get the latest
 * version once the node has room again.
 */
class RefusalBrowserTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Opens four EventSources of topic arguments[0]; each records its texts. */
    private static final String OPEN = """
            window.sources = [];
            window.texts = [];
            for (let i = 0; i < 4; i++) {
              const es = new EventSource('/topics/' + arguments[0] + '/events');
              window.texts.push([]);
              es.onmessage = (e) => window.texts[i].push(e.data);
              window.sources.push(es);
            }
            """;

    @Test
    void streamsRefusedAtTheStreamLimitComeBackAndGetTheLatestVersion() throws Exception {
        try (Chromium chromium = Chromium.start();
             // One event loop: the cap is exact (with several, concurrent opens may overshoot it by one per loop).
             TestNode node = TestNode.start("--workers", "1", "--max-streams", "2", "--retry", "1s", "--retry-jitter", "500ms")) {
            String topic = TestNode.topic();
            node.publish(topic, "v1");
            // A page of the node's origin that opens no stream of its own.
            chromium.driver.get(node.uri("/pushgate.js").toString());
            chromium.run(OPEN, topic);
            WebDriverWait wait = new WebDriverWait(chromium.driver, DEADLINE);
            wait.until(d -> Long.valueOf(2).equals(chromium.run(
                    "return window.texts.filter(t => t.length > 0).length;")));
            // Refused for now, not for good: the browser keeps trying.
            wait.until(d -> node.scrape().value("pushgate_stream_refusals_total", "reason", "stream_limit") >= 2);
            assertEquals(0L, chromium.run("return window.sources.filter(s => s.readyState === EventSource.CLOSED).length;"));

            // Room again: the two that were served leave, the others come back and get what is latest.
            chromium.run("window.sources.forEach((s, i) => { if (window.texts[i].length > 0) { s.close(); s.served = true; } });");
            node.publish(topic, "v2");
            wait.until(d -> Long.valueOf(2).equals(chromium.run(
                    "return window.sources.filter((s, i) => !s.served && window.texts[i].includes('v2')).length;")));
            assertEquals(0L, chromium.run(
                    "return window.sources.filter(s => !s.served && s.readyState === EventSource.CLOSED).length;"));
        }
    }
}
