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

  /** Reservations per day for one region, counted from a replay of the journal. */
  public static JsonArray demand(String url, String region) throws Exception {
    Map<String, long[]> days = new TreeMap<>();
    for (Map.Entry<String, List<PoolEvent>> pool : JournalReplay.events(url).entrySet()) {
      Pool defined = PoolDecider.replay(null, pool.getValue().subList(0, 1));
      if (!defined.regions().contains(region)) {
        continue;
      }
      String day = LocalDate.ofInstant(defined.slot().start(), ZoneOffset.UTC).toString();
      for (PoolEvent event : pool.getValue()) {
        long[] sum = days.computeIfAbsent(day, d -> new long[4]);
        if (event instanceof PoolEvent.CapacityReserved reserved) {
          sum[0]++;
          sum[1] += reserved.units();
        } else if (event instanceof PoolEvent.ReservationReleased released) {
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
