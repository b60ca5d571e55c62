package io.tally.query;

import io.tally.journal.InlineProjection;
import io.tally.journal.StreamAppend;
import io.tally.pool.Pool;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps {@code pool_view} current inside the append transaction: one row per pool with its counters, status, slot,
 * regions, cut-off and the next expiry of its holds, as of its latest seq. Query nodes load their availability index
 * from it at start and catch up from it, and owners find the holds to expire in it, so it must never be behind the
 * journal; written here, it cannot be.
 */
public final class PoolViewProjection implements InlineProjection {

  private static final String UPSERT = """
      INSERT INTO pool_view (pool_id, seq, capacity, reserved, held, status, slot_start, slot_end, regions, cutoff,
                             next_expiry, tx_id)
      SELECT p, q, c, r, h, s, ss::timestamptz, se::timestamptz, ARRAY(SELECT jsonb_array_elements_text(g::jsonb)),
             co::timestamptz, ne::timestamptz, pg_current_xact_id()
        FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::text[],
                    $8::text[], $9::text[], $10::text[], $11::text[]) AS u(p, q, c, r, h, s, ss, se, g, co, ne)
      ON CONFLICT (pool_id) DO UPDATE
         SET seq = EXCLUDED.seq, capacity = EXCLUDED.capacity, reserved = EXCLUDED.reserved, held = EXCLUDED.held,
             status = EXCLUDED.status, slot_start = EXCLUDED.slot_start, slot_end = EXCLUDED.slot_end,
             regions = EXCLUDED.regions, cutoff = EXCLUDED.cutoff, next_expiry = EXCLUDED.next_expiry,
             tx_id = EXCLUDED.tx_id
       WHERE pool_view.seq < EXCLUDED.seq""";

  private static final String DUE_HOLDS = """
      SELECT pool_id
        FROM pool_view
       WHERE next_expiry <= $1
       ORDER BY next_expiry
       LIMIT $2""";

  private static final String ROWS = """
      SELECT pool_id, seq, capacity, reserved, held, status
        FROM pool_view""";

  /** One pool's row as {@code pool_view} holds it. */
  public record Row(String poolId, long seq, int capacity, long reserved, long held, String status) {
  }

  /** Every row of {@code pool_view}, for checking it against the journal. */
  public static Future<List<Row>> rows(SqlClient sql) {
    return sql.query(ROWS).execute().map(rows -> {
      List<Row> all = new ArrayList<>(rows.size());
      rows.forEach(row -> all.add(new Row(row.getString("pool_id"), row.getLong("seq"), row.getInteger("capacity"),
          row.getLong("reserved"), row.getLong("held"), row.getString("status"))));
      return all;
    });
  }

  /**
   * The pools with a live hold whose time is up at {@code now}, soonest first, at most {@code limit}: what an owner
   * must expire although the pool may not be in its memory.
   */
  public static Future<List<String>> dueHolds(SqlClient sql, Instant now, int limit) {
    return sql.preparedQuery(DUE_HOLDS).execute(Tuple.of(now.atOffset(ZoneOffset.UTC), limit)).map(rows -> {
      List<String> pools = new ArrayList<>(rows.size());
      rows.forEach(row -> pools.add(row.getString("pool_id")));
      return pools;
    });
  }

  @Override
  public Future<Void> apply(SqlConnection conn, List<StreamAppend> appends) {
    Map<String, StreamAppend> latest = new LinkedHashMap<>();
    for (StreamAppend append : appends) {
      if (append.state() instanceof Pool) {
        latest.merge(append.streamId(), append, (a, b) -> a.lastSeq() >= b.lastSeq() ? a : b);
      }
    }
    if (latest.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = latest.size();
    String[] ids = new String[n];
    Long[] seqs = new Long[n];
    Integer[] capacities = new Integer[n];
    Long[] reserved = new Long[n];
    Long[] held = new Long[n];
    String[] statuses = new String[n];
    String[] starts = new String[n];
    String[] ends = new String[n];
    String[] regions = new String[n];
    String[] cutoffs = new String[n];
    String[] nextExpiries = new String[n];
    int i = 0;
    for (StreamAppend append : latest.values()) {
      Pool pool = (Pool) append.state();
      ids[i] = pool.poolId();
      seqs[i] = append.lastSeq();
      capacities[i] = pool.capacity();
      reserved[i] = pool.reserved();
      held[i] = pool.held();
      statuses[i] = pool.status().wireName();
      starts[i] = pool.slot().start().toString();
      ends[i] = pool.slot().end().toString();
      regions[i] = new JsonArray(pool.regions()).encode();
      cutoffs[i] = pool.cutoff() == null ? null : pool.cutoff().toString();
      nextExpiries[i] = pool.nextExpiry().map(Instant::toString).orElse(null);
      i++;
    }
    Tuple params = Tuple.tuple().addArrayOfString(ids).addArrayOfLong(seqs).addArrayOfInteger(capacities)
        .addArrayOfLong(reserved).addArrayOfLong(held).addArrayOfString(statuses).addArrayOfString(starts)
        .addArrayOfString(ends).addArrayOfString(regions).addArrayOfString(cutoffs).addArrayOfString(nextExpiries);
    return conn.preparedQuery(UPSERT).execute(params).mapEmpty();
  }
}
