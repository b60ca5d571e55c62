package io.tally;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.shard.Ownership;
import io.tally.shard.Shards;
import io.tally.support.ClusterNodes;
import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.SteadyLoad.Failure;
import io.tally.support.SteadyLoad.Success;
import io.tally.support.SteadyLoad;
import io.tally.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Liveness through every kind of membership change, under a steady open-model reservation load over three node
 * processes and one PostgreSQL: a SIGKILL, the killed node's restart and rejoin, a graceful restart of another node,
 * then a rolling restart of all three, one after another. No request may fail around any of them, the dead node's
 * pools must take reservations again long before the failure timeout (the kill is seen through refused
 * connections; the report prints how long it took, and the README's table keeps the two-second goal), and
 * afterwards every acknowledged reservation must be in the journal and the audit must pass (I1-I3).
 *
 * <p>The load is {@value #RATE} reservations per second (override with {@code -Dtally.restartLoadRate}): on a
 * two-core machine running three nodes, PostgreSQL and the client, the routing by shard address that this replaced
 * left 144 of them unanswered for 10 s after a rejoin, where 400 per second showed only slow requests.
 */
class RestartUnderLoadIT {

  private static final int RATE = 1_000;
  private static final int POOLS = 64;
  private static final List<String> NAMES = List.of("n1", "n2", "n3");
  private static final int SHARDS = 128;
  private static final int FAILURE_TIMEOUT_MS = 15_000;
  /**
   * What the nodes are told beyond the defaults, so that the test does not depend on the machine's headroom: at
   * this load five processes share two cores with nothing idle. A stall of the whole machine longer than the
   * default failure timeout (4 s) made two healthy members declare each other dead and split the cluster; a killed
   * node is still seen at once, by its refused connections. And a request whose owner is a node that has just
   * taken its shards back with a cold JVM may wait longer than the default retry deadline (10 s); it may now wait
   * 18 s, still below the client's 20 s, and the report shows how long the slowest waited.
   */
  private static final JsonObject NODE_SETTINGS = new JsonObject()
      .put("cluster", new JsonObject().put("failureTimeoutMs", FAILURE_TIMEOUT_MS))
      .put("shards", new JsonObject().put("retryDeadlineMs", 18_000));

  private ClusterNodes cluster;
  private Vertx clients;
  private Pool sql;
  private final Map<String, Long> marks = new LinkedHashMap<>();

  @BeforeEach
  void startCluster() throws Exception {
    String databaseUrl = TestDatabase.freshUrl();
    Path logs = Files.createDirectories(Path.of("target", "restart-under-load-it"));
    Path settings = logs.resolve("nodes.json");
    Files.writeString(settings, NODE_SETTINGS.encodePrettily());
    Map<String, String> env = Map.of("TALLY_CONFIG", settings.toAbsolutePath().toString());
    cluster = new ClusterNodes(3, databaseUrl, Map.of(1, env, 2, env, 3, env), logs).startAll();
    clients = Vertx.vertx();
    sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(databaseUrl)).using(clients).build();
    for (int node = 1; node <= 3; node++) {
      awaitServing(node);
    }
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
    sql.close().await();
    clients.close().await();
  }

  @Test
  void noRequestFailsThroughACrashARejoinAGracefulRestartAndARollingRestart() {
    List<String> pools = definePools();
    int rate = Integer.getInteger("tally.restartLoadRate", RATE);
    SteadyLoad load = new SteadyLoad(clients, cluster::livePorts, pools, rate).start();
    awaitMoreAcknowledged(load, rate * 5);

    mark("SIGKILL n2");
    cluster.kill(2);
    awaitMoreAcknowledged(load, rate * 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> clusterOf(1).getBoolean("ready"));
    awaitMoreAcknowledged(load, rate * 3);

    mark("restart n2");
    cluster.start(2);
    awaitServing(2);
    awaitMoreAcknowledged(load, rate * 5);

    mark("graceful restart n3");
    cluster.terminate(3);
    cluster.start(3);
    awaitServing(3);
    awaitMoreAcknowledged(load, rate * 5);

    for (int node = 1; node <= 3; node++) {
      mark("rolling restart n" + node);
      cluster.terminate(node);
      cluster.start(node);
      awaitServing(node);
      awaitMoreAcknowledged(load, rate * 3);
    }
    mark("end");
    load.stop().await();

    Duration recovery = recoveryAfterKill(load, pools);
    System.out.println(report(load) + "the dead node's pools took reservations again " + recovery.toMillis()
        + " ms after the SIGKILL");
    assertEquals(Map.of(), summary(load.failures()), "failed requests, by phase and outcome");
    // The two-second goal is measured in perf/ (a timed bound here would depend on the machine's load); what must
    // hold on any machine is that the kill was seen through refused connections, long before the failure timeout.
    assertTrue(recovery.toMillis() < FAILURE_TIMEOUT_MS, "the dead node's pools took reservations again "
        + recovery.toMillis() + " ms after the SIGKILL, not before the " + FAILURE_TIMEOUT_MS + " ms failure timeout");
    assertAcknowledgedAreJournaled(load);
    Audit.Report audit = Audit.run(sql).await();
    assertTrue(audit.passed(), audit.problems().toString());
  }

  private List<String> definePools() {
    Http http = new Http(clients, cluster.httpPort(1), 8);
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < POOLS; i++) {
      String poolId = "steady-" + i;
      Http.Response defined = http.post("/pools", Pools.definition(poolId, 1_000_000));
      assertTrue(defined.applied(), "defined " + poolId + ": " + defined.raw());
      pools.add(poolId);
    }
    return pools;
  }

  private void mark(String phase) {
    marks.put(phase, System.nanoTime());
    System.out.printf("%s: %s%n", java.time.Instant.now(), phase);
  }

  /**
   * How long after the SIGKILL the last of the killed node's pools answered its first reservation sent after the
   * kill: the time the slowest of them was out of service.
   */
  private Duration recoveryAfterKill(SteadyLoad load, List<String> pools) {
    long killed = marks.get("SIGKILL n2");
    Set<String> lost = pools.stream()
        .filter(pool -> Ownership.ownerOf(Shards.shardOf(pool, SHARDS), NAMES).orElseThrow().equals("n2"))
        .collect(Collectors.toSet());
    assertTrue(!lost.isEmpty(), "n2 owned some of the pools");
    Map<String, Long> firstAnswer = new HashMap<>();
    for (Success success : load.successes()) {
      if (success.startNanos() >= killed && lost.contains(success.poolId())) {
        firstAnswer.merge(success.poolId(), success.endNanos(), Math::min);
      }
    }
    assertEquals(lost, firstAnswer.keySet(), "every pool n2 owned took a reservation after the kill");
    return Duration.ofNanos(firstAnswer.values().stream().mapToLong(Long::longValue).max().orElseThrow() - killed);
  }

  /** The phase (the last mark before it started) and outcome of each failure, with how many. */
  private Map<String, Long> summary(List<Failure> failures) {
    Map<String, Long> counts = new TreeMap<>();
    for (Failure failure : failures) {
      String outcome = failure.outcome().length() > 80 ? failure.outcome().substring(0, 80) : failure.outcome();
      counts.merge(phaseOf(failure.startNanos()) + ": " + outcome, 1L, Long::sum);
    }
    return counts;
  }

  private String phaseOf(long nanos) {
    String phase = "warm-up";
    for (Map.Entry<String, Long> mark : marks.entrySet()) {
      if (mark.getValue() <= nanos) {
        phase = mark.getKey();
      }
    }
    return phase;
  }

  /** Per phase: requests, failures and the slowest request, as the test's output to read when it fails. */
  private String report(SteadyLoad load) {
    Map<String, long[]> byPhase = new LinkedHashMap<>();
    byPhase.put("warm-up", new long[3]);
    marks.keySet().forEach(phase -> byPhase.put(phase, new long[3]));
    for (Success success : load.successes()) {
      long[] row = byPhase.get(phaseOf(success.startNanos()));
      row[0]++;
      row[2] = Math.max(row[2], success.endNanos() - success.startNanos());
    }
    for (Failure failure : load.failures()) {
      long[] row = byPhase.get(phaseOf(failure.startNanos()));
      row[0]++;
      row[1]++;
      row[2] = Math.max(row[2], failure.endNanos() - failure.startNanos());
    }
    StringBuilder out = new StringBuilder("phase: requests, failed, slowest ms (" + load.resent() + " resent, "
        + load.skipped() + " arrivals skipped while the client could not run)\n");
    byPhase.forEach((phase, row) -> out.append(String.format("  %-22s %7d %7d %7d%n", phase, row[0], row[1],
        row[2] / 1_000_000)));
    // the seconds in which some request took longer than one, by when it started: where to look in the node logs
    long origin = System.nanoTime() - System.currentTimeMillis() * 1_000_000;
    Map<Long, long[]> slow = new TreeMap<>();
    for (Success success : load.successes()) {
      long took = success.endNanos() - success.startNanos();
      long[] second = slow.computeIfAbsent((success.startNanos() - origin) / 1_000_000_000L, s -> new long[3]);
      second[0]++;
      second[1] += took > 1_000_000_000L ? 1 : 0;
      second[2] = Math.max(second[2], took);
    }
    out.append("seconds with requests slower than 1 s (UTC second: started, slow, slowest ms)\n");
    slow.forEach((second, row) -> {
      if (row[1] > 0) {
        out.append(String.format("  %s %6d %6d %6d%n", java.time.Instant.ofEpochSecond(second), row[0], row[1],
            row[2] / 1_000_000));
      }
    });
    return out.toString();
  }

  private void awaitMoreAcknowledged(SteadyLoad load, int more) {
    int before = load.acknowledgedCount();
    await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledgedCount() >= before + more);
  }

  /** Waits until node {@code node} says it serves every shard it owns, and that every shard is served. */
  private void awaitServing(int node) {
    String name = ClusterNodes.name(node);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      JsonObject view = clusterOf(node);
      return view.getBoolean("ready") && view.getJsonArray("members").stream().map(JsonObject.class::cast)
          .anyMatch(member -> member.getString("nodeId").equals(name) && "serving".equals(member.getString("state"))
              && member.getInteger("shards") > 0 && member.getInteger("shards").equals(member.getInteger("owns")));
    });
  }

  private JsonObject clusterOf(int node) {
    try (Http http = new Http(clients, cluster.httpPort(node), 1)) {
      JsonObject body = http.get("/cluster").body();
      return body == null ? new JsonObject().put("ready", false).put("members", List.of()) : body;
    } catch (Exception unreachable) {
      return new JsonObject().put("ready", false).put("members", List.of());
    }
  }

  private void assertAcknowledgedAreJournaled(SteadyLoad load) {
    Map<String, String> journaled = new HashMap<>();
    sql.query("SELECT payload->>'orderId' AS o, payload->>'reservationId' AS r FROM events "
        + "WHERE type = 'capacity.reserved.v1'").execute().await()
        .forEach(row -> journaled.put(row.getString("o"), row.getString("r")));
    Map<String, String> acknowledged = load.acknowledged();
    assertTrue(acknowledged.size() > RATE * 20, "the load ran: " + acknowledged.size() + " acknowledged");
    acknowledged.forEach((order, reservation) -> assertEquals(reservation, journaled.get(order),
        "acknowledged reservation of " + order + " is in the journal"));
  }
}
