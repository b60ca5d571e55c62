package io.tally.journal;

import java.util.List;
import java.util.Optional;

/** What loading a stream returns: its latest snapshot, if any, and the events after it in order. */
public record StreamHistory(String streamId, Optional<Snapshot> snapshot, List<RecordedEvent> tail) {

  /** The seq of the stream's last event, 0 for a stream with no events. */
  public long version() {
    return tail.isEmpty() ? snapshot.map(Snapshot::seq).orElse(0L) : tail.getLast().seq();
  }
}
