package io.tally.query;

import io.tally.contract.StoredForm;
import io.tally.journal.FeedEvent;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldCancelled;
import io.tally.pool.PoolEvent.HoldConfirmed;
import io.tally.pool.PoolEvent.HoldExpired;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent.ReservationReleased;
import io.tally.pool.PoolEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Demand per region per day: how many reservations (and units) were made and released in each region, by the day
 * their pool's slot starts (UTC). Each reservation counts once: in the region it records, else in its pool's region
 * when the pool serves only one, else under {@link #REGION_UNKNOWN} (reservations made before reservations recorded
 * their region). A release counts where its reservation did. Holds are counted apart, by the same rule: placed (with
 * their units), confirmed, expired and cancelled; a confirmed hold also counts as the reservation it became. Each
 * batch is folded in memory and written with two statements.
 */
public final class DemandProjection implements AsyncProjection {

  public static final String NAME = "demand";
  /** The region key of reservations whose region is not known; never a region, which is never blank. */
  public static final String REGION_UNKNOWN = "";
  /** The checkpoint of this schema of the projection (V4), beside the first schema's {@code demand}. */
  private static final String CHECKPOINT = "demand.v2";

  private static final String REMEMBER_POOLS = """
      INSERT INTO demand_v2_pools (pool_id, day, regions)
      SELECT p, d::date, ARRAY(SELECT jsonb_array_elements_text(r::jsonb))
        FROM unnest($1::text[], $2::text[], $3::text[]) AS u(p, d, r)
      ON CONFLICT (pool_id) DO NOTHING""";

  private static final String KNOWN_POOLS = """
      SELECT pool_id, day, regions
        FROM demand_v2_pools
       WHERE pool_id = ANY($1::text[])""";

  private static final String ADD = """
      INSERT INTO demand_v2_daily (region, day, reservations, units, releases, released_units, holds, held_units,
                                   holds_confirmed, holds_expired, holds_cancelled)
      SELECT g, d::date, r, u, x, xu, h, hu, hc, he, hx
        FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                    $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
             AS v(g, d, r, u, x, xu, h, hu, hc, he, hx)
      ON CONFLICT (region, day) DO UPDATE
         SET reservations = demand_v2_daily.reservations + EXCLUDED.reservations,
             units = demand_v2_daily.units + EXCLUDED.units,
             releases = demand_v2_daily.releases + EXCLUDED.releases,
             released_units = demand_v2_daily.released_units + EXCLUDED.released_units,
             holds = demand_v2_daily.holds + EXCLUDED.holds,
             held_units = demand_v2_daily.held_units + EXCLUDED.held_units,
             holds_confirmed = demand_v2_daily.holds_confirmed + EXCLUDED.holds_confirmed,
             holds_expired = demand_v2_daily.holds_expired + EXCLUDED.holds_expired,
             holds_cancelled = demand_v2_daily.holds_cancelled + EXCLUDED.holds_cancelled""";

  /** The counters of one region and day, in the order of {@link #ADD}'s columns after region and day. */
  private static final int COUNTERS = 9;

  private record PoolPlace(LocalDate day, List<String> regions) {
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String checkpoint() {
    return CHECKPOINT;
  }

  @Override
  public Future<Void> reset(SqlConnection conn) {
    return conn.query("TRUNCATE demand_v2_daily, demand_v2_pools").execute().mapEmpty();
  }

  /** Where a reservation is counted: its own region, its pool's only region, or {@link #REGION_UNKNOWN}. */
  private static String regionOf(String recorded, List<String> poolRegions) {
    if (recorded != null) {
      return recorded;
    }
    return poolRegions.size() == 1 ? poolRegions.getFirst() : REGION_UNKNOWN;
  }

  @Override
  public Future<Void> apply(SqlConnection conn, List<FeedEvent> events) {
    Map<String, PoolPlace> defined = new LinkedHashMap<>();
    Set<String> referenced = new HashSet<>();
    List<String> streams = new ArrayList<>();
    List<PoolEvent> decoded = new ArrayList<>();
    for (FeedEvent feed : events) {
      PoolEvent event = StoredForm.decode(feed.event());
      String poolId = feed.event().streamId();
      if (event instanceof PoolDefined definition) {
        defined.put(poolId, new PoolPlace(LocalDate.ofInstant(definition.slot().start(), ZoneOffset.UTC),
            definition.regions()));
      } else {
        referenced.add(poolId);
      }
      streams.add(poolId);
      decoded.add(event);
    }
    referenced.removeAll(defined.keySet());
    return remember(conn, defined)
        .compose(remembered -> known(conn, referenced))
        .compose(known -> {
          known.putAll(defined);
          return add(conn, fold(streams, decoded, known));
        });
  }

