package io.tally.journal;

/**
 * The append's sequence numbers were already taken: another writer appended to the stream. The writer's view of
 * the stream is stale and must be reloaded before it decides anything else.
 */
public final class AppendConflictException extends RuntimeException {

  private final String streamId;

  public AppendConflictException(String streamId, long expectedSeq) {
    super("stream " + streamId + " already has events after seq " + expectedSeq, null, false, false);
    this.streamId = streamId;
  }

  public String streamId() {
    return streamId;
  }
}
