package io.tally.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Admin routes need the bearer token; storefront routes do not; a node outside the embedded default with no token
 * refuses admin routes altogether.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminAccessIT {

  private static final String POOL = "admin-pool";

  private TestNode node;
  private Http operator;
  private Http storefront;
  private Http impostor;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    operator = new Http(node.port());
    storefront = Http.anonymous(node.port());
    impostor = Http.withToken(node.port(), Http.ADMIN_TOKEN + "x");
    assertEquals(201, operator.post("/pools", Pools.definition(POOL, 10)).status());
  }

  @AfterAll
  void stop() {
    operator.close();
    storefront.close();
    impostor.close();
    node.close();
  }

  /** Every admin route, as a request that would succeed (or at least be understood) with the token. */
  private List<Request> adminRoutes() {
    return List.of(
        new Request(HttpMethod.POST, "/pools", Pools.definition("admin-other", 3).encode()),
        new Request(HttpMethod.GET, "/pools/" + POOL, null),
        new Request(HttpMethod.GET, "/pools/" + POOL + "?at=" + java.time.Instant.now(), null),
        new Request(HttpMethod.PATCH, "/pools/" + POOL, new JsonObject().put("capacity", 11).encode()),
        new Request(HttpMethod.GET, "/pools/" + POOL + "/events", null),
        new Request(HttpMethod.GET, "/events", null),
        new Request(HttpMethod.GET, "/reports/demand?region=SW1A&from=2026-12-01&to=2026-12-08", null),
        new Request(HttpMethod.GET, "/projections", null),
        new Request(HttpMethod.POST, "/projections/demand/rebuild", null),
        new Request(HttpMethod.GET, "/cluster", null),
        new Request(HttpMethod.GET, "/metrics", null),
        new Request(HttpMethod.POST, "/pools/" + POOL + "/reset?dryRun=true", new JsonObject()
            .put("at", java.time.Instant.now().toString()).put("reason", "admin only").encode()),
        new Request(HttpMethod.GET, "/console/board?region=SW1A&from=2026-12-01&to=2026-12-08", null),
        new Request(HttpMethod.GET, "/console/cluster", null));
  }

  private record Request(HttpMethod method, String path, String body) {
    Response by(Http http) {
      return http.call(method, path, body);
    }
  }

  @Test
  void everyAdminRouteAnswers401WithoutTheTokenOrWithAWrongOne() {
    for (Request request : adminRoutes()) {
      for (Http client : List.of(storefront, impostor)) {
        Response refused = request.by(client);
        assertEquals(401, refused.status(), request + ": " + refused.raw());
        assertEquals("unauthorized", refused.error(), request + ": " + refused.raw());
        assertTrue(refused.contentType().startsWith("application/json"), request.toString());
        assertEquals("Bearer realm=\"tally-admin\"", refused.headers().get("WWW-Authenticate"), request.toString());
        assertTrue(!refused.raw().contains(Http.ADMIN_TOKEN), "the token is never echoed: " + refused.raw());
      }
    }
    assertEquals(10, operator.get("/pools/" + POOL).body().getInteger("capacity"),
        "the refused change did nothing");
    assertEquals(404, operator.get("/pools/admin-other").status(), "the refused definition did nothing");
  }

  @Test
  void everyAdminRouteWorksWithTheToken() {
    for (Request request : adminRoutes()) {
      Response answered = request.by(operator);
      assertTrue(answered.status() < 300, request + ": " + answered.raw());
    }
  }

  @Test
  void storefrontRoutesNeedNoToken() {
    Response reserved = storefront.post("/pools/" + POOL + "/reservations", new JsonObject().put("orderId", "s-1"));
    assertEquals(201, reserved.status(), reserved.raw());
    Response held = storefront.post("/pools/" + POOL + "/holds", new JsonObject().put("orderId", "s-2"));
    assertEquals(201, held.status(), held.raw());
    assertEquals(200, storefront.call(HttpMethod.DELETE, "/holds/" + held.body().getString("holdId"), null)
        .status());
    assertEquals(200, storefront.delete("/reservations/" + reserved.body().getString("reservationId")).status());
    Response slots = storefront.post("/availability", new JsonObject().put("region", "SW1A")
        .put("from", "2026-12-01").put("to", "2026-12-08"));
    assertEquals(200, slots.status(), slots.raw());
    assertEquals(200, storefront.get("/health/live").status());
    assertEquals(200, storefront.get("/health/ready").status());
  }

  @Test
  void aNodeWithoutATokenOutsideTheEmbeddedDefaultRefusesAdminRoutesAndServesTheStorefront() throws Exception {
    try (TestNode bare = TestNode.start(new JsonObject().put("admin", new JsonObject().putNull("token")));
        Http admin = new Http(bare.port());
        Http shop = Http.anonymous(bare.port())) {
      Response refused = admin.post("/pools", Pools.definition("bare-pool", 1));
      assertEquals(403, refused.status(), refused.raw());
      assertEquals("admin_disabled", refused.error());
      assertTrue(refused.body().getString("message").contains("TALLY_ADMIN_TOKEN"), refused.raw());
      assertEquals(403, shop.get("/cluster").status());
      assertEquals(404, shop.post("/pools/bare-pool/reservations", new JsonObject().put("orderId", "o")).status(),
          "the storefront is served: the pool simply does not exist");
    }
  }
}