  private static Future<Void> remember(SqlConnection conn, Map<String, PoolPlace> defined) {
    if (defined.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> ids = new ArrayList<>(defined.keySet());
    String[] days = ids.stream().map(id -> defined.get(id).day().toString()).toArray(String[]::new);
    String[] regions = ids.stream().map(id -> new io.vertx.core.json.JsonArray(defined.get(id).regions()).encode())
        .toArray(String[]::new);
    return conn.preparedQuery(REMEMBER_POOLS).execute(Tuple.tuple().addArrayOfString(ids.toArray(String[]::new))
        .addArrayOfString(days).addArrayOfString(regions)).mapEmpty();
  }

  private static Future<Map<String, PoolPlace>> known(SqlConnection conn, Set<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(new HashMap<>());
    }
    return conn.preparedQuery(KNOWN_POOLS).execute(Tuple.of(ids.toArray(String[]::new))).map(rows -> {
      Map<String, PoolPlace> places = new HashMap<>();
      for (Row row : rows) {
        places.put(row.getString("pool_id"), new PoolPlace(row.getLocalDate("day"),
            List.of(row.getArrayOfStrings("regions"))));
      }
      return places;
    });
  }

  /**
   * Sums the batch per region and day: reservations, units, releases, released units, holds, held units, and holds
   * confirmed, expired and cancelled.
   */
  private static Map<String, long[]> fold(List<String> streams, List<PoolEvent> events, Map<String, PoolPlace> places) {
    Map<String, long[]> totals = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      PoolPlace place = places.get(streams.get(i));
      if (place == null) {
        continue;
      }
      String region;
      long[] delta = new long[COUNTERS];
      switch (events.get(i)) {
        case CapacityReserved reserved -> {
          region = regionOf(reserved.region(), place.regions());
          delta[0] = 1;
          delta[1] = reserved.units();
        }
        case ReservationReleased released -> {
          region = regionOf(released.region(), place.regions());
          delta[2] = 1;
          delta[3] = released.units();
        }
        case HoldPlaced placed -> {
          region = regionOf(placed.region(), place.regions());
          delta[4] = 1;
          delta[5] = placed.units();
        }
        case HoldConfirmed confirmed -> {
          region = regionOf(confirmed.region(), place.regions());
          delta[0] = 1; // the reservation the hold became
          delta[1] = confirmed.units();
          delta[6] = 1;
        }
        case HoldExpired expired -> {
          region = regionOf(expired.region(), place.regions());
          delta[7] = 1;
        }
        case HoldCancelled cancelled -> {
          region = regionOf(cancelled.region(), place.regions());
          delta[8] = 1;
        }
        case PoolReset reset -> {
          // a voided reservation counts as released, a restored one as reserved again, a cancelled hold as cancelled
          reset.voided().forEach(claim -> add(totals, regionOf(claim.region(), place.regions()), place.day(), 2,
              claim.units()));
          reset.restored().forEach(claim -> add(totals, regionOf(claim.region(), place.regions()), place.day(), 0,
              claim.units()));
          reset.cancelledHolds().forEach(claim -> add(totals, regionOf(claim.region(), place.regions()),
              place.day(), 8, 0));
          continue;
        }
        default -> {
          continue;
        }
      }
      long[] sum = totals.computeIfAbsent(region + '\n' + place.day(), key -> new long[COUNTERS]);
      for (int k = 0; k < COUNTERS; k++) {
        sum[k] += delta[k];
      }
    }
    return totals;
  }

  /** One more of the counter at {@code counter} and, for those that count units, {@code units} at the next one. */
  private static void add(Map<String, long[]> totals, String region, LocalDate day, int counter, long units) {
    long[] sum = totals.computeIfAbsent(region + '\n' + day, key -> new long[COUNTERS]);
    sum[counter]++;
    if (units > 0) {
      sum[counter + 1] += units;
    }
  }

  private static Future<Void> add(SqlConnection conn, Map<String, long[]> totals) {
    if (totals.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = totals.size();
    String[] regions = new String[n];
    String[] days = new String[n];
    Long[][] columns = new Long[COUNTERS][n];
    int i = 0;
    for (Map.Entry<String, long[]> entry : totals.entrySet()) {
      int split = entry.getKey().indexOf('\n');
      regions[i] = entry.getKey().substring(0, split);
      days[i] = entry.getKey().substring(split + 1);
      for (int k = 0; k < COUNTERS; k++) {
        columns[k][i] = entry.getValue()[k];
      }
      i++;
    }
    Tuple params = Tuple.tuple().addArrayOfString(regions).addArrayOfString(days);
    for (Long[] column : columns) {
      params.addArrayOfLong(column);
    }
    return conn.preparedQuery(ADD).execute(params).mapEmpty();
  }
}
