package io.tally.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.tally.contract.Addresses;
import io.tally.shard.HazelcastMembership;
import io.tally.shard.Shards;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.Scrape;
import io.tally.support.TestNode;
import io.tally.support.ThreeNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a healthy three-node cluster answers, whichever node is asked: the same pools, a sibling service's commands
 * over the event bus, changes pushed to another node's WebSockets, and no overbooking even where two nodes decide
 * one shard (node n3 is configured to also serve a shard it does not own). The cluster is shared by these tests,
 * which change no membership: each one starts by waiting for all three nodes to serve, uses pools of its own, and
 * can run alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterAnswersIT {

  private ThreeNodes cluster;
  private String splitPool;

  @BeforeAll
  void startCluster() throws Exception {
    splitPool = ThreeNodes.poolOwnedBy("n1", "split-");
    Path splitConfig = Files.createTempFile("tally-split", ".json");
    Files.writeString(splitConfig, new JsonObject().put("shards", new JsonObject()
        .put("alsoServe", List.of(Shards.shardOf(splitPool, ThreeNodes.SHARDS)))).encode());
    cluster = ThreeNodes.start("cluster-answers-it", Map.of(3, Map.of("TALLY_CONFIG", splitConfig.toString())));
  }

  @BeforeEach
  void everyNodeServes() {
    cluster.awaitMembers(1, ThreeNodes.NAMES);
  }

  @AfterAll
  void stopCluster() {
    cluster.close();
  }

  @Test
  void everyNodeGivesTheSameAnswersForEveryPool() {
    List<Http> nodes = IntStream.rangeClosed(1, 3).mapToObj(i -> cluster.http(i, 8)).toList();
    for (int p = 0; p < 12; p++) {
      assertTrue(nodes.get(p % 3).post("/pools", Pools.definition("any-" + p, 5)).applied(), "any-" + p);
    }
    Map<Integer, Integer> statuses = new HashMap<>();
    for (int p = 0; p < 12; p++) {
      for (int attempt = 0; attempt < 9; attempt++) {
        Response reply = nodes.get(attempt % 3).post("/pools/any-" + p + "/reservations",
            Pools.order("o-" + attempt, 1));
        statuses.merge(reply.status(), 1, Integer::sum);
      }
    }
    assertEquals(Map.of(201, 60, 409, 48), statuses, "each pool of 5 took exactly 5 of 9 orders");
    for (int p = 0; p < 12; p++) {
      JsonObject fromFirst = nodes.get(0).get("/pools/any-" + p).body();
      assertEquals(5, fromFirst.getInteger("reserved"));
      assertEquals(fromFirst, nodes.get(1).get("/pools/any-" + p).body());
      assertEquals(fromFirst, nodes.get(2).get("/pools/any-" + p).body());
    }
    JsonObject view = nodes.get(1).get("/cluster").body();
    assertEquals("n2", view.getString("self"));
    assertEquals(3, view.getJsonArray("members").size());
    assertTrue(view.getBoolean("ready"));
    // the console's cluster panel: every member answers with its own numbers, over the sealed internal address
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonObject console = nodes.get(1).get("/console/cluster").body();
      for (Object item : console.getJsonArray("members")) {
        JsonObject member = (JsonObject) item;
        JsonObject stats = member.getJsonObject("stats");
        assertTrue(stats != null && stats.getValue("reserveP99Ms") != null, member.encode());
      }
    });
  }

  @Test
  void aSiblingServiceReservesAndReleasesOverTheEventBus() throws Exception {
    Http http = cluster.http(1, 4);
    http.post("/pools", Pools.definition("sibling-1", 1));
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName("tally");
    hazelcast.getNetworkConfig().setPort(TestNode.freePort()).setPortAutoIncrement(false);
    hazelcast.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
        .setMembers(List.of(cluster.nodes().members().split(",")));
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty(HazelcastMembership.PARTITION_COUNT, Integer.toString(HazelcastMembership.PARTITIONS));
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
    Vertx sibling = Vertx.builder().withClusterManager(manager).buildClustered().await();
    try {
      JsonObject reserve = new JsonObject().put("type", "reserve").put("poolId", "sibling-1").put("orderId", "s1");
      Message<JsonObject> created = sibling.eventBus().<JsonObject>request(Addresses.POOL_COMMAND, reserve).await();
      assertEquals("201", created.headers().get("status"));
      assertEquals("sibling-1~1", created.body().getString("reservationId"));
      Message<JsonObject> repeated = sibling.eventBus().<JsonObject>request(Addresses.POOL_COMMAND, reserve).await();
      assertEquals("200", repeated.headers().get("status"));

      ReplyException exhausted = refused(sibling, reserve.copy().put("orderId", "s2"));
      assertEquals(409, exhausted.failureCode());
      assertEquals("capacity_exhausted", exhausted.getMessage());
      assertEquals(400, refused(sibling, reserve.copy().put("units", 0)).failureCode());
      assertEquals("pool_not_found", refused(sibling, reserve.copy().put("poolId", "nowhere")).getMessage());

      Message<JsonObject> released = sibling.eventBus().<JsonObject>request(Addresses.POOL_COMMAND,
          new JsonObject().put("type", "release").put("reservationId", "sibling-1~1")).await();
      assertEquals(true, released.body().getBoolean("released"));
      assertEquals(0, http.get("/pools/sibling-1").body().getInteger("reserved"));

      JsonObject hold = new JsonObject().put("type", "hold").put("poolId", "sibling-1").put("orderId", "s3")
          .put("ttlSeconds", 600);
      Message<JsonObject> held = sibling.eventBus().<JsonObject>request(Addresses.POOL_COMMAND, hold).await();
      assertEquals("201", held.headers().get("status"));
      String holdId = held.body().getString("holdId");
      assertEquals("capacity_exhausted", refused(sibling, hold.copy().put("orderId", "s4")).getMessage(),
          "a hold counts against capacity");
      Message<JsonObject> confirmed = sibling.eventBus().<JsonObject>request(Addresses.POOL_COMMAND,
          new JsonObject().put("type", "confirm").put("holdId", holdId)).await();
      assertEquals(holdId, confirmed.body().getString("reservationId"));
      assertEquals("hold_confirmed", refused(sibling, new JsonObject().put("type", "cancel").put("holdId", holdId))
          .getMessage());
      assertEquals(1, http.get("/pools/sibling-1").body().getInteger("reserved"));

      // the internal addresses are for Tally's nodes: a sibling without the admin token gets nothing from them
      String node = manager.getHazelcastInstance().getCluster().getMembers().stream()
          .map(member -> member.getAttribute("tally.address")).filter(java.util.Objects::nonNull).findFirst()
          .orElseThrow();
      assertEquals(0, refusedByNodes(), "Tally's nodes never refuse each other's messages");
      for (String internal : List.of(Addresses.PROJECTIONS, Addresses.JOURNAL_READ, node)) {
        Future<Message<Object>> answer = sibling.eventBus().request(internal,
            new JsonObject().put("kind", "rebuild").put("name", "demand"));
        answer.otherwiseEmpty().await();
        ReplyException refusal = assertInstanceOf(ReplyException.class, answer.cause(), internal);
        assertEquals(403, refusal.failureCode(), internal + ": " + refusal.getMessage());
        assertEquals("not_a_member", refusal.getMessage());
      }
      assertEquals(3, refusedByNodes());
    } finally {
      sibling.close().await();
    }
    cluster.awaitMembers(1, ThreeNodes.NAMES);
  }

  @Test
  void aReservationsRegionAndChannelReachTheOwnerFromAnotherNode() {
    String poolId = ThreeNodes.poolOwnedBy("n1", "regional-");
    Http owner = cluster.http(1, 2);
    Http other = cluster.http(2, 2);
    assertTrue(owner.post("/pools", Pools.definition(poolId, 5, "2026-12-01T10:00:00Z",
        "2026-12-01T12:00:00Z", "SW1A", "N1")).applied(), poolId);

    Response reserved = other.post("/pools/" + poolId + "/reservations",
        Pools.order("regional-1", 2).put("region", "N1").put("channel", "pickup"));
    assertTrue(reserved.applied(), reserved.raw());
    assertEquals("N1", reserved.body().getString("region"));
    assertEquals("pickup", reserved.body().getString("channel"));
    Response elsewhere = cluster.http(3, 2).post("/pools/" + poolId + "/reservations",
        Pools.order("regional-2", 1).put("region", "E2"));
    assertEquals(400, elsewhere.status());
    assertEquals("invalid_region", elsewhere.error());

    JsonObject stored = owner.get("/pools/" + poolId + "/events").body().getJsonArray("events").getJsonObject(1);
    assertEquals("capacity.reserved.v2", stored.getString("type"));
    assertEquals("N1", stored.getJsonObject("payload").getString("region"));
    assertEquals("pickup", stored.getJsonObject("payload").getString("channel"));
  }

  @Test
  void aReservationOnOneNodeIsSeenAndPushedOnAnother() {
    Http first = cluster.http(1, 4);
    Http second = cluster.http(2, 4);
    first.post("/pools", Pools.definition("xnode-1", 1, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "XN"));
    JsonObject question = new JsonObject().put("region", "XN").put("from", "2026-12-08").put("to", "2026-12-09");
    await().atMost(Duration.ofSeconds(10)).until(() -> second.post("/availability", question).body()
        .getJsonArray("slots").size() == 1);
    ConcurrentLinkedQueue<JsonObject> pushed = new ConcurrentLinkedQueue<>();
    // referenced until the end: a client nobody references is shut down when collected, its sockets with it
    WebSocketClient sockets = cluster.clients().createWebSocketClient();
    try {
      sockets.connect(cluster.nodes().httpPort(2), "127.0.0.1",
          "/ws/availability?region=XN&from=2026-12-08&to=2026-12-09").map(socket -> {
            socket.textMessageHandler(text -> pushed.add(new JsonObject(text)));
            return socket;
          }).await();
      await().atMost(Duration.ofSeconds(10)).until(() -> !pushed.isEmpty());

      assertTrue(first.post("/pools/xnode-1/reservations", Pools.order("o1", 1)).applied());

      await().atMost(Duration.ofSeconds(10)).until(() -> pushed.stream().anyMatch(message ->
          "slot".equals(message.getString("type")) && !message.getBoolean("available")));
      assertEquals(false, second.post("/availability", question).body().getJsonArray("slots").getJsonObject(0)
          .getBoolean("available"));
    } finally {
      sockets.close().await();
    }
  }

  @Test
  void twoOwnersOfOneShardStillNeverOverbook() {
    Http http = cluster.http(1, 4);
    http.post("/pools", Pools.definition(splitPool, 60));
    List<Http> nodes = IntStream.rangeClosed(1, 3).mapToObj(i -> cluster.http(i, 40)).toList();

    List<Future<Response>> sent = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      sent.add(nodes.get(i % 3).send(HttpMethod.POST, "/pools/" + splitPool + "/reservations",
          Buffer.buffer(Pools.order("split-order-" + i, 1).encode())));
    }
    List<Response> replies = Future.all(sent).await().list();

    long created = replies.stream().filter(reply -> reply.status() == 201).count();
    assertTrue(replies.stream().allMatch(reply -> reply.status() == 201 || reply.status() == 409),
        "every request was decided");
    assertEquals(60, created);
    assertEquals(60, http.get("/pools/" + splitPool).body().getInteger("reserved"));
    cluster.audit();
  }

  /** Messages to internal addresses the nodes refused, over the whole cluster. */
  private double refusedByNodes() {
    double refused = 0;
    for (int node = 1; node <= 3; node++) {
      try (Http http = cluster.http(node, 1)) {
        refused += Scrape.of(http.get("/metrics").raw()).get("tally_eventbus_refused_total");
      }
    }
    return refused;
  }

  private static ReplyException refused(Vertx sibling, JsonObject request) {
    Future<Message<Object>> reply = sibling.eventBus().request(Addresses.POOL_COMMAND, request);
    reply.otherwiseEmpty().await();
    return assertInstanceOf(ReplyException.class, reply.cause());
  }
}
