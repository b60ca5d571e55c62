package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.tally.audit.Audit;
import io.tally.contract.Addresses;
import io.tally.shard.HazelcastMembership;
import io.tally.shard.Ownership;
import io.tally.shard.Shards;
import io.tally.support.ClusterLoad;
import io.tally.support.ClusterNodes;
import io.tally.support.Http.Response;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three node processes and one PostgreSQL on loopback, through a crash, a rejoin and a graceful stop. After each
 * disturbance the journal is audited (I1, I3) and every acknowledged reservation is looked for in it (I2). Node n3
 * is configured to also consume one shard it does not own, so that one shard has two owners throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final List<String> NAMES = List.of("n1", "n2", "n3");
  private static final int SHARDS = 128;

  private String databaseUrl;
  private ClusterNodes cluster;
  private Vertx clients;
  private Pool sql;
  private String splitPool;

  @BeforeAll
  void startCluster() throws Exception {
    databaseUrl = TestDatabase.freshUrl();
    splitPool = poolOwnedBy("n1", "split-");
    Path splitConfig = Files.createTempFile("tally-split", ".json");
    Files.writeString(splitConfig, new JsonObject().put("shards", new JsonObject()
        .put("alsoServe", List.of(Shards.shardOf(splitPool, SHARDS)))).encode());
    Path logs = Files.createDirectories(Path.of("target", "cluster-it"));
    cluster = new ClusterNodes(3, databaseUrl, Map.of(3, Map.of("TALLY_CONFIG", splitConfig.toString())), logs)
        .startAll();
    clients = Vertx.vertx();
    sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(databaseUrl)).using(clients).build();
    awaitMembers(1, NAMES);
  }

  @AfterAll
  void stopCluster() {
    cluster.close();
    sql.close().await();
    clients.close().await();
  }

  @Test
  @Order(1)
  void everyNodeGivesTheSameAnswersForEveryPool() {
    List<Http> nodes = IntStream.rangeClosed(1, 3).mapToObj(i -> new Http(clients, cluster.httpPort(i), 8)).toList();
    for (int p = 0; p < 12; p++) {
      assertEquals(201, nodes.get(p % 3).post("/pools", Pools.definition("any-" + p, 5)).status());
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
  }

  @Test
  @Order(2)
  void aSiblingServiceReservesAndReleasesOverTheEventBus() throws Exception {
    Http http = new Http(clients, cluster.httpPort(1), 4);
    http.post("/pools", Pools.definition("sibling-1", 1));
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName("tally");
    hazelcast.getNetworkConfig().setPort(TestNode.freePort()).setPortAutoIncrement(false);
    hazelcast.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
        .setMembers(List.of(cluster.members().split(",")));
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty(HazelcastMembership.PARTITION_COUNT, Integer.toString(HazelcastMembership.PARTITIONS));
    Vertx sibling = Vertx.builder().withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
        .await();
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
    } finally {
      sibling.close().await();
    }
    awaitMembers(1, NAMES);
  }

  @Test
  @Order(3)
  void aReservationOnOneNodeIsSeenAndPushedOnAnother() {
    Http first = new Http(clients, cluster.httpPort(1), 4);
    Http second = new Http(clients, cluster.httpPort(2), 4);
    first.post("/pools", Pools.definition("xnode-1", 1, "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", "XN"));
    JsonObject question = new JsonObject().put("region", "XN").put("from", "2026-12-08").put("to", "2026-12-09");
    await().atMost(Duration.ofSeconds(10)).until(() -> second.post("/availability", question).body()
        .getJsonArray("slots").size() == 1);
    ConcurrentLinkedQueue<JsonObject> pushed = new ConcurrentLinkedQueue<>();
    clients.createWebSocketClient().connect(cluster.httpPort(2), "127.0.0.1",
        "/ws/availability?region=XN&from=2026-12-08&to=2026-12-09").map(socket -> {
          socket.textMessageHandler(text -> pushed.add(new JsonObject(text)));
          return socket;
        }).await();
    await().atMost(Duration.ofSeconds(10)).until(() -> !pushed.isEmpty());

    assertEquals(201, first.post("/pools/xnode-1/reservations", Pools.order("o1", 1)).status());

    await().atMost(Duration.ofSeconds(10)).until(() -> pushed.stream().anyMatch(message ->
        "slot".equals(message.getString("type")) && !message.getBoolean("available")));
    assertEquals(false, second.post("/availability", question).body().getJsonArray("slots").getJsonObject(0)
        .getBoolean("available"));
  }

  @Test
  @Order(3)
  void twoOwnersOfOneShardStillNeverOverbook() {
    Http http = new Http(clients, cluster.httpPort(1), 4);
    http.post("/pools", Pools.definition(splitPool, 60));
    List<Http> nodes = IntStream.rangeClosed(1, 3).mapToObj(i -> new Http(clients, cluster.httpPort(i), 40)).toList();

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
    audit();
  }

  @Test
  @Order(4)
  void aKilledNodesShardsServeAgainOnTheSurvivorsAndNothingAcknowledgedIsLost() {
    List<String> pools = definePools("crash-", 30);
    ClusterLoad load = new ClusterLoad(clients, cluster::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 500);

    long killed = System.nanoTime();
    cluster.kill(2);
    awaitMembers(1, List.of("n1", "n3"));
    long recovered = System.nanoTime();
    System.out.printf("shards served again %d ms after the SIGKILL%n", (recovered - killed) / 1_000_000);
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();

    assertEquals(List.of(), load.failures());
    assertAcknowledgedAreJournaled(load);
    audit();
  }

  @Test
  @Order(5)
  void aRejoiningNodeTakesItsShardsBack() {
    List<String> pools = definePools("rejoin-", 30);
    ClusterLoad load = new ClusterLoad(clients, cluster::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 300);

    cluster.start(2);
    awaitMembers(2, NAMES);
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();

    JsonObject view = new Http(clients, cluster.httpPort(2), 2).get("/cluster").body();
    JsonObject n2 = member(view, "n2");
    assertEquals(Ownership.owned("n2", NAMES, SHARDS).size(), n2.getInteger("shards"), "n2 serves what it owns");
    assertTrue(n2.getInteger("shards") > 0);
    assertEquals(List.of(), load.failures());
    assertAcknowledgedAreJournaled(load);
    audit();
  }

  @Test
  @Order(6)
  void aGracefulStopFailsNoRequestAndHandsItsShardsOver() {
    List<String> pools = definePools("graceful-", 30);
    ClusterLoad load = new ClusterLoad(clients, cluster::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 500);

    long stopping = System.nanoTime();
    cluster.terminate(3);
    awaitMembers(1, List.of("n1", "n2"));
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();
    System.out.printf("longest request while n3 stopped: %d ms (%d requests sent again to another node)%n",
        load.longestSinceNanos(stopping) / 1_000_000, load.resent());

    assertEquals(List.of(), load.failures());
    assertAcknowledgedAreJournaled(load);
    audit();
  }

  @Test
  @Order(7)
  void theWholeClusterStopsAtOnce() {
    List<CompletableFuture<Void>> stopping = List.of(
        CompletableFuture.runAsync(() -> cluster.terminate(1)),
        CompletableFuture.runAsync(() -> cluster.terminate(2)));
    CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
    assertEquals(List.of(), cluster.livePorts(), "every node exited on SIGTERM although none could hand off");
    audit();
  }

  /** Waits until node {@code via} sees exactly {@code names} and every shard served. */
  private void awaitMembers(int via, List<String> names) {
    Http http = new Http(clients, cluster.httpPort(via), 2);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      JsonObject view = http.get("/cluster").body();
      List<String> members = view.getJsonArray("members").stream()
          .map(member -> ((JsonObject) member).getString("nodeId")).toList();
      return members.equals(names) && view.getBoolean("ready");
    });
  }

  private static JsonObject member(JsonObject view, String name) {
    return view.getJsonArray("members").stream().map(JsonObject.class::cast)
        .filter(member -> member.getString("nodeId").equals(name)).findFirst().orElseThrow();
  }

  private List<String> definePools(String prefix, int count) {
    Http http = new Http(clients, cluster.livePorts().getFirst(), 4);
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String poolId = prefix + i;
      assertEquals(201, http.post("/pools", Pools.definition(poolId, 1_000_000)).status());
      pools.add(poolId);
    }
    return pools;
  }

  private void assertAcknowledgedAreJournaled(ClusterLoad load) {
    Map<String, String> journaled = new HashMap<>();
    sql.query("SELECT payload->>'orderId' AS o, payload->>'reservationId' AS r FROM events "
        + "WHERE type = 'capacity.reserved.v1'").execute().await()
        .forEach(row -> journaled.put(row.getString("o"), row.getString("r")));
    load.acknowledged().forEach((order, reservation) -> assertEquals(reservation, journaled.get(order),
        "acknowledged reservation of " + order + " is in the journal"));
  }

  private void audit() {
    Audit.Report report = Audit.run(sql).await();
    assertTrue(report.passed(), report.problems().toString());
    assertTrue(report.events() > 0);
  }

  private static String poolOwnedBy(String owner, String prefix) {
    for (int i = 0; ; i++) {
      String poolId = prefix + i;
      if (Ownership.ownerOf(Shards.shardOf(poolId, SHARDS), NAMES).orElseThrow().equals(owner)) {
        return poolId;
      }
    }
  }

  private static ReplyException refused(Vertx sibling, JsonObject request) {
    Future<Message<Object>> reply = sibling.eventBus().request(Addresses.POOL_COMMAND, request);
    reply.otherwiseEmpty().await();
    return assertInstanceOf(ReplyException.class, reply.cause());
  }
}
