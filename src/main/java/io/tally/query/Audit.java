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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the journal against the invariants by replaying every pool from its first event: seqs without gaps (the
 * fence held), no reservation accepted beyond capacity at the moment it was made (I1), no order holding two live
 * reservations (I3), and every event readable; then checks that {@code pool_view} equals the replay. Reports the
 * offending pools rather than the first failure, so one run tells an operator everything that is wrong.
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

  private static final String VIEW = """
      SELECT pool_id, seq, capacity, reserved, status
        FROM pool_view""";

  public static Future<Report> run(SqlClient sql) {
    Run run = new Run(sql);
    return run.page("", 0).compose(journal -> run.compareView());
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

    private final Map<String, String> replayed = new HashMap<>();
    private final Set<String> brokenPools = new HashSet<>();

    Run(SqlClient sql) {
      this.sql = sql;
    }

    /** Every pool's row in {@code pool_view} against its replay: same seq, capacity, reserved and status. */
    Future<Report> compareView() {
      return sql.query(VIEW).execute().map(rows -> {
        Set<String> seen = new HashSet<>();
        for (Row row : rows) {
          String poolId = row.getString("pool_id");
          seen.add(poolId);
          if (brokenPools.contains(poolId)) {
            continue; // its journal is already reported
          }
          String view = describe(row.getLong("seq"), row.getInteger("capacity"), row.getLong("reserved"),
              row.getString("status"));
          String truth = replayed.get(poolId);
          if (truth == null) {
            problems.add(poolId + ": pool_view has a row (" + view + ") but the journal has no such pool");
          } else if (!truth.equals(view)) {
            problems.add(poolId + ": pool_view says " + view + ", the journal " + truth);
          }
        }
        replayed.keySet().stream().filter(poolId -> !seen.contains(poolId)).sorted()
            .forEach(poolId -> problems.add(poolId + ": missing from pool_view"));
        return new Report(pools, events, List.copyOf(problems));
      });
    }

    private static String describe(long seq, int capacity, long reserved, String status) {
      return "seq " + seq + ", capacity " + capacity + ", reserved " + reserved + ", " + status;
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
      if (!broken) {
        replayed.put(streamId, describe(seq, pool.capacity(), pool.reserved(), pool.status().wireName()));
      }
    }

    private void fail(String problem) {
      problems.add(problem);
      broken = true;
      brokenPools.add(stream);
      replayed.remove(stream);
    }
  }
}
