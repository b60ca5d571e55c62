package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.NodeProcess;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Holds across a crash, on the real clock: a node is killed with SIGKILL while it has live holds, some of which come
 * due while it is down, and is restarted on the same data. Every hold must then expire by itself, once, never before
 * its time, and give its units back; a hold confirmed before the crash must stay a reservation.
 */
class HoldsCrashIT {

  private static final String POOL = "crash-holds";
  private static final int CAPACITY = 50;

  @Test
  void holdsOfAKilledNodeExpireOnceAndOnTimeAfterItRestarts() throws Exception {
    Path data = Files.createTempDirectory("tally-holds-crash");
    Path log = Path.of("target", "holds-crash-it-" + System.nanoTime() + ".log");
    Map<String, String> env = Map.of("TALLY_DATA_DIR", data.toString());
    int port = TestNode.freePort();
    Vertx clients = Vertx.vertx();
    NodeProcess first = NodeProcess.start(port, env, log);
    Http http = new Http(clients, port, 8);
    NodeProcess second = null;
    try {
      assertTrue(http.post("/pools", Pools.definition(POOL, CAPACITY)).applied());
      Map<String, Instant> placed = new HashMap<>();
      // short holds come due while the node is down; long ones are still live when it is back, or come due as it loads
      for (int i = 0; i < 20; i++) {
        placed.putAll(hold("short-" + i, 1, http));
        placed.putAll(hold("long-" + i, 15, http));
      }
      String kept = placed.keySet().stream().filter(id -> id.endsWith("~2")).findFirst().orElseThrow();
      assertEquals(200, http.post("/holds/" + kept + "/confirm", new JsonObject()).status());
      placed.remove(kept);
      JsonObject before = http.get("/pools/" + POOL).body();
      assertEquals(1, before.getLong("reserved"));
      assertTrue(before.getLong("held") >= 19, "the long holds are live when the node is killed: " + before);

      first.kill();
      second = NodeProcess.start(port, env, log);

      Instant latest = placed.values().stream().max(Instant::compareTo).orElseThrow();
      await().atMost(Duration.ofSeconds(90)).until(() -> http.get("/pools/" + POOL).body().getLong("held") == 0);
      JsonObject pool = http.get("/pools/" + POOL).body();
      assertEquals(1, pool.getLong("reserved"), "the confirmed hold stayed a reservation");
      assertEquals(CAPACITY - 1, pool.getLong("remaining"), "every expired hold gave back exactly its units");
      assertFalse(Instant.now().isBefore(latest), "the last hold was not expired before its time");

      Map<String, Integer> expiries = new HashMap<>();
      for (JsonObject event : history(http)) {
        JsonObject payload = event.getJsonObject("payload");
        if (event.getString("type").equals("hold.expired.v1")) {
          String holdId = payload.getString("holdId");
          expiries.merge(holdId, 1, Integer::sum);
          Instant expiresAt = placed.get(holdId);
          assertEquals(expiresAt.toString(), payload.getString("expiresAt"), holdId);
          assertFalse(Instant.parse(event.getString("recordedAt")).isBefore(expiresAt),
              holdId + " expired before its time: " + event.encode());
        }
        if (event.getString("type").equals("hold.confirmed.v1")) {
          assertEquals(kept, payload.getString("holdId"));
        }
      }
      assertEquals(placed.keySet(), expiries.keySet(), "every hold expired, none was lost");
      assertTrue(expiries.values().stream().allMatch(count -> count == 1), "no hold expired twice: " + expiries);
      Response late = http.post("/holds/" + placed.keySet().iterator().next() + "/confirm", new JsonObject());
      assertEquals("hold_expired", late.error());
    } finally {
      http.close();
      if (second != null) {
        second.terminate();
      } else {
        first.kill();
      }
      clients.close().await();
    }
  }

  private static Map<String, Instant> hold(String orderId, int ttlSeconds, Http http) {
    Response held = http.post("/pools/" + POOL + "/holds", Pools.order(orderId, 1).put("ttlSeconds", ttlSeconds));
    assertTrue(held.applied(), held.raw());
    return Map.of(held.body().getString("holdId"), Instant.parse(held.body().getString("expiresAt")));
  }

  private static List<JsonObject> history(Http http) {
    List<JsonObject> events = new ArrayList<>();
    Long after = 0L;
    while (after != null) {
      JsonObject page = http.get("/pools/" + POOL + "/events?limit=1000&after=" + after).body();
      page.getJsonArray("events").forEach(event -> events.add((JsonObject) event));
      after = page.getLong("next");
    }
    return events;
  }
}
