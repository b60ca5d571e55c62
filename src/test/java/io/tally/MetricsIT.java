package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.Pools;
import io.tally.support.Scrape;
import io.tally.support.TestNode;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} after known traffic: Vert.x's HTTP meters and Tally's own count exactly what was done, every
 * Tally meter is in {@code docs/metrics.md} and every documented one is served, and the route is an admin route.
 */
class MetricsIT {

  private static final String RESERVATIONS = "/pools/:poolId/reservations";
  private static final JsonObject SLOT = Pools.definition("m-a", 3, "2027-01-10T10:00:00Z", "2027-01-10T12:00:00Z",
      "MT1");

  @Test
  void countsWhatWasDone() throws Exception {
    try (TestNode node = TestNode.start(); Http http = new Http(node.port())) {
      assertEquals(201, http.post("/pools", SLOT).status());
      assertEquals(201, http.post("/pools", Pools.definition("m-b", 5, "2027-01-10T12:00:00Z",
          "2027-01-10T14:00:00Z", "MT1")).status());
      WebSocketClient client = node.vertx().createWebSocketClient();
      WebSocket socket = client.connect(node.port(), "127.0.0.1", "/ws/availability?region=MT1&from=2027-01-10"
          + "&to=2027-01-11").await();
      // five orders for three units, one at a time: three reserved, two refused, then one released
      Map<Integer, Integer> statuses = new HashMap<>();
      String reservation = null;
      for (int order = 1; order <= 5; order++) {
        Response answer = http.post("/pools/m-a/reservations", Pools.order("order-" + order, 1));
        statuses.merge(answer.status(), 1, Integer::sum);
        if (answer.applied()) {
          reservation = answer.body().getString("reservationId");
        }
      }
      assertEquals(Map.of(201, 3, 409, 2), statuses);
      assertEquals(200, http.delete("/reservations/" + reservation).status());

      // what the read side and the socket count settles after the commits; wait for it rather than for time
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        Scrape now = scrape(http);
        return now.get("tally_availability_pools") == 2 && now.get("tally_projection_applied_total",
            "projection", "demand") == 6 && now.get("tally_availability_change_lag_seconds_count") >= 4;
      });
      Scrape scrape = scrape(http);

      assertEquals(3, scrape.get("vertx_http_server_response_time_seconds_count",
          "code", "201", "method", "POST", "route", RESERVATIONS));
      assertEquals(2, scrape.get("vertx_http_server_response_time_seconds_count",
          "code", "409", "method", "POST", "route", RESERVATIONS));
      assertEquals(3, scrape.get("vertx_http_server_response_time_seconds_bucket",
          "code", "201", "method", "POST", "route", RESERVATIONS, "le", "+Inf"));
      assertTrue(scrape.value("vertx_http_server_response_time_seconds_bucket",
          "code", "201", "method", "POST", "route", RESERVATIONS, "le", "0.2") != null, "the 200 ms bucket");

      // two definitions, three reservations and a release decided; two reservations refused
      assertEquals(6, scrape.get("tally_shard_commands_total", "outcome", "decided"));
      assertEquals(2, scrape.get("tally_shard_commands_total", "outcome", "refused"));
      assertEquals(0, scrape.get("tally_shard_commands_total", "outcome", "redirected"));
      assertEquals(0, scrape.sum("tally_command_retries_total"));
      assertEquals(0, scrape.get("tally_command_gave_up_total"));
      // one event per decided change, each append on its own (the requests were sent one after another)
      assertEquals(6, scrape.get("tally_journal_appends_total", "outcome", "committed"));
      assertEquals(6, scrape.get("tally_journal_batch_events_sum"));
      assertEquals(scrape.get("tally_journal_batch_events_count"),
          scrape.get("tally_journal_commit_seconds_count", "outcome", "committed"));
      assertEquals(0, scrape.get("tally_journal_appends_queued"));
      assertEquals(0, scrape.get("tally_journal_transactions_in_flight"));
      assertEquals(2, scrape.get("tally_pools_in_memory"));
      assertEquals(2, scrape.get("tally_pool_load_seconds_count"));
      assertEquals(128, scrape.get("tally_shards_owned"));
      assertEquals(128, scrape.get("tally_shards_hosted", "state", "serving"));
      assertEquals(0, scrape.get("tally_shards_hosted", "state", "awaiting"));
      assertEquals(1, scrape.get("tally_websocket_clients"));
      assertEquals(1, scrape.get("tally_projection_running", "projection", "demand"));
      assertEquals(0, scrape.get("tally_projection_lag_events", "projection", "demand"));
      assertTrue(scrape.get("tally_projection_position", "projection", "demand") >= 6);

      socket.close().await();
      await().atMost(Duration.ofSeconds(10)).until(() -> scrape(http).get("tally_websocket_clients") == 0);
      client.close().await();
      assertEquals(documented(), scrape(http).names("tally_"), "the meters docs/metrics.md lists");
    }
  }

  @Test
  void isAnAdminRoute() throws Exception {
    try (TestNode node = TestNode.start(); Http anonymous = Http.anonymous(node.port())) {
      Response refused = anonymous.get("/metrics");
      assertEquals(401, refused.status());
      assertEquals("unauthorized", refused.error());
    }
  }

  @Test
  void canBeServedOnAManagementPortInstead() throws Exception {
    JsonObject config = new JsonObject().put("metrics", new JsonObject().put("port", 0).put("host", "127.0.0.1"));
    try (TestNode node = TestNode.start(config); Http http = new Http(node.port());
        Http management = new Http(node.tally().managementPort());
        Http anonymous = Http.anonymous(node.tally().managementPort())) {
      assertEquals(201, http.post("/pools", SLOT).status());
      assertEquals("route_not_found", http.get("/metrics").error());
      assertEquals(401, anonymous.get("/metrics").status());
      Scrape scrape = scrape(management);
      assertEquals(1, scrape.get("vertx_http_server_response_time_seconds_count",
          "code", "201", "method", "POST", "route", "/pools"));
      assertEquals(1, scrape.get("tally_shard_commands_total", "outcome", "decided"));
    }
  }

  @Test
  void offMeansNoRouteAndNothingKept() throws Exception {
    JsonObject config = new JsonObject().put("metrics", new JsonObject().put("enabled", false));
    try (TestNode node = TestNode.start(config); Http http = new Http(node.port())) {
      assertEquals(201, http.post("/pools", SLOT).status());
      assertEquals(201, http.post("/pools/m-a/reservations", Pools.order("order-1", 1)).status());
      assertEquals("route_not_found", http.get("/metrics").error());
      assertEquals(-1, node.tally().managementPort());
    }
  }

  private static Scrape scrape(Http http) {
    Response response = http.get("/metrics");
    assertEquals(200, response.status(), response.raw());
    assertTrue(response.contentType().startsWith("text/plain"), response.contentType());
    return Scrape.of(response.raw());
  }

  /** The Prometheus names in the first column of docs/metrics.md's tables of Tally meters. */
  private static SortedSet<String> documented() throws Exception {
    SortedSet<String> names = new TreeSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `(tally_[a-z_]+)`").matcher(Files.readString(Path.of("docs/metrics.md")));
    while (row.find()) {
      names.add(row.group(1));
    }
    return names;
  }
}
