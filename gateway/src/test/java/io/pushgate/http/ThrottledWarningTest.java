package io.pushgate.http;

import io.pushgate.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThrottledWarningTest {

    @Test
    void theFirstInFullThenAtMostOnePerIntervalWithWhatWasLeftOut() {
        ThrottledWarning warning = new ThrottledWarning(LoggerFactory.getLogger(ThrottledWarningTest.class), 300,
                TimeUnit.MILLISECONDS);
        try (LogCapture logs = LogCapture.start()) {
            for (int i = 0; i < 1000; i++) {
                warning.warn("broker call {} failed", i);
            }
            assertEquals(List.of("WARN io.pushgate.http.ThrottledWarningTest: broker call 0 failed"),
                    logs.containing("broker call"));
            // After the interval the next one goes out, saying how many were left out.
            await().atMost(java.time.Duration.ofSeconds(5)).until(() -> {
                warning.warn("broker call {} failed", "late");
                return logs.containing("broker call").size() == 2;
            });
            String second = logs.containing("broker call").get(1);
            assertTrue(second.matches(".*broker call late failed \\(\\d+ more like it since the last such line\\)"), second);
            assertTrue(Long.parseLong(second.replaceAll(".*\\((\\d+) more.*", "$1")) >= 999, second);
        }
    }
}
