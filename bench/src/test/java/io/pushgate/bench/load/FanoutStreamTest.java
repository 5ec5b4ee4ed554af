package io.pushgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FanoutStreamTest {

    private static void read(FanoutStream stream, String... pieces) {
        for (String piece : pieces) {
            ByteBuf in = Unpooled.copiedBuffer(piece, StandardCharsets.UTF_8);
            try {
                stream.read(in);
            } finally {
                in.release();
            }
        }
    }

    @Test
    void takesTheVersionFromTheTextWhenTheIdsAreTheServersOwn() {
        LongAdder deliveries = new LongAdder();
        FanoutStream stream = new FanoutStream(0, 1, new Recorder(3), deliveries, true, true);
        // Nchan's ids (<seconds>:<n>), an unframed body, a number split between two reads.
        read(stream, ": hi\n\nid: 1796027438:0\ndata: 1796027438000000 1 pushgate-load\n\n",
                "id: 1796027438:1\ndata: 1796027438000001 1", "2 pushgate-load\n\n",
                "id: 1796027439:0\ndata: 1796027439000000 13 pushgate-load\n\n");
        assertEquals(13, stream.ledger().last());
        assertEquals(10, stream.ledger().lostAtEnd(13));
        assertEquals(2, deliveries.sum());
        assertEquals(0, stream.malformed());
    }

    @Test
    void countsAnEventWhoseTextHasNoVersionAsMalformed() {
        FanoutStream stream = new FanoutStream(0, 1, new Recorder(3), new LongAdder(), true, true);
        read(stream, "id: 5\ndata: 1796027438000000 pushgate-load\n\n");
        assertEquals(1, stream.malformed());
        assertEquals(1, stream.ledger().last());
    }

    @Test
    void takesTheVersionFromTheIdOfAChunkedBodyByDefault() {
        FanoutStream stream = new FanoutStream(0, 1, new Recorder(3), new LongAdder());
        String event = "id: 2-k3f9x2ab\ndata: 1796027438000000 7 pushgate-load\n\n";
        read(stream, Integer.toHexString(event.length()) + "\r\n" + event + "\r\n");
        assertEquals(2, stream.ledger().last());
        assertEquals(0, stream.malformed());
    }
}
