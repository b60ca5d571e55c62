package io.tally.query;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.contract.StoredForm;
import io.tally.contract.Views;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.JournalReplay;
import io.tally.support.ManualClock;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Time travel, the event feed over HTTP, and the demand projection with its rebuild, against the journal. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadModelsIT {

  private TestNode node;
  private Http http;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T06:00:00Z"));

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(new JsonObject().put("query", new JsonObject().put("projectionPollMs", 50))
        .put("shards", new JsonObject().put("holdSweepMs", 50)), clock);
    http = new Http(node.port());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  @Test
  void aPoolAsItWasAtEveryMomentOfItsHistoryEqualsAReplayUpToThen() throws Exception {
    http.post("/pools", Pools.definition("travel-1", 3));
    String first = http.post("/pools/travel-1/reservations", Pools.order("o1", 2)).body().getString("reservationId");
    http.post("/pools/travel-1/reservations", Pools.order("o2", 1));
    http.patch("/pools/travel-1", new JsonObject().put("capacity", 5));
    http.delete("/reservations/" + first);
    http.patch("/pools/travel-1", new JsonObject().put("status", "closed"));

    List<PoolEvent> events = new ArrayList<>();
    List<String> moments = new ArrayList<>();
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT type, payload::text, to_char(recorded_at AT TIME ZONE 'UTC', "
            + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM events WHERE stream_id = 'travel-1' ORDER BY seq")) {
      while (rows.next()) {
        events.add(StoredForm.decode(rows.getString(1), rows.getString(2)));
        moments.add(rows.getString(3));
      }
    }
    assertEquals(6, events.size());
    for (int k = 0; k < events.size(); k++) {
      Pool then = PoolDecider.replay(null, events.subList(0, k + 1));
      JsonObject answer = http.get("/pools/travel-1?at=" + moments.get(k)).body();
      assertEquals(java.time.Instant.parse(moments.get(k)), java.time.Instant.parse((String) answer.remove("at")));
      assertEquals(Views.pool(then, k + 1), answer, "as of event " + (k + 1));
    }
    assertEquals("pool_not_found", http.get("/pools/travel-1?at=2000-01-01T00:00:00Z").error());
    assertEquals("invalid_at", http.get("/pools/travel-1?at=yesterday").error());
  }

  @Test
  void theFeedPagesThroughEveryEventInFeedOrder() throws Exception {
    for (int i = 0; i < 5; i++) {
      http.post("/pools", Pools.definition("feed-" + i, 10));
      http.post("/pools/feed-" + i + "/reservations", Pools.order("o", 1));
    }
    List<String> expected = new ArrayList<>();
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery("SELECT stream_id, seq FROM events ORDER BY tx_id, position")) {
      while (rows.next()) {
        expected.add(rows.getString(1) + "#" + rows.getLong(2));
      }
    }
    List<String> read = new ArrayList<>();
    String after = "0:0";
    while (true) {
      JsonObject page = http.get("/events?limit=3&after=" + after).body();
      JsonArray events = page.getJsonArray("events");
      if (events.isEmpty()) {
        assertEquals(after, page.getString("next"), "an empty page keeps the checkpoint");
        break;
      }
      events.forEach(e -> read.add(((JsonObject) e).getString("streamId") + "#" + ((JsonObject) e).getLong("seq")));
      after = page.getString("next");
    }
    assertEquals(expected, read);
    assertEquals("invalid_after", http.get("/events?after=latest").error());
    assertEquals("invalid_limit", http.get("/events?limit=5000").error());
  }

  @Test
  void theDemandReportMatchesTheJournalAndARebuildReproducesIt() throws Exception {
    Random random = new Random(11);
    List<String> reservations = new ArrayList<>();
    for (int p = 0; p < 12; p++) {
      String day = "2026-12-1" + random.nextInt(5);
      http.post("/pools", Pools.definition("demand-" + p, 50, day + "T10:00:00Z", day + "T12:00:00Z",
          p % 3 == 0 ? new String[] {"DA", "DB"} : new String[] {p % 2 == 0 ? "DA" : "DB"}));
      for (int o = 0; o < 1 + random.nextInt(6); o++) {
        JsonObject order = Pools.order("o" + o, 1 + random.nextInt(3));
        if (p % 3 == 0 && o % 2 == 0) {
          order.put("region", o % 4 == 0 ? "DA" : "DB").put("channel", "delivery"); // the rest: region unknown
        }
        Response reply = http.post("/pools/demand-" + p + "/reservations", order);
        reservations.add(reply.body().getString("reservationId"));
      }
    }
    for (int r = 0; r < 10; r++) {
      http.delete("/reservations/" + reservations.remove(random.nextInt(reservations.size())));
    }
    // holds, counted apart: some confirmed (and so reservations too), some cancelled, the rest left to expire
    for (int p = 0; p < 12; p += 2) {
      for (int h = 0; h < 3; h++) {
        JsonObject hold = Pools.order("h" + h, 1 + h).put("ttlSeconds", 60);
        if (p % 3 == 0 && h == 1) {
          hold.put("region", "DB");
        }
        String holdId = http.post("/pools/demand-" + p + "/holds", hold).body().getString("holdId");
        switch (h) {
          case 0 -> assertEquals(200, http.post("/holds/" + holdId + "/confirm", new JsonObject()).status());
          case 1 -> assertEquals(200, http.delete("/holds/" + holdId).status());
          default -> { }
        }
      }
    }
    clock.advance(Duration.ofSeconds(60));
    await().atMost(Duration.ofSeconds(20)).until(() -> JournalReplay.demand(node.databaseUrl(), "DA").stream()
        .mapToLong(day -> ((JsonObject) day).getLong("holdsExpired")).sum() > 0);

    JsonArray unknown = JournalReplay.demand(node.databaseUrl(), JournalReplay.REGION_UNKNOWN);
    assertTrue(!unknown.isEmpty());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(unknown,
        http.get("/reports/demand?regionUnknown=true&from=2026-12-01&to=2026-12-31").body().getJsonArray("days")));
    JsonArray expected = JournalReplay.demand(node.databaseUrl(), "DA");
    String query = "/reports/demand?region=DA&from=2026-12-01&to=2026-12-31";
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertEquals(expected, http.get(query).body().getJsonArray("days")));

    Response rebuild = http.call(io.vertx.core.http.HttpMethod.POST, "/projections/demand/rebuild", null);
    assertEquals(202, rebuild.status());
    assertEquals(true, rebuild.body().getBoolean("rebuilding"));
    await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/projections").body().getJsonArray("projections")
        .getJsonObject(0).getDouble("progress") == 1.0);
    assertEquals(expected, http.get(query).body().getJsonArray("days"), "a rebuild arrives at the same report");

    assertEquals("projection_not_found", http.call(io.vertx.core.http.HttpMethod.POST,
        "/projections/nothing/rebuild", null).error());
    assertEquals("invalid_window", http.get("/reports/demand?region=DA&from=2026-12-05&to=2026-12-01").error());
    assertTrue(http.get("/reports/demand?region=DA").status() == 400);
    assertEquals("invalid_region", http.get("/reports/demand?regionUnknown=yes&from=2026-12-01&to=2026-12-31")
        .error());
    assertEquals("invalid_region",
        http.get("/reports/demand?region=DA&regionUnknown=true&from=2026-12-01&to=2026-12-31").error());
  }
}
