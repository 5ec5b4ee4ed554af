package io.pushgate.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a client reads from a server-side {@link EmbeddedChannel}: its outbound bytes, decoded by
 * Netty's {@link HttpResponseDecoder} into response heads, chunks and ends. Every outbound buffer
 * taken from the server is handed to the decoder, which releases it; every decoded content is
 * copied into a string and released here, so a test holds no buffers.
 *
 * <p>Thread rules: the test's thread (an EmbeddedChannel has no other).
 */
public final class ClientSide implements AutoCloseable {

    /** A whole response: status, headers and body (UTF-8). */
    public record Answer(int status, HttpHeaders headers, String body) {
        public String header(CharSequence name) {
            return headers.get(name);
        }
    }

    /** Marks the end of a response (its {@link LastHttpContent}) among the parts. */
    private static final Object END = new Object();

    private final EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder());
    /** Decoded and not yet read: {@link HttpResponse} heads, non-empty chunk strings, {@link #END}. */
    private final Deque<Object> parts = new ArrayDeque<>();

    /** Takes every buffer {@code server} has written so far and decodes it. */
    public void receive(EmbeddedChannel server) {
        for (Object out; (out = server.readOutbound()) != null; ) {
            assertTrue(out instanceof ByteBuf, "the server wrote " + out + ", not bytes");
            decoder.writeInbound(out);
        }
        for (HttpObject in; (in = decoder.readInbound()) != null; ) {
            try {
                assertTrue(in.decoderResult().isSuccess(), "undecodable response: " + in.decoderResult());
                if (in instanceof HttpResponse head) {
                    parts.add(head);
                }
                if (in instanceof HttpContent content && content.content().isReadable()) {
                    parts.add(content.content().toString(StandardCharsets.UTF_8));
                }
                if (in instanceof LastHttpContent) {
                    parts.add(END);
                }
            } finally {
                ReferenceCountUtil.release(in);
            }
        }
    }

    /** The next whole response {@code server} wrote; fails if there is none. */
    public Answer answer(EmbeddedChannel server) {
        receive(server);
        HttpResponse head = head();
        StringBuilder body = new StringBuilder();
        for (Object part; (part = parts.poll()) != END; ) {
            if (part == null) {
                fail("response " + head.status() + " not complete");
            }
            body.append((String) part);
        }
        return new Answer(head.status().code(), head.headers(), body.toString());
    }

    /** Every whole response {@code server} wrote, in order. */
    public List<Answer> answers(EmbeddedChannel server) {
        receive(server);
        List<Answer> answers = new ArrayList<>();
        while (!parts.isEmpty()) {
            answers.add(answer(server));
        }
        return answers;
    }

    /** The next response head (of a stream: its chunks follow); fails if there is none. */
    public HttpResponse head(EmbeddedChannel server) {
        receive(server);
        return head();
    }

    private HttpResponse head() {
        Object part = parts.poll();
        assertNotNull(part, "no response");
        assertTrue(part instanceof HttpResponse, "expected a response head, got " + part);
        return (HttpResponse) part;
    }

    /**
     * The chunks of the current response decoded so far, up to its end, with {@code "<end>"} for
     * the last chunk ({@code 0\r\n\r\n}).
     */
    public List<String> chunks(EmbeddedChannel server) {
        receive(server);
        List<String> chunks = new ArrayList<>();
        while (!parts.isEmpty() && !(parts.peek() instanceof HttpResponse)) {
            Object part = parts.poll();
            chunks.add(part == END ? "<end>" : (String) part);
            if (part == END) {
                break;
            }
        }
        return chunks;
    }

    @Override
    public void close() {
        // The decoder may report a response cut short when it closes (a stream): that is not the server's leftover.
        decoder.finishAndReleaseAll();
    }
}
