package io.tally.query;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tally.pool.Pool;
import io.tally.pool.PoolStatus;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.JournalReplay;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Availability answers match a brute-force computation from the journal, for random pools, regions, windows and
 * order sizes; and the periodic catch-up repairs the index when a change reaches it only through the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AvailabilityIT {

  private static final List<String> REGIONS = List.of("SW1A", "SW1B", "E1 6", "N1", "W2");
  private static final LocalDate FIRST_DAY = LocalDate.of(2026, 12, 1);

  private TestNode node;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(new JsonObject().put("query", new JsonObject().put("catchUpMs", 200)));
    http = new Http(node.port());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  @Test
  void answersMatchABruteForceReplayOfTheJournal() throws Exception {
    Random random = new Random(7);
    List<String> poolIds = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      LocalDate day = FIRST_DAY.plusDays(random.nextInt(7));
      int hour = 8 + 2 * random.nextInt(6);
      String start = day.atTime(hour, 0).toInstant(ZoneOffset.UTC).toString();
      String end = day.atTime(hour + 2, 0).toInstant(ZoneOffset.UTC).toString();
      List<String> regions = new ArrayList<>(REGIONS);
      java.util.Collections.shuffle(regions, random);
      String poolId = "random-" + i;
      http.post("/pools", Pools.definition(poolId, random.nextInt(4), start, end,
          regions.subList(0, 1 + random.nextInt(3)).toArray(String[]::new)));
      poolIds.add(poolId);
    }
    List<String> reservations = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      String poolId = poolIds.get(random.nextInt(poolIds.size()));
      Response reply = http.post("/pools/" + poolId + "/reservations", Pools.order("order-" + i, 1));
      if (reply.status() == 201) {
        reservations.add(reply.body().getString("reservationId"));
      }
      if (!reservations.isEmpty() && random.nextInt(4) == 0) {
        http.delete("/reservations/" + reservations.remove(random.nextInt(reservations.size())));
      }
      if (random.nextInt(15) == 0) {
        http.patch("/pools/" + poolIds.get(random.nextInt(poolIds.size())),
            new JsonObject().put("status", random.nextBoolean() ? "closed" : "open"));
      }
    }

    Map<String, Pool> truth = JournalReplay.pools(node.databaseUrl());
    for (int q = 0; q < 40; q++) {
      String region = REGIONS.get(random.nextInt(REGIONS.size()));
      LocalDate from = FIRST_DAY.plusDays(random.nextInt(7));
      LocalDate to = from.plusDays(1 + random.nextInt(7));
      int units = 1 + random.nextInt(2);
      JsonObject question = new JsonObject().put("region", region).put("from", from.toString())
          .put("to", to.toString()).put("units", units);
      JsonArray expected = expected(truth, region, from, to, units);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertEquals(expected, http.post("/availability", question).body().getJsonArray("slots"), question.encode()));
    }
  }

  @Test
  void theCatchUpRepairsAChangeThatWasNeverPublished() throws Exception {
    http.post("/pools", Pools.definition("repaired-1", 5, "2026-12-09T10:00:00Z", "2026-12-09T12:00:00Z", "ZZ1"));
    JsonObject question = new JsonObject().put("region", "ZZ1").put("from", "2026-12-09").put("to", "2026-12-10");
    await().atMost(Duration.ofSeconds(10)).until(() -> slots(question).size() == 1
        && slots(question).getJsonObject(0).getBoolean("available"));

    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement()) {
      statement.executeUpdate("UPDATE pool_view SET reserved = capacity, seq = seq + 1, tx_id = pg_current_xact_id() "
          + "WHERE pool_id = 'repaired-1'");
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> !slots(question).getJsonObject(0).getBoolean("available"));
  }

  @Test
  void closedPoolsAndPoolsOutsideTheWindowAreNotOffered() {
    http.post("/pools", Pools.definition("window-in", 3, "2026-12-20T10:00:00Z", "2026-12-20T12:00:00Z", "WIN"));
    http.post("/pools", Pools.definition("window-out", 3, "2026-12-22T10:00:00Z", "2026-12-22T12:00:00Z", "WIN"));
    http.post("/pools", Pools.definition("window-closed", 3, "2026-12-20T14:00:00Z", "2026-12-20T16:00:00Z", "WIN"));
    http.patch("/pools/window-closed", new JsonObject().put("status", "closed"));
    JsonObject question = new JsonObject().put("region", "WIN").put("from", "2026-12-20").put("to", "2026-12-22");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of("window-in"),
        slots(question).stream().map(slot -> ((JsonObject) slot).getString("poolId")).toList()));
  }

  @Test
  void badQuestionsAreRefusedWithTheFieldNamed() {
    assertEquals("invalid_region", http.post("/availability", new JsonObject().put("from", "2026-12-01")
        .put("to", "2026-12-02")).error());
    assertEquals("invalid_from", http.post("/availability", new JsonObject().put("region", "A")
        .put("from", "monday").put("to", "2026-12-02")).error());
    assertEquals("invalid_window", http.post("/availability", new JsonObject().put("region", "A")
        .put("from", "2026-12-02").put("to", "2026-12-02")).error());
    assertEquals("invalid_window", http.post("/availability", new JsonObject().put("region", "A")
        .put("from", "2026-01-01").put("to", "2027-01-01")).error());
    Response units = http.post("/availability", new JsonObject().put("region", "A").put("from", "2026-12-01")
        .put("to", "2026-12-02").put("units", 0));
    assertEquals(400, units.status());
    assertEquals("invalid_units", units.error());
  }

  private JsonArray slots(JsonObject question) {
    return http.post("/availability", question).body().getJsonArray("slots");
  }

  /** What the availability of a region is, computed from the replayed pools alone. */
  private static JsonArray expected(Map<String, Pool> pools, String region, LocalDate from, LocalDate to, int units) {
    List<Pool> offered = pools.values().stream()
        .filter(pool -> pool.regions().contains(region) && pool.status() == PoolStatus.OPEN)
        .filter(pool -> {
          LocalDate day = LocalDate.ofInstant(pool.slot().start(), ZoneOffset.UTC);
          return !day.isBefore(from) && day.isBefore(to);
        })
        .sorted(Comparator.<Pool, java.time.Instant>comparing(pool -> pool.slot().start())
            .thenComparing(Pool::poolId))
        .toList();
    JsonArray slots = new JsonArray();
    for (Pool pool : offered) {
      slots.add(new JsonObject().put("poolId", pool.poolId()).put("start", pool.slot().start().toString())
          .put("end", pool.slot().end().toString()).put("available", pool.remaining() >= units));
    }
    return slots;
  }
}
