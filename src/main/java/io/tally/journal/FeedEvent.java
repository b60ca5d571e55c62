package io.tally.journal;

/** An event as the feed delivers it, with the feed position to resume after it. */
public record FeedEvent(RecordedEvent event, FeedPosition position) {
}
