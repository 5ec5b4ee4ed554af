package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClassHistogramTest {
    private static final String BEFORE = """
            12345:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:          1000         200000  [B (java.base@17.0.15)
               2:           500          12000  java.lang.String (java.base@17.0.15)
               3:            10            640  io.pushgate.hub.LoopSlot
            Total          1510         212640
            """;
    private static final String AFTER = """
            12345:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:          1100         202400  [B (java.base@17.0.15)
               2:           100          13600  io.netty.channel.epoll.EpollSocketChannel
               3:           600          14400  java.lang.String (java.base@17.0.15)
               4:            10            640  io.pushgate.hub.LoopSlot
            Total          1810         231040
            """;

    @Test
    void readsRowsAndTotal() {
        ClassHistogram h = ClassHistogram.parse(BEFORE);
        assertEquals(212_640, h.totalBytes());
        assertEquals(1_510, h.totalInstances());
        assertEquals(new ClassHistogram.Row("[B", 1000, 200_000), h.classes().get("[B"));
        assertEquals(3, h.classes().size());
    }

    @Test
    void differenceListsChangedClassesLargestFirst() {
        List<ClassHistogram.Row> diff = ClassHistogram.parse(AFTER).minus(ClassHistogram.parse(BEFORE));
        assertEquals(List.of(
                new ClassHistogram.Row("io.netty.channel.epoll.EpollSocketChannel", 100, 13_600),
                new ClassHistogram.Row("[B", 100, 2_400),
                new ClassHistogram.Row("java.lang.String", 100, 2_400)), diff);
    }

    @Test
    void refusesOutputWithoutTotal() {
        assertThrows(IllegalArgumentException.class, () -> ClassHistogram.parse("12345:\nAttach failed\n"));
    }
}
