package io.tally.journal;

import java.util.List;

/**
 * Events for one stream that must be stored together or not at all, numbered from {@code expectedSeq + 1}. If any
 * of those numbers is taken, another writer got there first and the whole append is refused.
 */
public record StreamAppend(String streamId, long expectedSeq, List<NewEvent> events) {

  public StreamAppend {
    events = List.copyOf(events);
    if (events.isEmpty()) {
      throw new IllegalArgumentException("an append holds at least one event");
    }
  }
}
