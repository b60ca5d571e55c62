package io.tally.shard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tally.config.ClusterConfig;
import io.tally.config.JournalConfig;
import io.tally.config.Role;
import io.tally.config.ShardConfig;
import io.tally.contract.PoolRequest;
import io.tally.contract.Reply;
import io.tally.journal.Journal;
import io.tally.journal.Migrations;
import io.tally.support.Pools;
import io.tally.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The handoff protocol between nodes, on a real journal, with the nodes' memberships in one process: a node that
 * joins, one that leaves and one that crashes, each under a steady stream of reservations. No request may fail,
 * every acknowledged reservation must be journaled, and no pool may be decided by two nodes at once: a pool's
 * events change writer only when its shard changes owner.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class HandoffIT {

  private static final int SHARDS = 16;
  private static final JournalConfig JOURNAL = new JournalConfig(50, 1_000, 2);
  private static final ShardConfig CONFIG = ShardConfig.of(SHARDS, Duration.ofMinutes(10), Duration.ofMillis(500),
      Duration.ofSeconds(20));
  private static final ClusterConfig CLUSTER = new ClusterConfig("tally", "127.0.0.1", 5701, List.of(), 0,
      Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofMillis(50));

  private Vertx vertx;
  private io.vertx.sqlclient.Pool sql;
  private final InMemoryCluster cluster = new InMemoryCluster();
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();

  /** One node: its membership, journal writer, shard manager, node address and sender. */
  private record Node(String name, Membership membership, ShardManager shards, CommandSender sender,
      String endpoint) {
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    sql = PgBuilder.pool().with(new PoolOptions().setMaxSize(6))
        .connectingTo(PgConnectOptions.fromUri(TestDatabase.freshUrl())).using(vertx).build();
    Migrations.apply(sql).await();
    ShardMessages.register(vertx.eventBus());
    Reply.register(vertx.eventBus());
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(node -> node.shards().stop().await());
    sql.close().await();
  }

  private Node startNode(String name) {
    String address = "tally.node." + name + ".test";
    Membership membership = cluster.join(Member.starting(name, Set.of(Role.AGGREGATE), "", address));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ShardManager shards = new ShardManager(vertx, new Journal(vertx, sql, JOURNAL, name, meters), CONFIG, JOURNAL,
        CLUSTER, membership, true, 2, Clock.systemUTC(), HoldDeadlines.NONE, meters);
    String endpoint = vertx.deployVerticle(new NodeEndpoint(address, shards, membership)).await();
    shards.start().await();
    shards.join().await();
    Node node = new Node(name, membership, shards, new CommandSender(vertx, CONFIG, membership, shards), endpoint);
    nodes.put(name, node);
    return node;
  }

  @Test
  void aJoiningNodeTakesItsShardsWithoutAFailureOrASecondDecider() {
    Node first = startNode("n1");
    List<String> pools = definePools(first, 32);
    Load load = new Load(pools, 64).start();
    load.awaitMore(500);

    startNode("n2");
    load.awaitMore(1_000);
    load.stop();

    assertEquals(Map.of(), load.failures(), "failed requests by status");
    assertJournaled(load);
    assertOwnersChangedOnlyAlong(pools, List.of(List.of("n1"), List.of("n1", "n2")));
    assertTrue(nodes.get("n2").shards().status().getJsonArray("members").stream().map(JsonObject.class::cast)
        .anyMatch(member -> member.getString("nodeId").equals("n2") && member.getInteger("shards") > 0));
  }

  @Test
  void aLeavingNodeHandsEveryShardOverWithoutAFailure() {
    Node first = startNode("n1");
    startNode("n2");
    List<String> pools = definePools(first, 32);
    Load load = new Load(pools, 64).start();
    load.awaitMore(500);

    Node leaving = nodes.remove("n2");
    leaving.shards().stop().await();
    goes(leaving);
    assertNothingFailedAsN2Went(load, pools);
  }

  @Test
  void aCrashedNodesShardsAreTakenOverWithoutAFailure() {
    Node first = startNode("n1");
    Node second = startNode("n2");
    List<String> pools = definePools(first, 32);
    // the clients talk to n1 only: a crashed process's own sender would not go on sending
    Load load = new Load(pools, 64, List.of(first)).start();
    load.awaitMore(500);

    // a crash: the node stops answering at once, and a moment later the membership drops it
    nodes.remove("n2");
    goes(second);
    assertNothingFailedAsN2Went(load, pools);
  }

  /** The node's address disappears, then the node from the membership. */
  private void goes(Node node) {
    vertx.undeploy(node.endpoint()).await();
    cluster.drop(node.membership().self().address());
  }

  private void assertNothingFailedAsN2Went(Load load, List<String> pools) {
    load.awaitMore(1_000);
    load.stop();
    assertEquals(Map.of(), load.failures(), "failed requests by status");
    assertJournaled(load);
    assertOwnersChangedOnlyAlong(pools, List.of(List.of("n1", "n2"), List.of("n1")));
  }

  @Test
  void aNodeAskedAboutAShardItDoesNotHostNamesTheOwner() {
    Node first = startNode("n1");
    Node second = startNode("n2");
    String pool = poolOwnedBy("n1", List.of("n1", "n2"));
    send(first, Pools.definition(pool, 5).put("type", "define"));

    Reply redirected = vertx.eventBus().<Reply>request(second.membership().self().address(),
        envelope(reserve(pool, "o1"))).await().body();
    assertTrue(redirected.misdirected(), redirected.toString());
    assertEquals("n1", redirected.body().getString("owner"));
    assertEquals(first.membership().self().address(), redirected.owner());

    Reply followed = send(second, reserve(pool, "o1"));
    assertEquals(201, followed.status(), "a sender follows the redirect");
    assertEquals(pool + "~1", followed.body().getString("reservationId"));
  }

  private static ShardMessages.Envelope envelope(JsonObject request) {
    return new ShardMessages.Envelope(PoolRequest.fromJson(request), request);
  }

  private List<String> definePools(Node via, int count) {
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String pool = "handoff-" + i;
      assertEquals(201, send(via, Pools.definition(pool, 1_000_000).put("type", "define")).status());
      pools.add(pool);
    }
    return pools;
  }

  /**
   * Each pool's events, in seq order, were written by the owners of its shard in the given memberships, one run
   * per membership at most: a writer that comes back after another one decided the pool in between is a second
   * decider.
   */
  private void assertOwnersChangedOnlyAlong(List<String> pools, List<List<String>> memberships) {
    int moved = 0;
    Map<String, List<String>> writers = new HashMap<>();
    for (Row row : sql.query("SELECT stream_id, metadata->>'node' AS node FROM events ORDER BY stream_id, seq")
        .execute().await()) {
      List<String> runs = writers.computeIfAbsent(row.getString("stream_id"), s -> new ArrayList<>());
      if (runs.isEmpty() || !runs.getLast().equals(row.getString("node"))) {
        runs.add(row.getString("node"));
      }
    }
    for (String pool : pools) {
      List<String> owners = new ArrayList<>();
      for (List<String> members : memberships) {
        String owner = Ownership.ownerOf(Shards.shardOf(pool, SHARDS), members).orElseThrow();
        if (owners.isEmpty() || !owners.getLast().equals(owner)) {
          owners.add(owner);
        }
      }
      List<String> runs = writers.get(pool);
      assertTrue(owners.containsAll(runs) && isSubsequence(runs, owners),
          pool + " was written by " + runs + ", its owners were " + owners);
      if (runs.size() > 1) {
        moved++;
      }
    }
    assertTrue(moved > 0, "some pool changed owner under load");
  }

  private static boolean isSubsequence(List<String> runs, List<String> owners) {
    int next = 0;
    for (String owner : owners) {
      if (next < runs.size() && runs.get(next).equals(owner)) {
        next++;
      }
    }
    return next == runs.size();
  }

  private void assertJournaled(Load load) {
    Map<String, String> journaled = new HashMap<>();
    sql.query("SELECT payload->>'orderId' AS o, payload->>'reservationId' AS r FROM events "
        + "WHERE type = 'capacity.reserved.v1'").execute().await()
        .forEach(row -> journaled.put(row.getString("o"), row.getString("r")));
    load.acknowledged.forEach((order, reservation) -> assertEquals(reservation, journaled.get(order),
        "acknowledged reservation of " + order + " is in the journal"));
  }

  private static String poolOwnedBy(String owner, List<String> members) {
    for (int i = 0; ; i++) {
      String pool = "owned-" + i;
      if (Ownership.ownerOf(Shards.shardOf(pool, SHARDS), members).orElseThrow().equals(owner)) {
        return pool;
      }
    }
  }

  private static JsonObject reserve(String pool, String orderId) {
    return Pools.order(orderId, 1).put("type", "reserve").put("poolId", pool);
  }

  private static Reply send(Node node, JsonObject request) {
    return node.sender().send(request).await();
  }

  /** Reservations kept in flight over the running nodes' senders, each with a fresh order id. */
  private final class Load {
    private final List<String> pools;
    private final int lanes;
    private final List<Node> via;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> failed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger orders = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();

    /** A load sent through every running node. */
    Load(List<String> pools, int lanes) {
      this(pools, lanes, null);
    }

    /** A load sent through {@code via} only, or through every running node when that is null. */
    Load(List<String> pools, int lanes, List<Node> via) {
      this.pools = pools;
      this.lanes = lanes;
      this.via = via;
    }

    Load start() {
      running.set(lanes);
      for (int lane = 0; lane < lanes; lane++) {
        next();
      }
      return this;
    }

    void awaitMore(int count) {
      int before = acknowledged.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= before + count);
    }

    void stop() {
      stopping.set(true);
      await().atMost(Duration.ofSeconds(60)).until(() -> running.get() == 0);
    }

    Map<Integer, Long> failures() {
      Map<Integer, Long> counts = new HashMap<>();
      failed.forEach(status -> counts.merge(status, 1L, Long::sum));
      return counts;
    }

    private void next() {
      if (stopping.get()) {
        running.decrementAndGet();
        return;
      }
      int order = orders.incrementAndGet();
      String orderId = "load-" + order;
      List<Node> senders = via != null ? via : new ArrayList<>(nodes.values());
      Node sender = senders.get(order % senders.size());
      Future<Reply> reply = sender.sender().send(reserve(pools.get(order % pools.size()), orderId));
      reply.onComplete(done -> {
        if (done.succeeded() && done.result().status() == 201) {
          acknowledged.put(orderId, done.result().body().getString("reservationId"));
        } else {
          failed.add(done.succeeded() ? done.result().status() : -1);
        }
        next();
      });
    }
  }
}
