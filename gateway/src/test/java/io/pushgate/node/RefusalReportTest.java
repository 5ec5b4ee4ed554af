package io.pushgate.node;

import io.pushgate.metrics.HttpErrors;
import io.pushgate.metrics.StreamRefusal;
import io.pushgate.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RefusalReportTest {

    @Test
    void oneLinePerPeriodWithRefusalsWithTheCountsByReason() {
        HttpErrors errors = new HttpErrors();
        errors.refused(StreamRefusal.STREAM_LIMIT);
        try (LogCapture logs = LogCapture.start()) {
            RefusalReport report = new RefusalReport(errors, "minute");
            report.run();
            assertEquals(List.of(), logs.containing("refused"), "what came before it is not reported");
            for (int i = 0; i < 1000; i++) {
                errors.refused(StreamRefusal.ACCEPT_RATE);
            }
            errors.refused(StreamRefusal.STREAM_LIMIT);
            report.run();
            report.run();
            List<String> lines = logs.containing("refused");
            assertEquals(1, lines.size(), lines.toString());
            assertEquals(true, lines.get(0).contains("refused 1001 streams for now in the last minute (accept_rate 1000, stream_limit 1)"),
                    lines.get(0));
        }
    }
}
