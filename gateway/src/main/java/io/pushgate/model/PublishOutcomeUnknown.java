package io.pushgate.model;

/**
 * A publish got no answer in time: it may have been stored, and will not be stored after this
 * failure is reported (the broker gave the publish a deadline and waited past it). Not a refusal:
 * a retry must be conditional, or check the topic's state first.
 */
public final class PublishOutcomeUnknown extends RuntimeException {
    public PublishOutcomeUnknown(String message) {
        super(message, null, false, false);
    }
}
