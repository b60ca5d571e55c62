package io.tally.journal;

import java.util.List;

/**
 * Events for one stream that must be stored together or not at all, numbered from {@code expectedSeq + 1}. If any
 * of those numbers is taken, another writer got there first and the whole append is refused.
 *
 * @param state the stream's state after these events, for the journal's {@link InlineProjection}; the journal
 *     itself never looks at it
 */
public record StreamAppend(String streamId, long expectedSeq, List<NewEvent> events, Object state) {

  public StreamAppend {
    events = List.copyOf(events);
    if (events.isEmpty()) {
      throw new IllegalArgumentException("an append holds at least one event");
    }
  }

  public StreamAppend(String streamId, long expectedSeq, List<NewEvent> events) {
    this(streamId, expectedSeq, events, null);
  }

  /** The seq of the last event of this append. */
  public long lastSeq() {
    return expectedSeq + events.size();
  }
}
