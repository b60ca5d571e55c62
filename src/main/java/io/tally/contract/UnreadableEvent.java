package io.tally.contract;

/**
 * A stored event this release cannot read: its type is unknown here, or it is of a newer version than this release
 * knows (written by a newer node during a rolling upgrade). Such an event is never skipped or guessed at: whatever
 * needs it (a pool's load, a projection's batch, an audit) stops and says so.
 */
public final class UnreadableEvent extends IllegalStateException {

  private final String type;

  UnreadableEvent(String type, String message) {
    super(message);
    this.type = type;
  }

  /** The stored type name that could not be read. */
  public String type() {
    return type;
  }
}
