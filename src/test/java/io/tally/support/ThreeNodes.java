package io.tally.support;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.shard.Ownership;
import io.tally.shard.Shards;
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
import java.util.List;
import java.util.Map;

/**
 * A cluster of three node processes ({@code n1}, {@code n2}, {@code n3}) on a fresh database, with the clients
 * and checks the cluster tests share: waiting for a membership, defining pools, auditing the journal and finding
 * every acknowledged reservation in it.
 */
public final class ThreeNodes implements AutoCloseable {

  public static final List<String> NAMES = List.of("n1", "n2", "n3");
  public static final int SHARDS = 128;

  private final ClusterNodes nodes;
  private final Vertx clients;
  private final Pool sql;

  private ThreeNodes(ClusterNodes nodes, Vertx clients, Pool sql) {
    this.nodes = nodes;
    this.clients = clients;
    this.sql = sql;
  }

  /** Starts the three nodes, node {@code i} with the extra environment {@code env.get(i)}, and waits for all. */
  public static ThreeNodes start(String logName, Map<Integer, Map<String, String>> env) throws Exception {
    String databaseUrl = TestDatabase.freshUrl();
    Path logs = Files.createDirectories(Path.of("target", logName));
    ClusterNodes nodes = new ClusterNodes(3, databaseUrl, env, logs).startAll();
    Vertx clients = Vertx.vertx();
    Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(databaseUrl)).using(clients).build();
    ThreeNodes cluster = new ThreeNodes(nodes, clients, sql);
    cluster.awaitMembers(1, NAMES);
    return cluster;
  }

  public ClusterNodes nodes() {
    return nodes;
  }

  public Vertx clients() {
    return clients;
  }

  public Pool sql() {
    return sql;
  }

  /** A client of node {@code node} with up to {@code connections} connections. */
  public Http http(int node, int connections) {
    return new Http(clients, nodes.httpPort(node), connections);
  }

  /** Waits until node {@code via} sees exactly {@code names} and every shard served. */
  public void awaitMembers(int via, List<String> names) {
    Http http = http(via, 2);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      JsonObject view = http.get("/cluster").body();
      List<String> members = view.getJsonArray("members").stream()
          .map(member -> ((JsonObject) member).getString("nodeId")).toList();
      return members.equals(names) && view.getBoolean("ready");
    });
  }

  public static JsonObject member(JsonObject view, String name) {
    return view.getJsonArray("members").stream().map(JsonObject.class::cast)
        .filter(member -> member.getString("nodeId").equals(name)).findFirst().orElseThrow();
  }

  /**
   * Defines {@code count} pools large enough never to run out, through the first live node. A definition may be
   * answered 200 (the same definition again) instead of 201: the node sends a command again when its owner's
   * answer is late, and on a loaded machine the first attempt may have been committed already.
   */
  public List<String> definePools(String prefix, int count) {
    Http http = new Http(clients, nodes.livePorts().getFirst(), 4);
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String poolId = prefix + i;
      Http.Response defined = http.post("/pools", Pools.definition(poolId, 1_000_000));
      assertTrue(defined.applied(), defined.raw());
      assertEquals(1_000_000, defined.body().getInteger("capacity"), defined.raw());
      assertEquals(poolId, defined.body().getString("poolId"));
      pools.add(poolId);
    }
    return pools;
  }

  public void assertAcknowledgedAreJournaled(ClusterLoad load) {
    Map<String, String> journaled = new HashMap<>();
    sql.query("SELECT payload->>'orderId' AS o, payload->>'reservationId' AS r FROM events "
        + "WHERE type = 'capacity.reserved.v1'").execute().await()
        .forEach(row -> journaled.put(row.getString("o"), row.getString("r")));
    load.acknowledged().forEach((order, reservation) -> assertEquals(reservation, journaled.get(order),
        "acknowledged reservation of " + order + " is in the journal"));
  }

  /** The journal passes the invariant audit and is not empty. */
  public void audit() {
    Audit.Report report = Audit.run(sql).await();
    assertTrue(report.passed(), report.problems().toString());
    assertTrue(report.events() > 0);
  }

  /** The first pool id {@code prefix<n>} whose shard {@code owner} owns among the three. */
  public static String poolOwnedBy(String owner, String prefix) {
    for (int i = 0; ; i++) {
      String poolId = prefix + i;
      if (Ownership.ownerOf(Shards.shardOf(poolId, SHARDS), NAMES).orElseThrow().equals(owner)) {
        return poolId;
      }
    }
  }

  @Override
  public void close() {
    nodes.close();
    sql.close().await();
    clients.close().await();
  }
}
