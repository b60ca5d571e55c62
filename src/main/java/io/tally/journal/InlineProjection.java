package io.tally.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * A read model written in the same transaction as the events it reflects, so it is never behind the journal: if
 * the events commit, so does the view, and if they roll back, so does the view.
 */
public interface InlineProjection {

  /** Applies the appends of one shared transaction; every append here has been inserted without conflict. */
  Future<Void> apply(SqlConnection conn, List<StreamAppend> appends);

  /** A projection that writes nothing. */
  InlineProjection NONE = (conn, appends) -> Future.succeededFuture();
}
