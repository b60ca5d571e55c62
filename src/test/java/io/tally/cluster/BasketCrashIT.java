package io.tally.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.support.Http;
import io.tally.support.Pools;
import io.tally.support.ThreeNodes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A basket's coordinator killed half-way, in a cluster of three processes: node n1 coordinates two baskets, holds
 * their items on n2's and n3's pools, and is killed with SIGKILL exactly while it records its decisions. The test
 * holds it there without any hook in Tally: it writes each basket's next step itself in a transaction it keeps
 * open, so the coordinator's own write of that step waits on the row lock; once n1 is dead the transaction rolls
 * back, as if the step had never been written. The node serving the baskets' shard must then finish the basket that
 * can be had and undo the one that cannot, within the holds' time to live, leaving no pool with part of either.
 */
class BasketCrashIT {

  /** The default of {@code baskets.holdTtlSeconds}: the bound within which a basket must be finished or undone. */
  private static final Duration TTL = Duration.ofSeconds(60);

  @Test
  void aBasketWhoseCoordinatorIsKilledMidWayIsFinishedOrFullyReleasedWithinItsTimeToLive() throws Exception {
    try (ThreeNodes cluster = ThreeNodes.start("basket-crash-it", Map.of())) {
      String van = ThreeNodes.poolOwnedBy("n2", "basket-van-");
      String pickers = ThreeNodes.poolOwnedBy("n3", "basket-pickers-");
      String full = ThreeNodes.poolOwnedBy("n3", "basket-full-");
      // n2 serves both baskets' shard before and after n1 is gone, so n2 recovers them
      String granted = ThreeNodes.poolOwnedBy("n2", "order-granted-");
      String refused = ThreeNodes.poolOwnedBy("n2", "order-refused-");
      Http http = cluster.http(2, 4);
      for (String poolId : List.of(van, pickers)) {
        assertTrue(http.post("/pools", Pools.definition(poolId, 10)).applied(), poolId);
      }
      assertTrue(http.post("/pools", Pools.definition(full, 1)).applied(), full);
      assertTrue(http.post("/pools/" + full + "/reservations", Pools.order("someone-else", 1)).applied());

      SqlConnection blocker = cluster.sql().getConnection().await();
      Transaction held = blocker.begin().await();
      for (String basketId : List.of(granted, refused)) {
        blocker.preparedQuery("INSERT INTO basket_events (basket_id, seq, type, payload) VALUES ($1, 2, "
            + "'basket.refused.v1', '{}')").execute(Tuple.of(basketId)).await();
      }

      Http coordinator = cluster.http(1, 4);
      coordinator.send(HttpMethod.POST, "/baskets", Buffer.buffer(basket(granted, item(van, 2), item(pickers, 3))
          .encode()));
      coordinator.send(HttpMethod.POST, "/baskets", Buffer.buffer(basket(refused, item(van, 4), item(full, 1))
          .encode()));
      // both baskets opened, their holds answered, and n1 waiting to record both decisions
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingDecisions(cluster) == 2);
      assertEquals(6, http.get("/pools/" + van).body().getLong("held"), "both baskets hold van units");
      assertEquals(3, http.get("/pools/" + pickers).body().getLong("held"));

      cluster.nodes().kill(1);
      held.rollback().await();
      blocker.close().await();
      cluster.awaitMembers(2, List.of("n2", "n3"));

      Instant deadline = openedAt(cluster, granted).plus(TTL);
      await().atMost(TTL).until(() -> List.of("confirmed", "refused", "undone")
          .contains(http.get("/baskets/" + granted).body().getString("status"))
          && List.of("refused", "undone").contains(http.get("/baskets/" + refused).body().getString("status")));
      assertTrue(Instant.now().isBefore(deadline), "finished within the holds' time to live");

      JsonObject done = http.get("/baskets/" + granted).body();
      assertEquals("confirmed", done.getString("status"), done.encode());
      JsonObject undone = http.get("/baskets/" + refused).body();
      assertEquals(full, undone.getJsonObject("refusal").getString("poolId"), undone.encode());
      assertEquals("capacity_exhausted", undone.getJsonObject("refusal").getString("error"));
      JsonObject vanPool = http.get("/pools/" + van).body();
      assertEquals(2, vanPool.getLong("reserved"), "van keeps the granted basket's units only: " + vanPool);
      assertEquals(0, vanPool.getLong("held"), "and nothing of the refused basket: " + vanPool);
      assertEquals(3, http.get("/pools/" + pickers).body().getLong("reserved"));
      assertEquals(0, http.get("/pools/" + pickers).body().getLong("held"));
      assertEquals(1, http.get("/pools/" + full).body().getLong("reserved"));
      assertTrue(http.post("/pools/" + van + "/reservations", Pools.order("after", 8)).applied(),
          "every unit the refused basket held is back");
      cluster.audit();
    }
  }

  /** The coordinator's writes of a basket's next step that wait on the test's open transaction. */
  private static long waitingDecisions(ThreeNodes cluster) {
    return cluster.sql().query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        + " AND query LIKE 'INSERT INTO basket_events%'").execute().await().iterator().next().getLong(0);
  }

  private static Instant openedAt(ThreeNodes cluster, String basketId) {
    return Instant.parse(cluster.sql().preparedQuery("SELECT payload->>'openedAt' FROM basket_events"
        + " WHERE basket_id = $1 AND seq = 1").execute(Tuple.of(basketId)).await().iterator().next().getString(0));
  }

  private static JsonObject basket(String orderId, JsonObject... items) {
    return new JsonObject().put("orderId", orderId).put("items", new JsonArray(List.of((Object[]) items)));
  }

  private static JsonObject item(String poolId, int units) {
    return new JsonObject().put("poolId", poolId).put("units", units);
  }
}
