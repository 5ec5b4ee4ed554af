package io.pushgate.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/**
 * The log events written while it is open, from every logger (an appender on Logback's root
 * logger), for tests that assert on what a node logs. Events come from any thread: event loops
 * append while the test reads.
 */
public final class LogCapture implements AutoCloseable {
    private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            events.add(event);
        }
    };

    private LogCapture() {
        appender.setName("test-capture");
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** The events at {@code level} or above, each as {@code LEVEL logger: message}, in order. */
    public List<String> atLeast(Level level) {
        return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(level))
                .map(LogCapture::line).collect(Collectors.toList());
    }

    /** The WARN and ERROR lines: what an operator would see and be asked to act on. */
    public List<String> problems() {
        return atLeast(Level.WARN);
    }

    /** Every event whose message contains {@code text}, as {@link #atLeast} shows them. */
    public List<String> containing(String text) {
        return events.stream().filter(e -> e.getFormattedMessage().contains(text))
                .map(LogCapture::line).collect(Collectors.toList());
    }

    /** Every event that carries a stack trace. */
    public List<String> withStackTraces() {
        return events.stream().filter(e -> e.getThrowableProxy() != null)
                .map(LogCapture::line).collect(Collectors.toList());
    }

    public int size() {
        return events.size();
    }

    private static String line(ILoggingEvent event) {
        return event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : " [" + event.getThrowableProxy().getClassName() + "]");
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
