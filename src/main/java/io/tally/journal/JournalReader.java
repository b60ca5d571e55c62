package io.tally.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the journal holds: a stream's events, a stream as it was at a moment, the feed in commit-safe order,
 * and every stream in turn. Committed events never change, so any node (or an offline tool) may read them; only
 * the {@link Journal} writes.
 */
public final class JournalReader {

  private static final String SELECT_FEED = """
      SELECT stream_id, seq, type, payload::text AS payload, metadata::text AS metadata, recorded_at,
             tx_id::text AS tx, position
        FROM events
       WHERE (tx_id, position) > ($1::text::xid8, $2)
         AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY tx_id, position
       LIMIT $3""";

  private static final String SELECT_EVENTS_UNTIL = """
      SELECT seq, type, payload::text AS payload, metadata::text AS metadata, recorded_at
        FROM events
       WHERE stream_id = $1 AND recorded_at <= $2
       ORDER BY seq""";

  private static final String SELECT_EVENTS = """
      SELECT seq, type, payload::text AS payload, metadata::text AS metadata, recorded_at
        FROM events
       WHERE stream_id = $1 AND seq > $2
       ORDER BY seq
       LIMIT $3""";

  private static final String SCAN = """
      SELECT stream_id, seq, type, payload::text AS payload, metadata::text AS metadata, recorded_at
        FROM events
       WHERE (stream_id, seq) > ($1, $2)
       ORDER BY stream_id, seq
       LIMIT $3""";

  private final SqlClient sql;

  public JournalReader(SqlClient sql) {
    this.sql = sql;
  }

  /** Up to {@code limit} events of a stream with {@code seq > afterSeq}, oldest first. */
  public Future<List<RecordedEvent>> read(String streamId, long afterSeq, int limit) {
    return sql.preparedQuery(SELECT_EVENTS).execute(Tuple.of(streamId, afterSeq, limit))
        .map(rows -> recorded(streamId, rows));
  }

  /** Every event of a stream recorded at or before {@code at}, oldest first: the stream as it was then. */
  public Future<List<RecordedEvent>> readUntil(String streamId, OffsetDateTime at) {
    return sql.preparedQuery(SELECT_EVENTS_UNTIL).execute(Tuple.of(streamId, at))
        .map(rows -> recorded(streamId, rows));
  }

  private static List<RecordedEvent> recorded(String streamId, RowSet<Row> rows) {
    List<RecordedEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      events.add(new RecordedEvent(streamId, row.getLong("seq"), row.getString("type"), row.getString("payload"),
          row.getString("metadata"), row.getOffsetDateTime("recorded_at")));
    }
    return events;
  }

  /**
   * Up to {@code limit} events after {@code after} in feed order, {@code (tx_id, position)}. Only transactions
   * older than the oldest one still running are read: one that commits later can only have a higher id, so
   * nothing is ever delivered out of order or skipped, which a reader going by position alone would do whenever
   * transactions commit in another order than they took their positions.
   */
  public Future<List<FeedEvent>> feed(FeedPosition after, int limit) {
    return sql.preparedQuery(SELECT_FEED).execute(Tuple.of(after.txId(), after.position(), limit)).map(rows -> {
      List<FeedEvent> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        events.add(new FeedEvent(event(row), new FeedPosition(row.getString("tx"), row.getLong("position"))));
      }
      return events;
    });
  }

  /**
   * Up to {@code limit} events of every stream in {@code (stream_id, seq)} order, after the event {@code afterSeq}
   * of {@code afterStream} ({@code ""} and 0 for the start): the whole journal, page by page, one stream after the
   * other.
   */
  public Future<List<RecordedEvent>> scan(String afterStream, long afterSeq, int limit) {
    return sql.preparedQuery(SCAN).execute(Tuple.of(afterStream, afterSeq, limit)).map(rows -> {
      List<RecordedEvent> events = new ArrayList<>(rows.size());
      rows.forEach(row -> events.add(event(row)));
      return events;
    });
  }

  /** The event of a row that names its stream. */
  static RecordedEvent event(Row row) {
    return new RecordedEvent(row.getString("stream_id"), row.getLong("seq"), row.getString("type"),
        row.getString("payload"), row.getString("metadata"), row.getOffsetDateTime("recorded_at"));
  }
}
