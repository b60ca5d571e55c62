package io.tally.query;

import io.tally.journal.FeedEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * A read model built from the event feed after the fact. The runner applies each batch of events and moves the
 * projection's checkpoint in the same transaction, so a crash can neither skip events nor apply them twice; the
 * feed's {@code (tx_id, position)} order ensures no event is ever passed over.
 */
public interface AsyncProjection {

  /** The projection's name, as operators see it (status, rebuild). */
  String name();

  /**
   * The key of its checkpoint and of its runner's lock. A projection whose tables change shape gets a new key with
   * its new tables, so it builds itself from the start of the feed beside the old one while nodes of the previous
   * release still run that.
   */
  default String checkpoint() {
    return name();
  }

  /** Applies events, in feed order, inside the runner's transaction. */
  Future<Void> apply(SqlConnection conn, List<FeedEvent> events);

  /** Empties the projection's tables, inside the transaction that also resets its checkpoint, for a rebuild. */
  Future<Void> reset(SqlConnection conn);
}
