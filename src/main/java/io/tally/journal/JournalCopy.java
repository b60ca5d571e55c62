package io.tally.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Writes events recorded elsewhere into a journal exactly as given: stream, seq, type, payload, metadata and time
 * of recording, in the order given. Only the offline copy of a journal into a new schema uses it; nodes append
 * through {@link Journal}.
 */
public final class JournalCopy {

  private static final String INSERT = """
      INSERT INTO events (stream_id, seq, type, payload, metadata, recorded_at)
      SELECT s, q, t, p::jsonb, m::jsonb, r
        FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
             WITH ORDINALITY AS u(s, q, t, p, m, r, o)
       ORDER BY o""";

  private static final String COUNT = """
      SELECT count(*) AS events
        FROM events""";

  private JournalCopy() {
  }

  /** Inserts the events inside the caller's transaction; their feed positions follow the order of the list. */
  public static Future<Void> insert(SqlConnection conn, List<RecordedEvent> events) {
    int n = events.size();
    String[] streams = new String[n];
    Long[] seqs = new Long[n];
    String[] types = new String[n];
    String[] payloads = new String[n];
    String[] metadata = new String[n];
    OffsetDateTime[] recorded = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      RecordedEvent event = events.get(i);
      streams[i] = event.streamId();
      seqs[i] = event.seq();
      types[i] = event.type();
      payloads[i] = event.payload();
      metadata[i] = event.metadata();
      recorded[i] = event.recordedAt();
    }
    return conn.preparedQuery(INSERT).execute(Tuple.tuple().addArrayOfString(streams).addArrayOfLong(seqs)
        .addArrayOfString(types).addArrayOfString(payloads).addArrayOfString(metadata)
        .addArrayOfOffsetDateTime(recorded)).mapEmpty();
  }

  /** How many events the journal holds. */
  public static Future<Long> count(SqlClient sql) {
    return sql.query(COUNT).execute().map(rows -> rows.iterator().next().getLong("events"));
  }
}
