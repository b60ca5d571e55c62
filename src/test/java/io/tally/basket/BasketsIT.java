package io.tally.basket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.audit.Audit;
import io.tally.basket.BasketEvent.Cause;
import io.tally.basket.BasketEvent.Item;
import io.tally.contract.Addresses;
import io.tally.pool.Pool;
import io.tally.pool.Reservation;
import io.tally.support.Http;
import io.tally.support.Http.Response;
import io.tally.support.JournalReplay;
import io.tally.support.Pools;
import io.tally.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Baskets over real HTTP on one node with its real PostgreSQL: all or none, idempotent by order, released as a
 * whole, safe under many concurrent baskets competing for the same pools, and carried on by recovery from whatever
 * step a coordinator that vanished had recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BasketsIT {

  private static final Duration TTL = Duration.ofSeconds(30);

  private TestNode node;
  private Http http;
  private SqlClient sql;
  private BasketStore store;

  @BeforeAll
  void start() throws Exception {
    // recover soon: baskets that are merely slow are then carried on by two coordinators at once, which must be safe
    node = TestNode.start(new JsonObject().put("baskets", new JsonObject().put("holdTtlSeconds", TTL.toSeconds())
        .put("recoverAfterMs", 200).put("sweepMs", 50)));
    http = new Http(node.vertx(), node.port(), 64);
    var pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(node.databaseUrl())).using(node.vertx())
        .build();
    sql = pool;
    store = new BasketStore(pool);
  }

  @AfterAll
  void stop() {
    sql.close().await();
    http.close();
    node.close();
  }

  @Test
  void aBasketThatCanBeHadReservesEveryItemAndARetryOrAReleaseActsOnTheWhole() {
    define("van-a", 5);
    define("pickers-a", 5);
    define("boxes-a", 5);
    JsonObject request = basket("order-a", item("van-a", 2), item("pickers-a", 1), item("boxes-a", 3));
    Response created = http.post("/baskets", request);
    assertEquals(201, created.status(), created.raw());
    JsonObject body = created.body();
    assertEquals("confirmed", body.getString("status"));
    assertEquals("order-a", body.getString("basketId"));
    Map<String, String> reservations = new HashMap<>();
    for (Object item : body.getJsonArray("items")) {
      JsonObject view = (JsonObject) item;
      reservations.put(view.getString("poolId"), view.getString("reservationId"));
      assertTrue(view.getString("reservationId").startsWith(view.getString("poolId") + "~"), view.encode());
    }
    assertEquals(3, pool("van-a").getLong("remaining"));
    assertEquals(4, pool("pickers-a").getLong("remaining"));
    assertEquals(2, pool("boxes-a").getLong("remaining"));
    assertEquals(0, pool("van-a").getLong("held"), "the holds became reservations");

    Response retried = http.post("/baskets", request);
    assertEquals(200, retried.status(), "a retried basket gets the same outcome, not a second one");
    assertEquals(body, retried.body());
    assertEquals(body, http.get("/baskets/order-a").body());
    assertEquals(3, pool("van-a").getLong("remaining"));

    Response released = http.delete("/baskets/order-a");
    assertEquals(200, released.status(), released.raw());
    assertEquals("released", released.body().getString("status"));
    for (String poolId : List.of("van-a", "pickers-a", "boxes-a")) {
      assertEquals(5, pool(poolId).getLong("remaining"), poolId + " got every unit back");
    }
    assertEquals(200, http.delete("/baskets/order-a").status(), "releasing twice releases once");
    assertEquals(5, pool("van-a").getLong("remaining"));
    assertEquals(200, http.delete("/reservations/" + reservations.get("van-a")).status());
    assertEquals("released", http.post("/baskets", request).body().getString("status"),
        "a released basket is not booked again by a retry of its request");
  }

  @Test
  void aBasketWithAnItemThatCannotBeHadIsRefusedNamingItAndNoPoolKeepsAnything() {
    define("van-b", 5);
    define("pickers-b", 1);
    assertEquals(201, http.post("/pools/pickers-b/reservations", Pools.order("someone-else", 1)).status());
    JsonObject request = basket("order-b", item("van-b", 2), item("pickers-b", 1));
    Response refused = http.post("/baskets", request);
    assertEquals(409, refused.status(), refused.raw());
    assertEquals("basket_refused", refused.error());
    assertTrue(refused.body().getString("message").contains("pickers-b"), refused.raw());
    JsonObject refusal = refused.body().getJsonObject("refusal");
    assertEquals("pickers-b", refusal.getString("poolId"));
    assertEquals(1, refusal.getInteger("units"));
    assertEquals("capacity_exhausted", refusal.getString("error"));
    assertEquals(5, pool("van-b").getLong("remaining"), "the granted hold was given back");
    assertEquals(0, pool("van-b").getLong("held"));
    assertEquals(refused.body(), http.post("/baskets", request).body(), "a retry is refused the same way");

    Response unknown = http.post("/baskets", basket("order-b2", item("van-b", 1), item("no-such-pool", 1)));
    assertEquals(409, unknown.status());
    assertEquals("pool_not_found", unknown.body().getJsonObject("refusal").getString("error"));
    assertEquals(5, pool("van-b").getLong("remaining"));
    assertEquals(200, http.delete("/baskets/order-b").status(), "a refused basket has nothing to release");
    assertEquals(5, pool("van-b").getLong("remaining"));
  }

  @Test
  void aMalformedBasketIsRefusedBeforeAnythingIsHeldOrRecorded() {
    define("van-c", 5);
    Response duplicate = http.post("/baskets", basket("order-c", item("van-c", 1), item("van-c", 1)));
    assertEquals(400, duplicate.status());
    assertEquals("invalid_items", duplicate.error());
    Response units = http.post("/baskets", basket("order-c", item("van-c", 1), item("van-d", 10_001)));
    assertEquals(400, units.status());
    assertEquals("invalid_units", units.error());
    assertTrue(units.body().getString("message").contains("items[1]"), units.raw());
    assertEquals(400, http.call(HttpMethod.POST, "/baskets", "[1]").status());
    assertEquals(404, http.get("/baskets/order-c").status());
    assertEquals("basket_not_found", http.delete("/baskets/order-c").error());
    assertEquals(5, pool("van-c").getLong("remaining"));
  }

  @Test
  void aSiblingServiceOpensAndReleasesABasketOnThePublicCommandAddress() {
    define("van-e", 3);
    define("pickers-e", 3);
    Message<JsonObject> opened = node.vertx().eventBus().<JsonObject>request(Addresses.POOL_COMMAND,
        basket("order-e", item("van-e", 1), item("pickers-e", 2)).put("type", "basket")).await();
    assertEquals("201", opened.headers().get("status"));
    assertEquals("confirmed", opened.body().getString("status"));
    assertEquals(1, pool("pickers-e").getLong("remaining"));
    ReplyException refused = org.junit.jupiter.api.Assertions.assertThrows(ReplyException.class,
        () -> node.vertx().eventBus().request(Addresses.POOL_COMMAND,
            basket("order-e2", item("van-e", 1), item("pickers-e", 2)).put("type", "basket")).await());
    assertEquals(409, refused.failureCode());
    assertEquals("basket_refused", refused.getMessage());
    Message<JsonObject> released = node.vertx().eventBus().<JsonObject>request(Addresses.POOL_COMMAND,
        new JsonObject().put("type", "releaseBasket").put("basketId", "order-e")).await();
    assertEquals("released", released.body().getString("status"));
    assertEquals(3, pool("pickers-e").getLong("remaining"));
  }

  @Test
  void manyConcurrentBasketsOverOverlappingPoolsAreEachAllOrNothingAndNoPoolIsOverbooked() throws Exception {
    int pools = 10;
    int capacity = 8;
    for (int p = 0; p < pools; p++) {
      define("mix-" + p, capacity);
    }
    Random random = new Random(20261203);
    Map<String, JsonObject> requests = new HashMap<>();
    List<Future<Response>> sent = new ArrayList<>();
    List<String> orders = new ArrayList<>();
    int asked = 0;
    for (int b = 0; b < 250; b++) {
      List<Integer> chosen = new ArrayList<>();
      int size = 1 + random.nextInt(3);
      while (chosen.size() < size) {
        int p = random.nextInt(pools);
        if (!chosen.contains(p)) {
          chosen.add(p);
        }
      }
      JsonArray items = new JsonArray();
      for (int p : chosen) {
        int units = 1 + random.nextInt(3);
        asked += units;
        items.add(item("mix-" + p, units));
      }
      String orderId = "mix-order-" + b;
      JsonObject request = new JsonObject().put("orderId", orderId).put("items", items);
      requests.put(orderId, request);
      orders.add(orderId);
      sent.add(http.send(HttpMethod.POST, "/baskets", Buffer.buffer(request.encode())));
    }
    assertTrue(asked > pools * capacity, "more is asked than there is, so some baskets must be refused");
    Future.join(sent).await();

    Map<String, Long> confirmedUnits = new HashMap<>();
    Map<String, Boolean> confirmed = new HashMap<>();
    int refused = 0;
    for (int b = 0; b < orders.size(); b++) {
      Response answer = sent.get(b).result();
      assertTrue(answer.status() == 201 || answer.status() == 409, answer.raw());
      boolean through = answer.status() == 201;
      confirmed.put(orders.get(b), through);
      if (through) {
        for (Object item : requests.get(orders.get(b)).getJsonArray("items")) {
          JsonObject asItem = (JsonObject) item;
          confirmedUnits.merge(asItem.getString("poolId"), (long) asItem.getInteger("units"), Long::sum);
        }
      } else {
        refused++;
        assertEquals("basket_refused", answer.error());
      }
    }
    assertTrue(refused > 0, "some baskets were refused");

    // a coordinator that lost a decision to recovery gives back the holds only it placed: wait for those
    await().atMost(TTL.plusSeconds(30)).until(() -> {
      for (int p = 0; p < pools; p++) {
        if (pool("mix-" + p).getLong("held") != 0) {
          return false;
        }
      }
      return true;
    });
    for (int p = 0; p < pools; p++) {
      JsonObject view = pool("mix-" + p);
      assertEquals(confirmedUnits.getOrDefault("mix-" + p, 0L), view.getLong("reserved"),
          "mix-" + p + " holds exactly the confirmed baskets' units");
      assertTrue(view.getLong("reserved") <= capacity, view.encode());
    }
    Map<String, Pool> journal = JournalReplay.pools(node.databaseUrl());
    for (String orderId : orders) {
      for (Object item : requests.get(orderId).getJsonArray("items")) {
        JsonObject asItem = (JsonObject) item;
        Pool pool = journal.get(asItem.getString("poolId"));
        Reservation kept = pool.reservationOf(orderId).orElse(null);
        if (confirmed.get(orderId)) {
          assertEquals(asItem.getInteger("units"), kept == null ? null : kept.units(), orderId + " in "
              + asItem.getString("poolId"));
        } else {
          assertNull(kept, orderId + " was refused but " + asItem.getString("poolId") + " keeps " + kept);
        }
      }
    }
    Audit.Report report = Audit.run(sql).await();
    assertTrue(report.passed(), report.problems().toString());
    assertTrue(report.baskets() >= orders.size());
  }

  @Test
  void recoveryFinishesABasketWhoseCoordinatorVanishedAfterOpeningIt() {
    define("van-r1", 4);
    define("pickers-r1", 4);
    store.open("order-r1", opened("order-r1", new Item("van-r1", 1), new Item("pickers-r1", 3))).await();
    JsonObject done = awaitRest("order-r1");
    assertEquals("confirmed", done.getString("status"), done.encode());
    assertEquals(3, pool("van-r1").getLong("remaining"));
    assertEquals(1, pool("pickers-r1").getLong("remaining"));
  }

  @Test
  void recoveryConfirmsTheHoldsADecidedBasketNames() {
    define("van-r2", 4);
    define("pickers-r2", 4);
    String van = hold("van-r2", "order-r2", 2);
    String pickers = hold("pickers-r2", "order-r2", 2);
    decided("order-r2", new BasketEvent.Confirming(List.of(van, pickers)), new Item("van-r2", 2),
        new Item("pickers-r2", 2));
    JsonObject done = awaitRest("order-r2");
    assertEquals("confirmed", done.getString("status"), done.encode());
    assertEquals(van, done.getJsonArray("items").getJsonObject(0).getString("reservationId"),
        "the recorded holds became the reservations");
    assertEquals(2, pool("van-r2").getLong("reserved"));
    assertEquals(2, pool("pickers-r2").getLong("reserved"));
  }

  @Test
  void recoveryUndoesADecidedBasketWhoseHoldCannotBeConfirmedAndNoPoolKeepsAnything() {
    define("van-r3", 4);
    define("pickers-r3", 4);
    String kept = hold("van-r3", "order-r3", 2);
    String lost = hold("pickers-r3", "order-r3", 2);
    assertEquals(200, http.delete("/holds/" + lost).status());
    // the capacity the lost hold gave back is taken: whoever carries the basket on cannot hold pickers-r3 again
    assertEquals(201, http.post("/pools/pickers-r3/reservations", Pools.order("someone-else", 3)).status());
    decided("order-r3", new BasketEvent.Confirming(List.of(kept, lost)), new Item("van-r3", 2),
        new Item("pickers-r3", 2));
    JsonObject undone = awaitRest("order-r3");
    // undone when the recorded decision came first; refused when recovery decided before it could be recorded
    assertTrue(List.of("undone", "refused").contains(undone.getString("status")), undone.encode());
    assertEquals("pickers-r3", undone.getJsonObject("refusal").getString("poolId"));
    assertEquals(4, pool("van-r3").getLong("remaining"), "van-r3 keeps nothing of the basket");
    assertEquals(0, pool("van-r3").getLong("held"));
    assertEquals(1, pool("pickers-r3").getLong("remaining"), "pickers-r3 keeps only the other order");
    assertEquals(0, pool("pickers-r3").getLong("held"));
  }

  @Test
  void recoveryGivesBackTheHoldsOfARefusingBasket() {
    define("van-r4", 4);
    String held = hold("van-r4", "order-r4", 3);
    decided("order-r4", new BasketEvent.Refusing(new Cause("gone-r4", "pool_not_found", "no pool gone-r4"),
        Arrays.asList(held, null)), new Item("van-r4", 3), new Item("gone-r4", 1));
    JsonObject done = awaitRest("order-r4");
    assertEquals("refused", done.getString("status"));
    assertEquals(4, pool("van-r4").getLong("remaining"));
    assertEquals(0, pool("van-r4").getLong("held"));
    assertFalse(done.containsKey("expiresAt"));
  }

  /**
   * The stream a coordinator leaves when it vanishes right after recording its decision. Recovery may already have
   * carried the basket on from its opening with the same holds (they are idempotent by order); then it recorded the
   * decision, and that one stands.
   */
  private void decided(String orderId, BasketEvent decision, Item... items) {
    store.open(orderId, opened(orderId, items))
        .compose(basket -> store.append(basket, decision))
        .recover(failure -> failure instanceof BasketStore.Conflict ? Future.succeededFuture() : Future.failedFuture(
            failure))
        .await();
  }

  private JsonObject awaitRest(String basketId) {
    await().atMost(TTL).pollInterval(50, TimeUnit.MILLISECONDS).until(() -> {
      String status = http.get("/baskets/" + basketId).body().getString("status");
      return List.of("confirmed", "refused", "undone", "released").contains(status);
    });
    return http.get("/baskets/" + basketId).body();
  }

  private static BasketEvent.Opened opened(String orderId, Item... items) {
    return new BasketEvent.Opened(orderId, List.of(items), null, null, TTL,
        Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  private String hold(String poolId, String orderId, int units) {
    Response held = http.post("/pools/" + poolId + "/holds", Pools.order(orderId, units).put("ttlSeconds", 30));
    assertEquals(201, held.status(), held.raw());
    return held.body().getString("holdId");
  }

  private void define(String poolId, int capacity) {
    Response defined = http.post("/pools", Pools.definition(poolId, capacity));
    assertEquals(201, defined.status(), defined.raw());
  }

  private JsonObject pool(String poolId) {
    return http.get("/pools/" + poolId).body();
  }

  private static JsonObject basket(String orderId, JsonObject... items) {
    return new JsonObject().put("orderId", orderId).put("items", new JsonArray(List.of((Object[]) items)));
  }

  private static JsonObject item(String poolId, int units) {
    return new JsonObject().put("poolId", poolId).put("units", units);
  }
}
