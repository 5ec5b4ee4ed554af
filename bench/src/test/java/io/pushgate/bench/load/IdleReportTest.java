package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleReportTest {

    private static IdleReport cpuOnly() {
        return cpuOnly(-1);
    }

    private static IdleReport cpuOnly(double brokerPercent) {
        Map<String, Double> threads = new LinkedHashMap<>();
        threads.put("heartbeat-floor", 231.1);
        return new IdleReport("http://127.0.0.1:1", 42, 15000, 100, "epoll", List.of("127.0.0.2"), 15000,
                15000, 0, 0, Map.of(), 4.4, null, null, null, null, 120.0, 0.192, brokerPercent, threads, 0, 360000,
                0, List.of(), Map.of());
    }

    @Test
    void theBrokersCpuIsReportedOnlyWhenMeasured() {
        assertFalse(cpuOnly().toJson().contains("broker"), cpuOnly().toJson());
        String json = cpuOnly(0.107).toJson();
        assertTrue(json.contains("\"broker_idle_cpu_percent_of_one_core\": 0.107"), json);
        assertTrue(cpuOnly(0.107).toText().contains("broker CPU while idle"), cpuOnly(0.107).toText());
    }

    @Test
    void aCpuOnlyReportHasTheCpuByThreadAndNoMemoryFigures() {
        String json = cpuOnly().toJson();
        assertTrue(json.contains("\"idle_cpu_percent_of_one_core\": 0.192"), json);
        assertTrue(json.contains("\"server_cpu_ms_by_thread\": {\"heartbeat-floor\": 231.1}"), json);
        assertTrue(json.contains("\"bytes_received_during_hold\": 360000"), json);
        assertTrue(json.contains("\"cpu_only\": true"), json);
        assertFalse(json.contains("heap"), json);
        String text = cpuOnly().toText();
        assertTrue(text.contains("0.192 % of one core over 120.0 s"), text);
        assertFalse(text.contains("heap"), text);
    }
}
