package io.tally.journal;

/** A stream's state as of {@code seq}, so that loading it replays only the events after that. */
public record Snapshot(String streamId, long seq, String state) {
}
