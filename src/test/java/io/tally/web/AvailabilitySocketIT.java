package io.tally.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.Scrape;
import io.tally.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
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

/** Live availability over WebSocket: a snapshot, then exactly the changes a client can see; slow clients go. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AvailabilitySocketIT {

  private TestNode node;
  private Http http;
  private Vertx clients;
  // every client stays referenced: one nobody references is shut down when collected, its sockets with it
  private final List<WebSocketClient> sockets = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(new JsonObject().put("query", new JsonObject().put("webSocketQueueBytes", 1024))
        .put("http", new JsonObject().put("sendBufferBytes", 4096)));
    http = new Http(node.port());
    clients = Vertx.vertx();
  }

  @AfterAll
  void stop() {
    // the node first: a client whose socket it dropped for not reading closes at once once the server is gone
    node.close();
    http.close();
    clients.close().await();
  }

  @Test
  void aSnapshotThenOneMessagePerVisibleChange() {
    http.post("/pools", Pools.definition("ws-a", 1, "2026-12-05T10:00:00Z", "2026-12-05T12:00:00Z", "WS1"));
    http.post("/pools", Pools.definition("ws-b", 2, "2026-12-05T12:00:00Z", "2026-12-05T14:00:00Z", "WS1"));
    awaitOffered("WS1", "2026-12-05", 2);
    ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
    connect("/ws/availability?region=WS1&from=2026-12-05&to=2026-12-06", received, new WebSocketClientOptions());

    await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
    JsonObject snapshot = received.poll();
    assertEquals("snapshot", snapshot.getString("type"));
    assertEquals(List.of("ws-a", "ws-b"), snapshot.getJsonArray("slots").stream()
        .map(slot -> ((JsonObject) slot).getString("poolId")).toList());

    String reservation = http.post("/pools/ws-a/reservations", Pools.order("o1", 1)).body().getString("reservationId");
    http.post("/pools/ws-b/reservations", Pools.order("o2", 1));
    http.patch("/pools/ws-b", new JsonObject().put("status", "closed"));
    http.post("/pools", Pools.definition("ws-c", 1, "2026-12-05T16:00:00Z", "2026-12-05T18:00:00Z", "WS1", "WS2"));
    http.post("/pools", Pools.definition("ws-elsewhere", 1, "2026-12-05T16:00:00Z", "2026-12-05T18:00:00Z", "WS2"));
    http.post("/pools", Pools.definition("ws-later", 1, "2026-12-07T16:00:00Z", "2026-12-07T18:00:00Z", "WS1"));
    http.delete("/reservations/" + reservation);

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 4);
    List<String> changes = received.stream().map(change -> change.getString("poolId") + " "
        + (change.getBoolean("open") ? change.getBoolean("available") ? "available" : "full" : "closed")).toList();
    assertEquals(List.of("ws-a full", "ws-b closed", "ws-c available", "ws-a available"), changes,
        "a reservation that left ws-b available, and pools of other regions or days, send nothing");
  }

  @Test
  void aClientThatDoesNotReadIsDroppedWhileOthersGetEverything() {
    http.post("/pools", Pools.definition("slow-1", 1, "2026-12-06T10:00:00Z", "2026-12-06T12:00:00Z", "SLOW"));
    awaitOffered("SLOW", "2026-12-06", 1);
    String uri = "/ws/availability?region=SLOW&from=2026-12-06&to=2026-12-07";
    ConcurrentLinkedQueue<JsonObject> fast = new ConcurrentLinkedQueue<>();
    connect(uri, fast, new WebSocketClientOptions());
    ConcurrentLinkedQueue<JsonObject> slow = new ConcurrentLinkedQueue<>();
    WebSocket stalled = connect(uri, slow, new WebSocketClientOptions().setReceiveBufferSize(1024));
    await().atMost(Duration.ofSeconds(10)).until(() -> fast.size() == 1 && slow.size() == 1);
    stalled.pause();
    AtomicReference<Short> closedWith = new AtomicReference<>();
    stalled.closeHandler(closed -> closedWith.set(stalled.closeStatusCode()));

    int toggles = 400;
    String reservation = null;
    for (int i = 0; i < toggles; i++) {
      if (reservation == null) {
        reservation = http.post("/pools/slow-1/reservations", Pools.order("t" + i, 1)).body()
            .getString("reservationId");
      } else {
        http.delete("/reservations/" + reservation);
        reservation = null;
      }
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> fast.size() == 1 + toggles);
    stalled.resume();
    await().atMost(Duration.ofSeconds(30)).until(() -> closedWith.get() != null);
    assertEquals((short) 1008, closedWith.get(), "fast " + fast.size() + ", slow " + slow.size());
    assertTrue(slow.size() < fast.size(), "the stalled client was cut off: " + slow.size());
    Scrape scrape = Scrape.of(http.get("/metrics").raw());
    assertEquals(1, scrape.get("tally_websocket_dropped_total"), "the drop is counted");
  }

  /**
   * A frame over the server's frame limit, and a message over its message limit in frames under it, each close the
   * socket with 1009 ("too big") rather than being buffered; the node serves on.
   */
  @Test
  void anOversizedFrameOrMessageClosesTheSocketWith1009() {
    String uri = "/ws/availability?region=BIG&from=2026-12-06&to=2026-12-07";
    for (int[] sizes : new int[][] {{100_000, 1 << 20}, {300_000, 65_536}}) {
      ConcurrentLinkedQueue<JsonObject> received = new ConcurrentLinkedQueue<>();
      WebSocket socket = connect(uri, received, new WebSocketClientOptions().setMaxFrameSize(sizes[1]));
      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1); // the snapshot
      AtomicReference<Short> closedWith = new AtomicReference<>();
      socket.closeHandler(closed -> closedWith.set(socket.closeStatusCode()));
      socket.writeTextMessage("x".repeat(sizes[0]));
      await().atMost(Duration.ofSeconds(10)).until(() -> closedWith.get() != null);
      assertEquals((short) 1009, closedWith.get(), sizes[0] + " bytes in frames of up to " + sizes[1]);
    }
    assertEquals(200, http.get("/health/ready").status());
  }

  @Test
  void aSocketWithoutAValidRegionIsRefusedBeforeTheUpgrade() {
    assertEquals("invalid_region", http.get("/ws/availability").error());
    assertEquals(400, http.get("/ws/availability?region=A&from=yesterday").status());
  }

  private WebSocket connect(String uri, ConcurrentLinkedQueue<JsonObject> received, WebSocketClientOptions options) {
    WebSocketClient client = clients.createWebSocketClient(options);
    sockets.add(client);
    // the handler is set on the event loop as the socket opens, so no message can arrive before it
    return client.connect(node.port(), "127.0.0.1", uri).map(socket -> {
      socket.textMessageHandler(text -> received.add(new JsonObject(text)));
      return socket;
    }).await();
  }

  private void awaitOffered(String region, String day, int count) {
    String to = java.time.LocalDate.parse(day).plusDays(1).toString();
    JsonObject question = new JsonObject().put("region", region).put("from", day).put("to", to);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        http.post("/availability", question).body().getJsonArray("slots").size() == count);
  }
}
