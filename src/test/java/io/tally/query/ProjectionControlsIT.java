package io.tally.query;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.Pools;
import io.tally.support.Scrape;
import io.tally.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A paused projection applies nothing however often its runner looks, says so in {@code GET /projections} and in
 * its meters, stays paused across a rebuild, and goes on from where it stopped once resumed.
 */
class ProjectionControlsIT {

  private static final String REPORT = "/reports/demand?region=PC1&from=2027-02-01&to=2027-02-02";

  @Test
  void aPausedProjectionWaitsAndAResumedOneCatchesUp() throws Exception {
    try (TestNode node = TestNode.start(); Http http = new Http(node.port())) {
      assertTrue(http.post("/pools", Pools.definition("pc-1", 100, "2027-02-01T10:00:00Z", "2027-02-01T12:00:00Z",
          "PC1")).applied());
      assertTrue(http.post("/pools/pc-1/reservations", Pools.order("o-0", 1)).applied());
      await().atMost(Duration.ofSeconds(20)).until(() -> reservations(http) == 1);

      Response paused = http.post("/projections/demand/pause", new JsonObject().put("reason", "repairing the table"));
      assertEquals(200, paused.status(), paused.raw());
      assertEquals(true, paused.body().getBoolean("paused"));
      assertEquals("repairing the table", paused.body().getString("pauseReason"));
      for (int order = 1; order <= 3; order++) {
        assertTrue(http.post("/pools/pc-1/reservations", Pools.order("o-" + order, 1)).applied());
      }
      // two more reads of the checkpoint after the reservations committed: the runner looked, and applied nothing
      double reads = scrape(http).get("tally_projection_reads_total", "projection", "demand");
      await().atMost(Duration.ofSeconds(20)).until(() ->
          scrape(http).get("tally_projection_reads_total", "projection", "demand") >= reads + 2);
      assertEquals(1, reservations(http), "nothing applied while paused");
      JsonObject status = http.get("/projections").body().getJsonArray("projections").getJsonObject(0);
      assertEquals(true, status.getBoolean("paused"));
      assertEquals(3, status.getLong("behind"));
      assertEquals(1, scrape(http).get("tally_projection_paused", "projection", "demand"));

      assertEquals(202, http.call(HttpMethod.POST, "/projections/demand/rebuild", null).status());
      double afterRebuild = scrape(http).get("tally_projection_reads_total", "projection", "demand");
      await().atMost(Duration.ofSeconds(20)).until(() ->
          scrape(http).get("tally_projection_reads_total", "projection", "demand") >= afterRebuild + 2);
      assertEquals(0, reservations(http), "a rebuild of a paused projection empties it and waits");

      Response resumed = http.call(HttpMethod.POST, "/projections/demand/resume", null);
      assertEquals(200, resumed.status(), resumed.raw());
      assertEquals(false, resumed.body().getBoolean("paused"));
      await().atMost(Duration.ofSeconds(20)).until(() -> reservations(http) == 4);
      assertEquals(0, scrape(http).get("tally_projection_paused", "projection", "demand"));
    }
  }

  @Test
  void pauseAndResumeRefuseWhatTheyCannotDo() throws Exception {
    try (TestNode node = TestNode.start(); Http http = new Http(node.port());
        Http anonymous = Http.anonymous(node.port())) {
      assertEquals("projection_not_found", http.call(HttpMethod.POST, "/projections/nothing/pause", null).error());
      assertEquals("projection_not_found", http.call(HttpMethod.POST, "/projections/nothing/resume", null).error());
      assertEquals("invalid_reason", http.post("/projections/demand/pause", new JsonObject().put("reason", 7))
          .error());
      assertEquals("invalid_reason", http.post("/projections/demand/pause", new JsonObject().put("reason", " "))
          .error());
      assertEquals(401, anonymous.call(HttpMethod.POST, "/projections/demand/pause", null).status());
      assertEquals(401, anonymous.call(HttpMethod.POST, "/projections/demand/resume", null).status());
      assertEquals(false, http.get("/projections").body().getJsonArray("projections").getJsonObject(0)
          .getBoolean("paused"), "nothing refused paused anything");
    }
  }

  private static long reservations(Http http) {
    return http.get(REPORT).body().getJsonArray("days").stream().map(JsonObject.class::cast)
        .mapToLong(day -> day.getLong("reservations")).sum();
  }

  private static Scrape scrape(Http http) {
    return Scrape.of(http.get("/metrics").raw());
  }
}
