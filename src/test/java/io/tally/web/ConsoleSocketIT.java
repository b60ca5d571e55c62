package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator console's data: {@code GET /console/board} and the admin socket {@code /ws/console} show every pool
 * of a region with its numbers and stream each change, behind the admin token; the storefront's socket still shows
 * none.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleSocketIT {

  private static final String BOARD = "/ws/console?region=CON&from=2026-12-08&to=2026-12-10";

  private TestNode node;
  private Http http;
  private Vertx clients;
  private final List<WebSocketClient> sockets = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start();
    http = new Http(node.port());
    clients = Vertx.vertx();
    http.post("/pools", Pools.definition("con-a", 4, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "CON"));
    http.post("/pools", Pools.definition("con-b", 2, "2026-12-08T12:00:00Z", "2026-12-08T14:00:00Z", "CON"));
    http.post("/pools", Pools.definition("con-c", 5, "2026-12-09T10:00:00Z", "2026-12-09T12:00:00Z", "CON", "X"));
    http.post("/pools", Pools.definition("con-later", 5, "2026-12-12T10:00:00Z", "2026-12-12T12:00:00Z", "CON"));
    http.post("/pools/con-a/reservations", Pools.order("o1", 3));
    http.post("/pools/con-b/holds", Pools.order("o2", 1));
    http.patch("/pools/con-c", new JsonObject().put("status", "closed"));
    await().atMost(Duration.ofSeconds(10)).until(() -> board().size() == 3
        && board().getJsonObject(2).getString("status").equals("closed"));
  }

  @AfterAll
  void stop() {
    node.close();
    http.close();
    clients.close().await();
  }

  @Test
  void theBoardShowsEveryPoolOfTheRegionAndDaysWithItsNumbers() {
    JsonArray slots = board();
    assertEquals(List.of("con-a", "con-b", "con-c"), slots.stream().map(s -> ((JsonObject) s).getString("poolId"))
        .toList());
    JsonObject a = slots.getJsonObject(0);
    assertEquals(4, a.getInteger("capacity"));
    assertEquals(3, a.getLong("reserved"));
    assertEquals(0, a.getLong("held"));
    assertEquals(1, slots.getJsonObject(1).getLong("held"));
    assertEquals("closed", slots.getJsonObject(2).getString("status"), "a closed pool is on the board, marked");
    try (Http anonymous = Http.anonymous(node.port())) {
      assertEquals(401, anonymous.get("/console/board?region=CON&from=2026-12-08&to=2026-12-10").status());
    }
    assertEquals("invalid_region", http.get("/console/board?from=2026-12-08&to=2026-12-10").error());
  }

  @Test
  void theSocketSendsTheBoardThenEveryChangeWithNumbers() {
    http.post("/pools", Pools.definition("live-a", 4, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "LIVE"));
    http.post("/pools", Pools.definition("live-b", 2, "2026-12-08T12:00:00Z", "2026-12-08T14:00:00Z", "LIVE"));
    http.post("/pools", Pools.definition("live-c", 5, "2026-12-09T10:00:00Z", "2026-12-09T12:00:00Z", "LIVE"));
    http.post("/pools", Pools.definition("live-later", 5, "2026-12-12T10:00:00Z", "2026-12-12T12:00:00Z", "LIVE"));
    http.post("/pools/live-a/reservations", Pools.order("o1", 3));
    http.post("/pools/live-b/holds", Pools.order("o2", 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/console/board?region=LIVE&from=2026-12-08"
        + "&to=2026-12-10").body().getJsonArray("slots").stream().mapToLong(s -> ((JsonObject) s).getLong("reserved")
        + ((JsonObject) s).getLong("held")).sum() == 4);
    ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
    WebSocket socket = connect("/ws/console?region=LIVE&from=2026-12-08&to=2026-12-10", received);
    socket.writeTextMessage(new JsonObject().put("token", Http.ADMIN_TOKEN).encode());
    await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    JsonObject board = received.poll();
    assertEquals("board", board.getString("type"));
    assertEquals(3, board.getJsonArray("slots").size());

    http.post("/pools/live-b/reservations", Pools.order("o3", 1));
    http.patch("/pools/live-a", new JsonObject().put("capacity", 6));
    http.post("/pools/live-later/reservations", Pools.order("o4", 1)); // another day: not on this board

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
    JsonObject first = received.poll();
    assertEquals("pool", first.getString("type"));
    assertEquals("live-b", first.getString("poolId"));
    assertEquals(1, first.getLong("reserved"));
    assertEquals(1, first.getLong("held"));
    assertEquals(2, first.getInteger("capacity"));
    JsonObject second = received.poll();
    assertEquals("live-a", second.getString("poolId"));
    assertEquals(6, second.getInteger("capacity"));
    assertEquals(3, second.getLong("reserved"));
    http.post("/pools/live-a/reservations", Pools.order("o5", 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    assertEquals(4, received.poll().getLong("reserved"), "live-later's change never came");
  }

  @Test
  void aSocketWithoutTheTokenIsClosedBeforeItSeesAnything() {
    for (String hello : List.of("{\"token\":\"not-the-token\"}", "{}", "not json")) {
      ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
      WebSocket socket = connect(BOARD, received);
      AtomicReference<Short> closedWith = new AtomicReference<>();
      socket.closeHandler(closed -> closedWith.set(socket.closeStatusCode()));
      socket.writeTextMessage(hello);
      await().atMost(Duration.ofSeconds(10)).until(() -> closedWith.get() != null);
      assertEquals((short) 4401, closedWith.get(), hello);
      assertTrue(received.isEmpty(), hello);
    }
    assertEquals("invalid_region", http.get("/ws/console?from=2026-12-08").error());
  }

  @Test
  void theClusterViewGivesEachMemberItsNumbersOfTheLastMinute() {
    http.post("/pools", Pools.definition("stats-a", 10, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "STATS"));
    assertEquals(201, http.post("/pools/stats-a/reservations", Pools.order("o1", 1)).status());
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonObject stats = http.get("/console/cluster").body().getJsonArray("members").getJsonObject(0)
          .getJsonObject("stats");
      return stats.getValue("reserveP99Ms") != null && stats.getDouble("commitsPerSecond") > 0;
    });
    JsonObject view = http.get("/console/cluster").body();
    assertEquals(true, view.getBoolean("ready"));
    JsonObject member = view.getJsonArray("members").getJsonObject(0);
    assertEquals(128, member.getInteger("owns"));
    JsonObject stats = member.getJsonObject("stats");
    assertTrue(stats.getDouble("reserveP99Ms") > 0, stats.encode());
    assertTrue(stats.getLong("windowSeconds") > 0, stats.encode());
    assertEquals(0, stats.getLong("projectionLagEvents"), stats.encode());
  }

  @Test
  void theStorefrontSocketStillShowsNoNumbers() {
    http.post("/pools", Pools.definition("shop-a", 1, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "SHOP"));
    await().atMost(Duration.ofSeconds(10)).until(() -> http.post("/availability", new JsonObject()
        .put("region", "SHOP").put("from", "2026-12-08").put("to", "2026-12-09")).body().getJsonArray("slots")
        .size() == 1);
    ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
    connect("/ws/availability?region=SHOP&from=2026-12-08&to=2026-12-10", received);
    await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    http.post("/pools/shop-a/reservations", Pools.order("o6", 1)); // fills shop-a: a visible change
    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
    for (JsonObject message : received) {
      String text = message.encode();
      for (String number : List.of("capacity", "reserved", "held", "remaining")) {
        assertFalse(text.contains(number), text);
      }
    }
  }

  private JsonArray board() {
    return http.get("/console/board?region=CON&from=2026-12-08&to=2026-12-10").body().getJsonArray("slots");
  }

  private WebSocket connect(String uri, ConcurrentLinkedQueue<JsonObject> received) {
    WebSocketClient client = clients.createWebSocketClient();
    sockets.add(client);
    return client.connect(node.port(), "127.0.0.1", uri).map(socket -> {
      socket.textMessageHandler(text -> received.add(new JsonObject(text)));
      return socket;
    }).await();
  }
}
