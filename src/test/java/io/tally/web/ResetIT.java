package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.contract.StoredForm;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.JournalReplay;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /pools/{id}/reset} on a real node and journal: what it answers, what it appends, and that the pool's
 * history, its time travel, the audit and the demand report all understand it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResetIT {

  private static final String REASON = "capacity was entered for the wrong depot";

  private TestNode node;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(new JsonObject().put("query", new JsonObject().put("projectionPollMs", 50)));
    http = new Http(node.port());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  @Test
  void aResetRestoresThePoolAsItWasAtTheMomentAndKeepsTheHistory() throws Exception {
    http.post("/pools", Pools.definition("reset-1", 4, "2026-12-14T10:00:00Z", "2026-12-14T12:00:00Z", "RA"));
    String first = reserve("reset-1", "o1", 1);
    String second = reserve("reset-1", "o2", 2);
    String moment = lastRecordedAt("reset-1");
    // after the moment: o1 released, o3 reserved, capacity raised, the pool closed
    assertEquals(200, http.delete("/reservations/" + first).status());
    String third = reserve("reset-1", "o3", 2);
    String afterwards = lastRecordedAt("reset-1");
    http.patch("/pools/reset-1", new JsonObject().put("capacity", 9));
    http.patch("/pools/reset-1", new JsonObject().put("status", "closed"));
    JsonObject before = http.get("/pools/reset-1").body();
    int events = history("reset-1").size();

    Response preview = http.post("/pools/reset-1/reset?dryRun=true", reset(moment));
    assertEquals(200, preview.status(), preview.raw());
    assertEquals(true, preview.body().getBoolean("dryRun"));
    assertEquals(true, preview.body().getBoolean("changed"));
    assertEquals(List.of(third), ids(preview.body().getJsonArray("voided"), "reservationId"));
    assertEquals(List.of(first), ids(preview.body().getJsonArray("restored"), "reservationId"));
    assertEquals(events, history("reset-1").size(), "a dry run appends nothing");
    assertEquals(before, http.get("/pools/reset-1").body(), "a dry run changes nothing");

    Response reset = http.post("/pools/reset-1/reset", reset(moment));
    assertEquals(200, reset.status(), reset.raw());
    JsonObject answer = reset.body();
    assertEquals(false, answer.getBoolean("dryRun"));
    assertEquals(preview.body().getJsonArray("voided"), answer.getJsonArray("voided"));
    assertEquals(preview.body().getJsonArray("restored"), answer.getJsonArray("restored"));
    assertEquals(new JsonArray(), answer.getJsonArray("cancelledHolds"));
    assertEquals(new JsonObject().put("reservationId", third).put("orderId", "o3").put("units", 2),
        answer.getJsonArray("voided").getJsonObject(0));
    assertEquals(Instant.parse(moment), Instant.parse(answer.getString("at")));
    assertEquals(REASON, answer.getString("reason"));
    assertEquals(3, answer.getLong("asOfSeq"), "the moment's last event: o2's reservation");

    // the answer, the pool now and the pool as it was at the moment agree, but for the version
    JsonObject then = http.get("/pools/reset-1?at=" + moment).body();
    then.remove("at");
    assertEquals(withoutVersion(then), withoutVersion(answer.getJsonObject("pool")));
    assertEquals(answer.getJsonObject("pool"), http.get("/pools/reset-1").body());
    assertEquals(events + 1, answer.getJsonObject("pool").getLong("version"));

    // the history keeps everything: the reset is one more event, and the moment after still shows o3
    JsonArray history = history("reset-1");
    assertEquals(events + 1, history.size());
    JsonObject stored = history.getJsonObject(history.size() - 1);
    assertEquals(StoredForm.POOL_RESET, stored.getString("type"));
    assertEquals(REASON, stored.getJsonObject("payload").getString("reason"));
    JsonObject later = http.get("/pools/reset-1?at=" + afterwards).body();
    assertEquals(4, later.getLong("reserved"), "o2 and o3, two units each, before the reset voided o3");

    // retried, the same reset changes nothing and appends nothing
    Response again = http.post("/pools/reset-1/reset", reset(moment));
    assertEquals(200, again.status());
    assertEquals(false, again.body().getBoolean("changed"));
    assertEquals(events + 1, history("reset-1").size());

    // the voided reservation's release is answered and frees nothing; the restored one is released for real
    assertEquals(200, http.delete("/reservations/" + third).status());
    assertEquals(3, http.get("/pools/reset-1").body().getLong("reserved"));
    assertEquals(200, http.delete("/reservations/" + first).status());
    assertEquals(2, http.get("/pools/reset-1").body().getLong("reserved"));
    // an order whose reservation was voided reserves again under a new id
    String fourth = reserve("reset-1", "o3", 1);
    assertTrue(!fourth.equals(third), fourth);
    Response repeated = http.post("/pools/reset-1/reservations", Pools.order("o2", 2));
    assertEquals(200, repeated.status(), "o2's reservation was live at the moment and still is");
    assertEquals(second, repeated.body().getString("reservationId"));

    assertAudited();
    JsonArray expected = JournalReplay.demand(node.databaseUrl(), "RA");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(expected,
        http.get("/reports/demand?region=RA&from=2026-12-14&to=2026-12-15").body().getJsonArray("days")));
    JsonObject day = expected.getJsonObject(0);
    assertEquals(5, day.getLong("reservations"), "o1, o2, o3, o1 restored, o3 again");
    assertEquals(3, day.getLong("releases"), "o1, o3 voided, o1 again");
  }

  @Test
  void aResetCancelsHoldsPlacedSinceAndKeepsHoldsThatAreStillLive() throws Exception {
    http.post("/pools", Pools.definition("reset-holds", 5));
    String kept = hold("reset-holds", "h1");
    String confirmed = hold("reset-holds", "h2");
    String moment = lastRecordedAt("reset-holds");
    String placedSince = hold("reset-holds", "h3");
    assertEquals(200, http.post("/holds/" + confirmed + "/confirm", new JsonObject()).status());

    JsonObject answer = http.post("/pools/reset-holds/reset", reset(moment)).body();

    assertEquals(List.of(confirmed), ids(answer.getJsonArray("voided"), "reservationId"),
        "a hold confirmed since is a reservation made since");
    assertEquals(List.of(placedSince), ids(answer.getJsonArray("cancelledHolds"), "holdId"));
    assertEquals(1, answer.getJsonObject("pool").getLong("held"));
    assertEquals(0, answer.getJsonObject("pool").getLong("reserved"));
    assertEquals(200, http.post("/holds/" + kept + "/confirm", new JsonObject()).status(), "h1 is still live");
    Response late = http.post("/holds/" + placedSince + "/confirm", new JsonObject());
    assertEquals(409, late.status());
    assertEquals("hold_cancelled", late.error());
    assertAudited();
  }

  @Test
  void aResetAmidReservationsVoidsExactlyThoseMadeBeforeItAndSinceTheMoment() throws Exception {
    http.post("/pools", Pools.definition("reset-busy", 1_000));
    for (int i = 0; i < 10; i++) {
      reserve("reset-busy", "before-" + i, 1);
    }
    String moment = lastRecordedAt("reset-busy");
    List<Future<Response>> replies = new ArrayList<>();
    Future<Response> reset = null;
    for (int i = 0; i < 200; i++) {
      replies.add(http.send(HttpMethod.POST, "/pools/reset-busy/reservations", Pools.order("busy-" + i, 1).toBuffer()));
      if (i == 100) {
        reset = http.send(HttpMethod.POST, "/pools/reset-busy/reset", reset(moment).toBuffer());
      }
    }
    Future.all(replies).await();
    replies.forEach(reply -> assertEquals(201, reply.result().status(), reply.result().raw()));
    JsonObject answer = reset.await().body();
    assertEquals(true, answer.getBoolean("changed"), answer.encode());

    // the reservations decided before the reset are the ones it voided; those after it stay live
    JsonArray history = history("reset-busy");
    int at = -1;
    List<String> reservedBefore = new ArrayList<>();
    int reservedAfter = 0;
    for (int i = 0; i < history.size(); i++) {
      JsonObject event = history.getJsonObject(i);
      if (event.getString("type").equals(StoredForm.POOL_RESET)) {
        at = i;
      } else if (event.getString("type").startsWith("capacity.reserved") && i >= 11) {
        if (at < 0) {
          reservedBefore.add(event.getJsonObject("payload").getString("reservationId"));
        } else {
          reservedAfter++;
        }
      }
    }
    assertEquals(reservedBefore, ids(answer.getJsonArray("voided"), "reservationId"));
    assertEquals(10 + reservedAfter, http.get("/pools/reset-busy").body().getLong("reserved"));
    assertAudited();
  }

  @Test
  void aResetThatCannotBeMadeIsRefusedWithAJsonError() throws Exception {
    http.post("/pools", Pools.definition("reset-refused", 2));
    reserve("reset-refused", "o1", 1);
    String moment = lastRecordedAt("reset-refused");
    int events = history("reset-refused").size();

    assertRefused(400, "invalid_reason", http.post("/pools/reset-refused/reset", new JsonObject().put("at", moment)));
    assertRefused(400, "invalid_reason", http.post("/pools/reset-refused/reset", reset(moment).put("reason", " ")));
    assertRefused(400, "invalid_at", http.post("/pools/reset-refused/reset", reset("yesterday")));
    assertRefused(400, "invalid_at", http.post("/pools/reset-refused/reset",
        reset(Instant.now().plus(Duration.ofDays(1)).toString())));
    assertRefused(409, "reset_before_definition", http.post("/pools/reset-refused/reset",
        reset("2020-01-01T00:00:00Z")));
    assertRefused(400, "invalid_dry_run", http.post("/pools/reset-refused/reset?dryRun=maybe", reset(moment)));
    assertRefused(404, "pool_not_found", http.post("/pools/no-such-pool/reset", reset(moment)));
    try (Http anonymous = Http.anonymous(node.port())) {
      assertRefused(401, "unauthorized", anonymous.post("/pools/reset-refused/reset", reset(moment)));
    }
    assertEquals(events, history("reset-refused").size(), "nothing refused was appended");
  }

  private static JsonObject reset(String at) {
    return new JsonObject().put("at", at).put("reason", REASON);
  }

  private static void assertRefused(int status, String error, Response response) {
    assertEquals(status, response.status(), response.raw());
    assertEquals(error, response.error(), response.raw());
    assertTrue(response.body().getString("message") != null, response.raw());
  }

  private static List<String> ids(JsonArray claims, String field) {
    return claims.stream().map(claim -> ((JsonObject) claim).getString(field)).collect(Collectors.toList());
  }

  private static JsonObject withoutVersion(JsonObject pool) {
    JsonObject copy = pool.copy();
    copy.remove("version");
    return copy;
  }

  private String reserve(String poolId, String orderId, int units) {
    Response reply = http.post("/pools/" + poolId + "/reservations", Pools.order(orderId, units));
    assertEquals(201, reply.status(), reply.raw());
    return reply.body().getString("reservationId");
  }

  private String hold(String poolId, String orderId) {
    Response reply = http.post("/pools/" + poolId + "/holds", Pools.order(orderId, 1).put("ttlSeconds", 600));
    assertEquals(201, reply.status(), reply.raw());
    return reply.body().getString("holdId");
  }

  private JsonArray history(String poolId) {
    return http.get("/pools/" + poolId + "/events?limit=1000").body().getJsonArray("events");
  }

  /** When the pool's last event was recorded, to the microsecond: a moment the pool was exactly as it is now. */
  private String lastRecordedAt(String poolId) throws Exception {
    try (Connection conn = TestDatabase.connect(node.databaseUrl());
        PreparedStatement statement = conn.prepareStatement("SELECT to_char(recorded_at AT TIME ZONE 'UTC', "
            + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM events WHERE stream_id = ? ORDER BY seq DESC LIMIT 1")) {
      statement.setString(1, poolId);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  private void assertAudited() {
    Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(node.databaseUrl())).using(node.vertx())
        .build();
    try {
      Audit.Report report = Audit.run(sql).await();
      assertTrue(report.passed(), report.problems().toString());
    } finally {
      sql.close().await();
    }
  }
}
