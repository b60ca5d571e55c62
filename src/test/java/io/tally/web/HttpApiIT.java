package io.tally.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The HTTP contract for pools, reservations, history and health, over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiIT {

  private TestNode node;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    http = new Http(node.port());
  }

  @AfterAll
  void stop() {
    http.close();
    node.close();
  }

  @Test
  void definingAPoolAnswersItAndASecondDefinitionIsRefused() {
    Response created = http.post("/pools", Pools.definition("define-1", 5, "2026-12-01T10:00:00Z",
        "2026-12-01T12:00:00+00:00", "SW1A", "SW1B", "SW1A"));
    assertEquals(201, created.status());
    assertEquals(new JsonObject()
        .put("poolId", "define-1").put("capacity", 5).put("reserved", 0).put("held", 0).put("remaining", 5)
        .put("status", "open")
        .put("slot", new JsonObject().put("start", "2026-12-01T10:00:00Z").put("end", "2026-12-01T12:00:00Z"))
        .put("regions", new JsonArray().add("SW1A").add("SW1B")).put("version", 1), created.body());

    Response retried = http.post("/pools", Pools.definition("define-1", 5, "2026-12-01T10:00:00Z",
        "2026-12-01T12:00:00Z", "SW1A", "SW1B"));
    assertEquals(200, retried.status(), "an identical definition is a retry, answered with the pool");
    assertEquals(1, retried.body().getInteger("version"));

    Response again = http.post("/pools", Pools.definition("define-1", 9));
    assertEquals(409, again.status());
    assertEquals("pool_exists", again.error());
    assertEquals(5, http.get("/pools/define-1").body().getInteger("capacity"));
  }

  @Test
  void readingAPoolShowsItsCountersAndVersion() {
    http.post("/pools", Pools.definition("read-1", 3));
    http.post("/pools/read-1/reservations", Pools.order("o1", 2));

    Response pool = http.get("/pools/read-1");
    assertEquals(200, pool.status());
    assertEquals(3, pool.body().getInteger("capacity"));
    assertEquals(2, pool.body().getInteger("reserved"));
    assertEquals(1, pool.body().getInteger("remaining"));
    assertEquals(2, pool.body().getInteger("version"));
    assertEquals("application/json", pool.contentType());

    Response missing = http.get("/pools/never-defined");
    assertEquals(404, missing.status());
    assertEquals("pool_not_found", missing.error());
  }

  @Test
  void reservingIsIdempotentByOrderAndRefusedBeyondCapacity() {
    http.post("/pools", Pools.definition("reserve-1", 3));

    Response first = http.post("/pools/reserve-1/reservations", Pools.order("o1", 2));
    assertEquals(201, first.status());
    assertEquals("reserve-1~1", first.body().getString("reservationId"));
    assertEquals(new JsonObject().put("reservationId", "reserve-1~1").put("poolId", "reserve-1")
        .put("orderId", "o1").put("units", 2).put("remaining", 1), first.body());

    Response repeated = http.post("/pools/reserve-1/reservations", Pools.order("o1", 2));
    assertEquals(200, repeated.status());
    assertEquals("reserve-1~1", repeated.body().getString("reservationId"));

    Response refused = http.post("/pools/reserve-1/reservations", Pools.order("o2", 2));
    assertEquals(409, refused.status());
    assertEquals("capacity_exhausted", refused.error());
    assertNotNull(refused.body().getString("message"));

    Response fills = http.post("/pools/reserve-1/reservations", new JsonObject().put("orderId", "o3"));
    assertEquals(201, fills.status(), "units default to 1");
    assertEquals(0, fills.body().getInteger("remaining"));
    assertEquals(3, http.get("/pools/reserve-1").body().getInteger("reserved"));
  }

  @Test
  void reservingOnAMissingOrClosedPoolIsRefused() {
    Response missing = http.post("/pools/no-such-pool/reservations", Pools.order("o1", 1));
    assertEquals(404, missing.status());
    assertEquals("pool_not_found", missing.error());

    http.post("/pools", Pools.definition("closed-1", 10));
    http.post("/pools/closed-1/reservations", Pools.order("held", 1));
    assertEquals(200, http.patch("/pools/closed-1", new JsonObject().put("status", "closed")).status());
    Response closed = http.post("/pools/closed-1/reservations", Pools.order("late", 1));
    assertEquals(409, closed.status());
    assertEquals("pool_closed", closed.error());
    assertEquals(200, http.post("/pools/closed-1/reservations", Pools.order("held", 1)).status(),
        "a retried order keeps its reservation after the pool closed");

    http.patch("/pools/closed-1", new JsonObject().put("status", "open"));
    assertEquals(201, http.post("/pools/closed-1/reservations", Pools.order("late", 1)).status());
  }

  @Test
  void releasingReturnsUnitsOnceAndUnknownReservationsAreNotFound() {
    http.post("/pools", Pools.definition("release-1", 1));
    String id = http.post("/pools/release-1/reservations", Pools.order("o1", 1)).body().getString("reservationId");

    Response released = http.delete("/reservations/" + id);
    assertEquals(200, released.status());
    assertEquals(new JsonObject().put("reservationId", id).put("released", true), released.body());
    assertEquals(0, http.get("/pools/release-1").body().getInteger("reserved"));

    Response twice = http.delete("/reservations/" + id);
    assertEquals(200, twice.status(), "releasing twice releases once");
    assertEquals(0, http.get("/pools/release-1").body().getInteger("reserved"));
    assertEquals(3, http.get("/pools/release-1").body().getInteger("version"));

    assertEquals("reservation_not_found", http.delete("/reservations/release-1~99").error());
    assertEquals(404, http.delete("/reservations/no-pool~1").status());
    assertEquals("invalid_reservation_id", http.delete("/reservations/not-a-reservation").error());
  }

  @Test
  void changingCapacityBelowReservedKeepsReservationsAndRefusesNewOnes() {
    http.post("/pools", Pools.definition("change-1", 4));
    http.post("/pools/change-1/reservations", Pools.order("o1", 3));

    Response lowered = http.patch("/pools/change-1", new JsonObject().put("capacity", 2));
    assertEquals(200, lowered.status());
    assertEquals(2, lowered.body().getInteger("capacity"));
    assertEquals(3, lowered.body().getInteger("reserved"));
    assertEquals(0, lowered.body().getInteger("remaining"));
    assertEquals("capacity_exhausted", http.post("/pools/change-1/reservations", Pools.order("o2", 1)).error());

    assertEquals(404, http.patch("/pools/no-such", new JsonObject().put("capacity", 1)).status());
    assertEquals("invalid_status", http.patch("/pools/change-1", new JsonObject().put("status", "paused")).error());
    assertEquals("invalid_change", http.patch("/pools/change-1", new JsonObject()).error());
  }

  @Test
  void historyIsPagedOldestFirst() {
    http.post("/pools", Pools.definition("history-1", 10));
    for (int i = 1; i <= 4; i++) {
      http.post("/pools/history-1/reservations", Pools.order("o" + i, 1));
    }
    http.delete("/reservations/history-1~2");

    List<JsonObject> events = new ArrayList<>();
    Long after = 0L;
    int pages = 0;
    while (after != null) {
      Response page = http.get("/pools/history-1/events?limit=2&after=" + after);
      assertEquals(200, page.status());
      page.body().getJsonArray("events").forEach(event -> events.add((JsonObject) event));
      after = page.body().getLong("next");
      pages++;
    }
    assertEquals(3, pages);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), events.stream().map(e -> e.getLong("seq")).toList());
    assertEquals("pool.defined.v1", events.getFirst().getString("type"));
    assertEquals("capacity.reserved.v1", events.get(1).getString("type"));
    assertEquals("o1", events.get(1).getJsonObject("payload").getString("orderId"));
    assertEquals("reservation.released.v1", events.getLast().getString("type"));
    assertNotNull(events.getLast().getString("recordedAt"));

    assertNull(http.get("/pools/history-1/events").body().getLong("next"));
    assertEquals("pool_not_found", http.get("/pools/no-history/events").error());
    assertEquals("invalid_limit", http.get("/pools/history-1/events?limit=0").error());
    assertEquals("invalid_after", http.get("/pools/history-1/events?after=x").error());
  }

  @Test
  void healthEndpointsAnswer() {
    assertEquals(200, http.get("/health/live").status());
    Response ready = http.get("/health/ready");
    assertEquals(200, ready.status());
    assertTrue(ready.body().containsKey("status"));
  }
}
