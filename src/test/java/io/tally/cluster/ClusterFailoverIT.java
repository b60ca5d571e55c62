package io.tally.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.shard.Ownership;
import io.tally.support.ClusterLoad;
import io.tally.support.ThreeNodes;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three node processes under load through a crash, a rejoin, a graceful stop and a stop of the whole cluster. Each
 * test starts its own cluster on a fresh database, so each disturbance is tested from the same state and alone.
 * After each one the journal is audited (I1, I3) and every acknowledged reservation is looked for in it (I2).
 */
class ClusterFailoverIT {

  private ThreeNodes cluster;

  @BeforeEach
  void startCluster() throws Exception {
    cluster = ThreeNodes.start("cluster-failover-it", Map.of());
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  void aKilledNodesShardsServeAgainOnTheSurvivorsAndNothingAcknowledgedIsLost() {
    List<String> pools = cluster.definePools("crash-", 30);
    ClusterLoad load = new ClusterLoad(cluster.clients(), cluster.nodes()::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 500);

    long killed = System.nanoTime();
    cluster.nodes().kill(2);
    cluster.awaitMembers(1, List.of("n1", "n3"));
    long recovered = System.nanoTime();
    System.out.printf("shards served again %d ms after the SIGKILL%n", (recovered - killed) / 1_000_000);
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();

    assertEquals(List.of(), load.failures());
    cluster.assertAcknowledgedAreJournaled(load);
    cluster.audit();
  }

  @Test
  void aRejoiningNodeTakesItsShardsBack() {
    cluster.nodes().kill(2);
    cluster.awaitMembers(1, List.of("n1", "n3"));
    List<String> pools = cluster.definePools("rejoin-", 30);
    ClusterLoad load = new ClusterLoad(cluster.clients(), cluster.nodes()::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 300);

    cluster.nodes().start(2);
    cluster.awaitMembers(2, ThreeNodes.NAMES);
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();

    JsonObject view = cluster.http(2, 2).get("/cluster").body();
    JsonObject n2 = ThreeNodes.member(view, "n2");
    assertEquals(Ownership.owned("n2", ThreeNodes.NAMES, ThreeNodes.SHARDS).size(), n2.getInteger("shards"), "n2 serves what it owns");
    assertTrue(n2.getInteger("shards") > 0);
    assertEquals(List.of(), load.failures());
    cluster.assertAcknowledgedAreJournaled(load);
    cluster.audit();
  }

  @Test
  void aGracefulStopFailsNoRequestAndHandsItsShardsOver() {
    List<String> pools = cluster.definePools("graceful-", 30);
    ClusterLoad load = new ClusterLoad(cluster.clients(), cluster.nodes()::livePorts, pools, 24).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 500);

    long stopping = System.nanoTime();
    cluster.nodes().terminate(3);
    cluster.awaitMembers(1, List.of("n1", "n2"));
    long before = load.acknowledged().size();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > before + 500);
    load.stop().await();
    System.out.printf("longest request while n3 stopped: %d ms (%d requests sent again to another node)%n",
        load.longestSinceNanos(stopping) / 1_000_000, load.resent());

    assertEquals(List.of(), load.failures());
    cluster.assertAcknowledgedAreJournaled(load);
    cluster.audit();
  }

  @Test
  void theWholeClusterStopsAtOnce() {
    List<String> pools = cluster.definePools("whole-", 12);
    ClusterLoad load = new ClusterLoad(cluster.clients(), cluster.nodes()::livePorts, pools, 12).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged().size() > 200);
    List<CompletableFuture<Void>> stopping = List.of(
        CompletableFuture.runAsync(() -> cluster.nodes().terminate(1)),
        CompletableFuture.runAsync(() -> cluster.nodes().terminate(2)),
        CompletableFuture.runAsync(() -> cluster.nodes().terminate(3)));
    CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
    assertEquals(List.of(), cluster.nodes().livePorts(), "every node exited on SIGTERM although none could hand off");
    load.stop().await();
    cluster.assertAcknowledgedAreJournaled(load);
    cluster.audit();
  }
}
