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
   * Reservations and holds per day for one region ({@link #REGION_UNKNOWN} for those whose region is not known),
   * counted from a replay of the journal: a reservation or hold counts in the region it records, else in its pool's
   * only region, else as unknown; a release counts where the reservation it releases did, and a confirmed hold also
   * as the reservation it became.
   */
  public static JsonArray demand(String url, String region) throws Exception {
    Map<String, long[]> days = new TreeMap<>();
    for (Map.Entry<String, List<PoolEvent>> pool : JournalReplay.events(url).entrySet()) {
      Pool defined = PoolDecider.replay(null, pool.getValue().subList(0, 1));
      String day = LocalDate.ofInstant(defined.slot().start(), ZoneOffset.UTC).toString();
      Map<String, String> counted = new HashMap<>();
      for (PoolEvent event : pool.getValue()) {
        if (event instanceof PoolEvent.PoolReset reset) {
          // voided reservations count as released, restored ones as reserved again, cancelled holds as cancelled
          reset.voided().stream().filter(claim -> region.equals(counted.get(claim.id())))
              .forEach(claim -> add(days.computeIfAbsent(day, d -> new long[9]), 2, claim.units()));
          reset.restored().stream().filter(claim -> region.equals(counted.get(claim.id())))
              .forEach(claim -> add(days.computeIfAbsent(day, d -> new long[9]), 0, claim.units()));
          reset.cancelledHolds().stream().filter(claim -> region.equals(counted.get(claim.id())))
              .forEach(claim -> days.computeIfAbsent(day, d -> new long[9])[8]++);
          continue;
        }
        String where = switch (event) {
          case PoolEvent.CapacityReserved reserved -> counted(counted, reserved.reservationId(), reserved.region(),
              defined);
          case PoolEvent.HoldPlaced placed -> counted(counted, placed.holdId(), placed.region(), defined);
          case PoolEvent.ReservationReleased released -> counted.get(released.reservationId());
          case PoolEvent.HoldConfirmed confirmed -> counted.get(confirmed.holdId());
          case PoolEvent.HoldExpired expired -> counted.get(expired.holdId());
          case PoolEvent.HoldCancelled cancelled -> counted.get(cancelled.holdId());
          default -> null;
        };
        if (!region.equals(where)) {
          continue;
        }
        long[] sum = days.computeIfAbsent(day, d -> new long[9]);
        switch (event) {
          case PoolEvent.CapacityReserved reserved -> add(sum, 0, reserved.units());
          case PoolEvent.ReservationReleased released -> add(sum, 2, released.units());
          case PoolEvent.HoldPlaced placed -> add(sum, 4, placed.units());
          case PoolEvent.HoldConfirmed confirmed -> {
            add(sum, 0, confirmed.units());
            sum[6]++;
          }
          case PoolEvent.HoldExpired expired -> sum[7]++;
          case PoolEvent.HoldCancelled cancelled -> sum[8]++;
          default -> throw new IllegalStateException("not counted: " + event);
        }
      }
    }
    JsonArray report = new JsonArray();
    days.forEach((day, sum) -> report.add(new JsonObject().put("day", day).put("reservations", sum[0])
        .put("units", sum[1]).put("releases", sum[2]).put("releasedUnits", sum[3]).put("holds", sum[4])
        .put("heldUnits", sum[5]).put("holdsConfirmed", sum[6]).put("holdsExpired", sum[7])
        .put("holdsCancelled", sum[8])));
    return report;
  }

  /** Where a reservation or hold is counted, remembered for the events that end it. */
  private static String counted(Map<String, String> counted, String id, String recorded, Pool defined) {
    String where = recorded != null ? recorded
        : defined.regions().size() == 1 ? defined.regions().getFirst() : REGION_UNKNOWN;
    counted.put(id, where);
    return where;
  }

  /** One more of the counted kind at {@code at}, and its units at {@code at + 1}. */
  private static void add(long[] sum, int at, long units) {
    sum[at]++;
    sum[at + 1] += units;
  }
}
