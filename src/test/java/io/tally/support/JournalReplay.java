package io.tally.support;

import io.tally.contract.StoredForm;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a test database's journal with plain SQL and replays every pool: the truth the read side must match. */
public final class JournalReplay {

  private JournalReplay() {
  }

  /** Every pool's events, in seq order. */
  public static Map<String, List<PoolEvent>> events(String databaseUrl) throws Exception {
    Map<String, List<PoolEvent>> byPool = new LinkedHashMap<>();
    try (Connection conn = TestDatabase.connect(databaseUrl); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery(
            "SELECT stream_id, type, payload::text FROM events ORDER BY stream_id, seq")) {
      while (rows.next()) {
        byPool.computeIfAbsent(rows.getString(1), id -> new ArrayList<>())
            .add(StoredForm.decode(rows.getString(2), rows.getString(3)));
      }
    }
    return byPool;
  }

  /** Every pool as its whole history leaves it. */
  public static Map<String, Pool> pools(String databaseUrl) throws Exception {
    Map<String, Pool> pools = new LinkedHashMap<>();
    events(databaseUrl).forEach((id, events) -> pools.put(id, PoolDecider.replay(null, events)));
    return pools;
  }

  /** The region key under which the demand report counts reservations whose region is not known. */
  public static final String REGION_UNKNOWN = "";

  /**
   * Reservations per day for one region ({@link #REGION_UNKNOWN} for those whose region is not known), counted
   * from a replay of the journal: a reservation counts in the region it records, else in its pool's only region,
   * else as unknown; a release counts where the reservation it releases did.
   */
  public static JsonArray demand(String url, String region) throws Exception {
    Map<String, long[]> days = new TreeMap<>();
    for (Map.Entry<String, List<PoolEvent>> pool : JournalReplay.events(url).entrySet()) {
      Pool defined = PoolDecider.replay(null, pool.getValue().subList(0, 1));
      String day = LocalDate.ofInstant(defined.slot().start(), ZoneOffset.UTC).toString();
      Map<String, String> counted = new HashMap<>();
      for (PoolEvent event : pool.getValue()) {
        if (event instanceof PoolEvent.CapacityReserved reserved) {
          String where = reserved.region() != null ? reserved.region()
              : defined.regions().size() == 1 ? defined.regions().getFirst() : REGION_UNKNOWN;
          counted.put(reserved.reservationId(), where);
          if (where.equals(region)) {
            long[] sum = days.computeIfAbsent(day, d -> new long[4]);
            sum[0]++;
            sum[1] += reserved.units();
          }
        } else if (event instanceof PoolEvent.ReservationReleased released
            && counted.get(released.reservationId()).equals(region)) {
          long[] sum = days.computeIfAbsent(day, d -> new long[4]);
          sum[2]++;
          sum[3] += released.units();
        }
      }
    }
    JsonArray report = new JsonArray();
    days.forEach((day, sum) -> {
      if (sum[0] + sum[2] > 0) {
        report.add(new JsonObject().put("day", day).put("reservations", sum[0]).put("units", sum[1])
            .put("releases", sum[2]).put("releasedUnits", sum[3]));
      }
    });
    return report;
  }
}
