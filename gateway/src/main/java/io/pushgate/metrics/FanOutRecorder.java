package io.pushgate.metrics;

/**
 * What the fan-out reports to metrics: called once per update, and once per update per event loop
 * at the end of its task, never per subscriber. {@link #NONE} records nothing, for tests and for the
 * benchmark's "metrics off" side; {@link FanOutMeters} records into Micrometer.
 *
 * <p>Thread rules: {@link #published} and {@link #fanOutStart} on the broker's or publisher's
 * thread; {@link #delivered} and {@link #caughtUp} on an event loop. Implementations must not block.
 */
public interface FanOutRecorder {

    /** Passed as the start of a fan-out that is not timed (a stored state read, not a live update). */
    long UNTIMED = Long.MIN_VALUE;

    /** Records nothing. */
    FanOutRecorder NONE = new FanOutRecorder() {
        @Override
        public long fanOutStart() {
            return UNTIMED;
        }

        @Override
        public void published() {
        }

        @Override
        public void delivered(int frames, long publishedMicros, long fanOutStart) {
        }

        @Override
        public void caughtUp(int frames) {
        }
    };

    /** The start of a fan-out, in {@link System#nanoTime()}, or {@link #UNTIMED}. */
    long fanOutStart();

    /** A new version of a served topic was accepted for fan-out. */
    void published();

    /**
     * One loop's task of a live update wrote {@code frames} frames, the last one just now;
     * {@code publishedMicros} is the update's publish time (Unix micros), {@code fanOutStart} what
     * {@link #fanOutStart()} returned when the update arrived.
     */
    void delivered(int frames, long publishedMicros, long fanOutStart);

    /** Frames written outside a live fan-out: the latest version to a joining stream or to a slow one writable again. */
    void caughtUp(int frames);
}
