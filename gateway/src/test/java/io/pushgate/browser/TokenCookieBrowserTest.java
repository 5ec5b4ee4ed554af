package io.pushgate.browser;

import io.pushgate.testing.Chromium;
import io.pushgate.testing.TestNode;
import io.pushgate.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code pushgate_token} cookie of a same-site app, in a real headless Chromium: a page on
 * {@code http://localhost:A} sets the cookie and opens {@code new EventSource('http://localhost:B/…',
 * {withCredentials: true})} to a keyed gateway on another port (another origin, the same site).
 * The browser sends the cookie and accepts the stream only when the gateway names the page's
 * origin and allows credentials ({@code --cors-origins http://localhost:A}); a gateway that allows
 * any origin ({@code *}) gets no stream into the page, and without credentials the cookie is not
 * sent (401, the EventSource stays closed).
 */
class TokenCookieBrowserTest {
    private static final String SECRET = "a test secret of at least thirty-two bytes, for HS256";
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Opens an EventSource; arguments: url, withCredentials, name. Records texts and the last readyState. */
    private static final String OPEN = """
            const es = new EventSource(arguments[0], {withCredentials: arguments[1]});
            const rec = window[arguments[2]] = {texts: [], state: -1, es: es};
            es.onmessage = (e) => rec.texts.push(e.data);
            es.onerror = () => { rec.state = es.readyState; };
            """;

    @TempDir
    static Path keys;
    private static Path secretFile;
    private static Chromium chromium;

    @BeforeAll
    static void start() throws Exception {
        secretFile = Files.writeString(keys.resolve("secret"), SECRET);
        chromium = Chromium.start();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
    }

    private static String token(Map<String, List<String>> grants) {
        return Tokens.hs256(SECRET, Tokens.claims("alice", grants).build());
    }

    private static void publish(TestNode node, String topic, String text) {
        HttpResponse<String> answer = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .header("Authorization", "Bearer " + token(Map.of("publish", List.of("*"))))
                .PUT(HttpRequest.BodyPublishers.ofString(text)).build());
        assertEquals(200, answer.statusCode(), answer.body());
    }

    private static Object run(String script) {
        return chromium.run(script);
    }

    private static void await(String condition) {
        new WebDriverWait(chromium.driver, DEADLINE).until(d -> Boolean.TRUE.equals(chromium.run("return " + condition + ";")));
    }

    @Test
    void aSameSitePageReadsAPrivateTopicWithTheCookieOnlyFromAListedOriginWithCredentials() {
        try (TestNode page = TestNode.start();
             TestNode listed = TestNode.start("--auth-secret-file", secretFile.toString(),
                     "--cors-origins", "http://localhost:" + page.port());
             TestNode any = TestNode.start("--auth-secret-file", secretFile.toString(), "--cors-origins", "*")) {
            String topic = "user.alice." + TestNode.topic();
            publish(listed, topic, "for alice");
            publish(any, topic, "for alice");
            chromium.driver.get("http://localhost:" + page.port() + "/");
            String cookie = "pushgate_token=" + token(Map.of("subscribe", List.of("user.alice.*"))) + "; path=/";
            chromium.run("document.cookie = arguments[0];", cookie);

            String events = "/topics/" + topic + "/events";
            chromium.run(OPEN, "http://localhost:" + listed.port() + events, true, "withCookie");
            await("window.withCookie.texts.length === 1");
            assertEquals("for alice", run("return window.withCookie.texts[0];"));

            // Without credentials the browser sends no cookie: 401, and the EventSource gives up.
            chromium.run(OPEN, "http://localhost:" + listed.port() + events, false, "noCookie");
            await("window.noCookie.state === EventSource.CLOSED");
            // A gateway open to any origin may not take credentials: the browser drops its answer.
            chromium.run(OPEN, "http://localhost:" + any.port() + events, true, "anyOrigin");
            await("window.anyOrigin.state === EventSource.CLOSED");
            assertEquals(0L, run("return window.noCookie.texts.length + window.anyOrigin.texts.length;"));
            run("window.withCookie.es.close();");
        }
    }
}
