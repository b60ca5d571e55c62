package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.ManualClock;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Holds and cut-offs over real HTTP on a node whose clock the test moves: holds are granted within capacity,
 * expire by themselves when their time comes and give back exactly what they held, and a pool stops taking orders
 * at its cut-off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HoldsIT {

  private static final Instant START = Instant.parse("2026-11-30T06:00:00Z");
  private static final String SLOT_START = "2026-11-30T10:00:00Z";
  private static final String SLOT_END = "2026-11-30T12:00:00Z";

  private final ManualClock clock = new ManualClock(START);
  private TestNode node;
  private Http http;
  // held for the whole class: a client nobody references is shut down when collected, handshakes in flight too
  private WebSocketClient sockets;

  @BeforeAll
  void start() throws Exception {
    // sweep often, so that a hold expires soon after the test moves the clock past it
    node = TestNode.start(new JsonObject().put("shards", new JsonObject().put("holdSweepMs", 50)), clock);
    http = new Http(node.vertx(), node.port(), 64);
    sockets = node.vertx().createWebSocketClient();
  }

  @AfterAll
  void stop() {
    sockets.close().await();
    http.close();
    node.close();
  }

  @Test
  void aThousandConcurrentHoldsOnAPoolOfAHundredGrantExactlyAHundredAndAllExpireGivingEveryUnitBack()
      throws SQLException {
    define(Pools.definition("crowd", 100, SLOT_START, SLOT_END, "E1"));
    List<Future<Response>> sent = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      sent.add(http.send(HttpMethod.POST, "/pools/crowd/holds", Buffer.buffer(new JsonObject()
          .put("orderId", "crowd-" + i).put("units", 1).put("ttlSeconds", 300).encode())));
    }
    Future.join(sent).await();
    Map<String, Integer> outcomes = new HashMap<>();
    Set<String> holdIds = new HashSet<>();
    for (Future<Response> answer : sent) {
      Response response = answer.result();
      outcomes.merge(response.status() + " " + (response.status() == 201 ? "held" : response.error()), 1,
          Integer::sum);
      if (response.status() == 201) {
        holdIds.add(response.body().getString("holdId"));
        assertEquals(START.plusSeconds(300).toString(), response.body().getString("expiresAt"));
      }
    }
    assertEquals(Map.of("201 held", 100, "409 capacity_exhausted", 900), outcomes);
    assertEquals(100, holdIds.size(), "every granted hold has its own id");
    JsonObject full = http.get("/pools/crowd").body();
    assertEquals(100, full.getLong("held"));
    assertEquals(0, full.getLong("remaining"));

    clock.advance(Duration.ofSeconds(299));
    assertEquals(100, http.get("/pools/crowd").body().getLong("held"), "no hold expires before its time");

    clock.advance(Duration.ofSeconds(1));
    await().atMost(30, TimeUnit.SECONDS).until(() -> http.get("/pools/crowd").body().getLong("held") == 0);
    JsonObject emptied = http.get("/pools/crowd").body();
    assertEquals(100, emptied.getLong("remaining"));
    assertEquals(0, emptied.getLong("reserved"));
    assertEquals(Map.of("hold.placed.v1", 100, "hold.expired.v1", 100), holdEventCounts("crowd"));

    String expired = holdIds.iterator().next();
    Response late = http.post("/holds/" + expired + "/confirm", new JsonObject());
    assertEquals(409, late.status());
    assertEquals("hold_expired", late.error());
    assertEquals(0, http.get("/pools/crowd").body().getLong("reserved"), "an expired hold is never re-reserved");
    assertEquals(201, http.post("/pools/crowd/reservations", Pools.order("after-expiry", 100)).status(),
        "capacity returned exactly: the whole pool can be reserved again");
    Audit.Report audit = audit();
    assertTrue(audit.passed(), audit.problems().toString());
  }

  @Test
  void aHoldIsRetriedExtendedConfirmedAndReleasedByItsId() {
    define(Pools.definition("checkout", 3, SLOT_START, SLOT_END, "E1"));
    Response held = http.post("/pools/checkout/holds", Pools.order("basket-1", 2).put("region", "E1"));
    assertEquals(201, held.status(), held.raw());
    String holdId = held.body().getString("holdId");
    assertEquals("checkout~1", holdId);
    assertEquals("held", held.body().getString("status"));
    Instant placedAt = clock.instant();
    assertEquals(placedAt.plus(Duration.ofMinutes(10)).toString(), held.body().getString("expiresAt"),
        "ten minutes when the request does not say");
    assertEquals(1, held.body().getLong("remaining"));

    Response retried = http.post("/pools/checkout/holds", Pools.order("basket-1", 2));
    assertEquals(200, retried.status());
    assertEquals(holdId, retried.body().getString("holdId"));

    Response extended = http.patch("/holds/" + holdId, new JsonObject().put("ttlSeconds", 1_800));
    assertEquals(200, extended.status(), extended.raw());
    assertEquals(clock.instant().plusSeconds(1_800).toString(), extended.body().getString("expiresAt"));
    clock.advance(Duration.ofSeconds(1));
    Response tooLong = http.patch("/holds/" + holdId, new JsonObject().put("ttlSeconds", 3_600));
    assertEquals(409, tooLong.status());
    assertEquals("hold_too_long", tooLong.error());

    Response confirmed = http.post("/holds/" + holdId + "/confirm", new JsonObject());
    assertEquals(200, confirmed.status(), confirmed.raw());
    assertEquals(holdId, confirmed.body().getString("reservationId"));
    assertEquals("confirmed", confirmed.body().getString("status"));
    assertEquals("E1", confirmed.body().getString("region"));
    assertEquals(confirmed.body(), http.post("/holds/" + holdId + "/confirm", new JsonObject()).body(),
        "confirming twice confirms once");
    JsonObject pool = http.get("/pools/checkout").body();
    assertEquals(2, pool.getLong("reserved"));
    assertEquals(0, pool.getLong("held"));

    assertEquals(409, http.delete("/holds/" + holdId).status(), "a confirmed hold is released, not cancelled");
    Response released = http.delete("/reservations/" + holdId);
    assertEquals(200, released.status());
    assertEquals(3, http.get("/pools/checkout").body().getLong("remaining"));
  }

  @Test
  void aCancelledHoldGivesItsUnitsBackAndStaysCancelled() {
    define(Pools.definition("abandon", 1, SLOT_START, SLOT_END, "E1"));
    String holdId = http.post("/pools/abandon/holds", Pools.order("cart-1", 1)).body().getString("holdId");
    assertEquals(409, http.post("/pools/abandon/holds", Pools.order("cart-2", 1)).status());

    Response cancelled = http.delete("/holds/" + holdId);
    assertEquals(200, cancelled.status());
    assertEquals(new JsonObject().put("holdId", holdId).put("status", "cancelled"), cancelled.body());
    assertEquals(cancelled.body(), http.delete("/holds/" + holdId).body(), "cancelling twice cancels once");
    assertEquals("hold_cancelled", http.post("/holds/" + holdId + "/confirm", new JsonObject()).error());
    assertEquals(201, http.post("/pools/abandon/holds", Pools.order("cart-2", 1)).status());
  }

  @Test
  void badHoldRequestsAreRefusedWithTheFieldNamed() {
    define(Pools.definition("strict", 1, SLOT_START, SLOT_END, "E1"));
    assertEquals("invalid_ttl", http.post("/pools/strict/holds", Pools.order("o", 1).put("ttlSeconds", 0)).error());
    assertEquals("invalid_ttl", http.post("/pools/strict/holds", Pools.order("o", 1).put("ttlSeconds", 3_601))
        .error());
    assertEquals("invalid_ttl", http.post("/pools/strict/holds", Pools.order("o", 1).put("ttlSeconds", "5"))
        .error());
    assertEquals("invalid_hold_id", http.post("/holds/nope/confirm", new JsonObject()).error());
    Response unknown = http.post("/holds/strict~9/confirm", new JsonObject());
    assertEquals(404, unknown.status());
    assertEquals("hold_not_found", unknown.error());
    assertEquals("pool_not_found", http.post("/pools/missing/holds", Pools.order("o", 1)).error());
  }

  @Test
  void atItsCutoffAPoolStopsTakingOrdersAndIsNoLongerOffered() {
    Instant slotStart = clock.instant().plus(Duration.ofHours(3));
    JsonObject definition = Pools.definition("last-call", 5, slotStart.toString(),
        slotStart.plus(Duration.ofHours(2)).toString(), "N1").put("cutoff", "PT2H");
    Response created = http.post("/pools", definition);
    assertEquals(201, created.status(), created.raw());
    assertEquals(slotStart.minus(Duration.ofHours(2)).toString(), created.body().getString("cutoff"));
    assertEquals(201, http.post("/pools/last-call/reservations", Pools.order("early", 1)).status());
    // availability lags writes a little: a new pool is offered once this node's index has read it
    await().atMost(10, TimeUnit.SECONDS).until(() -> offered("N1", slotStart).equals(List.of("last-call")));
    String day = slotStart.toString().substring(0, 10);
    ConcurrentLinkedQueue<JsonObject> pushed = new ConcurrentLinkedQueue<>();
    sockets.connect(node.port(), "127.0.0.1", "/ws/availability?region=N1&from=" + day
        + "&to=" + LocalDate.parse(day).plusDays(1)).map(socket -> socket.textMessageHandler(
            text -> pushed.add(new JsonObject(text)))).await();
    await().atMost(10, TimeUnit.SECONDS).until(() -> !pushed.isEmpty());
    assertEquals("snapshot", pushed.poll().getString("type"));

    clock.advance(Duration.ofHours(1));
    await().atMost(10, TimeUnit.SECONDS).until(() -> !pushed.isEmpty());
    JsonObject cutOff = pushed.poll();
    assertEquals("last-call", cutOff.getString("poolId"));
    assertEquals(false, cutOff.getBoolean("open"), "the WebSocket is told the slot is no longer offered");
    Response late = http.post("/pools/last-call/reservations", Pools.order("late", 1));
    assertEquals(409, late.status());
    assertEquals("past_cutoff", late.error());
    assertEquals("past_cutoff", http.post("/pools/last-call/holds", Pools.order("late", 1)).error());
    assertEquals(List.of(), offered("N1", slotStart), "availability stops offering the slot by itself");

    assertEquals(200, http.delete("/reservations/last-call~1").status(), "releases still work");
    assertEquals(200, http.patch("/pools/last-call", new JsonObject().put("capacity", 9)).status(),
        "capacity changes still work");
    assertEquals("past_cutoff", http.post("/pools/last-call/reservations", Pools.order("early", 1)).error(),
        "an order whose reservation was released is not reserved again after the cut-off");
  }

  @Test
  void aCutoffThatIsNeitherADurationNorAnInstantIsRefused() {
    JsonObject definition = Pools.definition("bad-cutoff", 5, SLOT_START, SLOT_END, "N1").put("cutoff", "2h");
    Response refused = http.post("/pools", definition);
    assertEquals(400, refused.status());
    assertEquals("invalid_cutoff", refused.error());
    assertEquals("invalid_cutoff", http.post("/pools", definition.put("cutoff", SLOT_END)).error(),
        "a cut-off at the slot's end is no cut-off");
    assertEquals(404, http.get("/pools/bad-cutoff").status());
  }

  /** The journal audit, I1-I3 with holds, over this node's database. */
  private Audit.Report audit() {
    Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(node.databaseUrl())).using(node.vertx())
        .build();
    try {
      return Audit.run(sql).await();
    } finally {
      sql.close().await();
    }
  }

  private void define(JsonObject definition) {
    Response created = http.post("/pools", definition);
    assertEquals(201, created.status(), created.raw());
  }

  private List<String> offered(String region, Instant day) {
    String date = day.toString().substring(0, 10);
    Response answer = http.post("/availability", new JsonObject().put("region", region).put("from", date)
        .put("to", LocalDate.parse(date).plusDays(1).toString()));
    assertEquals(200, answer.status(), answer.raw());
    JsonArray slots = answer.body().getJsonArray("slots");
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      pools.add(slots.getJsonObject(i).getString("poolId"));
    }
    return pools;
  }

  private Map<String, Integer> holdEventCounts(String poolId) throws SQLException {
    Map<String, Integer> counts = new HashMap<>();
    try (Connection conn = TestDatabase.connect(node.databaseUrl()); Statement sql = conn.createStatement();
        ResultSet rows = sql.executeQuery("SELECT type, count(*) FROM events WHERE stream_id = '" + poolId
            + "' AND type LIKE 'hold.%' GROUP BY type")) {
      while (rows.next()) {
        counts.put(rows.getString(1), rows.getInt(2));
      }
    }
    assertTrue(counts.values().stream().allMatch(count -> count > 0));
    return counts;
  }
}
