package io.tally.query;

import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.shard.StoredForm;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the journal against the invariants by replaying every pool from its first event: seqs without gaps (the
 * fence held), no reservation accepted beyond capacity at the moment it was made (I1), no order holding two live
 * reservations (I3), and every event readable. Reports the offending pools rather than the first failure, so one
 * run tells an operator everything that is wrong.
 */
public final class Audit {

  private static final int PAGE = 5_000;
  private static final String EVENTS = """
      SELECT stream_id, seq, type, payload::text AS payload
        FROM events
       WHERE (stream_id, seq) > ($1, $2)
       ORDER BY stream_id, seq
       LIMIT $3""";

  private Audit() {
  }

  /** What an audit found: how much it read, and one line per problem, naming the pool. */
  public record Report(long pools, long events, List<String> problems) {
    public boolean passed() {
      return problems.isEmpty();
    }

    public JsonObject toJson() {
      return new JsonObject().put("passed", passed()).put("pools", pools).put("events", events)
          .put("problems", new JsonArray(problems));
    }
  }

  public static Future<Report> run(SqlClient sql) {
    return new Run(sql).page("", 0);
  }

  /** Replays streams page by page, carrying the pool being replayed across page boundaries. */
  private static final class Run {
    private final SqlClient sql;
    private final List<String> problems = new ArrayList<>();
    private long pools;
    private long events;
    private String stream;
    private Pool pool;
    private long lastSeq;
    private boolean broken;

    Run(SqlClient sql) {
      this.sql = sql;
    }

    Future<Report> page(String afterStream, long afterSeq) {
      return sql.preparedQuery(EVENTS).execute(Tuple.of(afterStream, afterSeq, PAGE)).compose(rows -> {
        String lastStream = afterStream;
        long last = afterSeq;
        for (Row row : rows) {
          lastStream = row.getString("stream_id");
          last = row.getLong("seq");
          check(lastStream, last, row.getString("type"), row.getString("payload"));
        }
        return rows.size() < PAGE ? Future.succeededFuture(new Report(pools, events, List.copyOf(problems)))
            : page(lastStream, last);
      });
    }

    private void check(String streamId, long seq, String type, String payload) {
      events++;
      if (!streamId.equals(stream)) {
        stream = streamId;
        pool = null;
        lastSeq = 0;
        broken = false;
        pools++;
      }
      if (broken) {
        return;
      }
      if (seq != lastSeq + 1) {
        fail(streamId + ": seq " + seq + " follows seq " + lastSeq);
        return;
      }
      lastSeq = seq;
      PoolEvent event;
      try {
        event = StoredForm.decode(type, payload);
      } catch (RuntimeException e) {
        fail(streamId + ": event " + seq + " is unreadable: " + e.getMessage());
        return;
      }
      if (pool == null && !(event instanceof PoolDefined)) {
        fail(streamId + ": event " + seq + " (" + type + ") comes before the pool was defined");
        return;
      }
      if (event instanceof CapacityReserved reserved && pool != null) {
        pool.reservationOf(reserved.orderId()).ifPresent(held -> fail(streamId + ": order " + reserved.orderId()
            + " reserved again at seq " + seq + " while it holds " + held.reservationId()));
      }
      pool = PoolDecider.evolve(pool, event);
      if (event instanceof CapacityReserved && pool.reserved() > pool.capacity()) {
        fail(streamId + ": overbooked at seq " + seq + ", " + pool.reserved() + " reserved of " + pool.capacity());
      }
    }

    private void fail(String problem) {
      problems.add(problem);
      broken = true;
    }
  }
}
