package io.tally.basket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.basket.Basket.Phase;
import io.tally.basket.BasketEvent.Cause;
import io.tally.basket.BasketEvent.Item;
import io.tally.contract.Refusal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A basket's life as its stream tells it, its stored form, and how a basket request is checked. */
class BasketTest {

  private static final Instant NOW = Instant.parse("2026-12-03T08:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(60);
  private static final BasketEvent.Opened OPENED = new BasketEvent.Opened("order-1",
      List.of(new Item("van-1", 2), new Item("pickers-1", 1)), "E1", "delivery", TTL, NOW);
  private static final Cause FULL = new Cause("pickers-1", "capacity_exhausted", "only 0 units remain");

  @Test
  void aGrantedBasketIsConfirmingThenConfirmedWithOneReservationPerItemNamedAsItsHold() {
    Basket basket = Basket.opened("order-1", OPENED).then(new BasketEvent.Confirming(List.of("van-1~4",
        "pickers-1~9")));
    assertEquals(Phase.CONFIRMING, basket.phase());
    assertEquals("van-1~4", basket.toJson().getJsonArray("items").getJsonObject(0).getString("holdId"));
    Basket confirmed = basket.then(BasketEvent.Step.CONFIRMED);
    assertEquals(3, confirmed.seq());
    JsonObject view = confirmed.toJson();
    assertEquals("confirmed", view.getString("status"));
    assertEquals(new JsonArray()
        .add(new JsonObject().put("poolId", "van-1").put("units", 2).put("reservationId", "van-1~4"))
        .add(new JsonObject().put("poolId", "pickers-1").put("units", 1).put("reservationId", "pickers-1~9")),
        view.getJsonArray("items"));
    assertFalse(view.containsKey("refusal"));
    assertFalse(view.containsKey("expiresAt"), "a basket that rests has no deadline left");
  }

  @Test
  void aRefusedBasketNamesTheItemThatCouldNotBeHadAndShowsNoHolds() {
    Basket refused = Basket.opened("order-1", OPENED).then(new BasketEvent.Refusing(FULL,
        Arrays.asList("van-1~4", null))).then(BasketEvent.Step.REFUSED);
    JsonObject view = refused.toJson();
    assertEquals("refused", view.getString("status"));
    assertEquals(new JsonObject().put("poolId", "pickers-1").put("units", 1).put("error", "capacity_exhausted")
        .put("message", "only 0 units remain"), view.getJsonObject("refusal"));
    assertFalse(view.getJsonArray("items").getJsonObject(0).containsKey("holdId"));
  }

  @Test
  void aConfirmingBasketWhoseHoldCannotBeConfirmedIsUndoneAndAConfirmedOneReleased() {
    Basket confirming = Basket.opened("order-1", OPENED).then(new BasketEvent.Confirming(List.of("a", "b")));
    Basket undone = confirming.then(new BasketEvent.Undoing(FULL)).then(BasketEvent.Step.UNDONE);
    assertEquals(Phase.UNDONE, undone.phase());
    assertEquals(FULL, undone.cause());
    Basket released = confirming.then(BasketEvent.Step.CONFIRMED).then(BasketEvent.Step.RELEASING)
        .then(BasketEvent.Step.RELEASED);
    assertEquals(Phase.RELEASED, released.phase());
    assertEquals(List.of("a", "b"), released.holdIds());
  }

  @Test
  void aStepThatCannotFollowThePhaseIsRefused() {
    Basket open = Basket.opened("order-1", OPENED);
    assertThrows(IllegalStateException.class, () -> open.then(BasketEvent.Step.CONFIRMED));
    assertThrows(IllegalStateException.class, () -> open.then(BasketEvent.Step.RELEASING));
    Basket refused = open.then(new BasketEvent.Refusing(FULL, Arrays.asList(null, null)))
        .then(BasketEvent.Step.REFUSED);
    assertThrows(IllegalStateException.class, () -> refused.then(BasketEvent.Step.RELEASING),
        "a refused basket has nothing to release");
    assertThrows(IllegalStateException.class, () -> refused.then(new BasketEvent.Confirming(List.of("a", "b"))));
  }

  @Test
  void onlyRestingPhasesAreFinished() {
    assertEquals(List.of(Phase.CONFIRMED, Phase.REFUSED, Phase.UNDONE, Phase.RELEASED),
        Arrays.stream(Phase.values()).filter(Phase::finished).toList());
  }

  @Test
  void everyEventReadsBackAsItWasStored() {
    List<BasketEvent> events = List.of(OPENED, new BasketEvent.Confirming(List.of("van-1~4", "pickers-1~9")),
        new BasketEvent.Refusing(FULL, Arrays.asList("van-1~4", null)),
        new BasketEvent.Refusing(new Cause(null, "basket_expired", "late"), Arrays.asList(null, null)),
        new BasketEvent.Undoing(FULL), BasketEvent.Step.CONFIRMED, BasketEvent.Step.REFUSED,
        BasketEvent.Step.UNDONE, BasketEvent.Step.RELEASING, BasketEvent.Step.RELEASED);
    for (BasketEvent event : events) {
      JsonObject stored = new JsonObject(event.toJson().encode());
      assertEquals(event, BasketEvent.decode(event.type(), stored), event.type());
      assertTrue(event.type().matches("basket\\.[a-z]+\\.v1"), event.type());
    }
    assertThrows(IllegalArgumentException.class, () -> BasketEvent.decode("basket.opened.v9", new JsonObject()));
  }

  @Test
  void aBasketRequestIsCheckedItemByItemAsTheHoldsItBecomes() {
    BasketRequest request = BasketRequest.fromJson(new JsonObject().put("orderId", "o-7").put("region", "E1")
        .put("items", new JsonArray().add(item("van-1", 2)).add(item("pickers-1", 1))), TTL);
    assertEquals(List.of(new Item("van-1", 2), new Item("pickers-1", 1)), request.items());
    assertEquals(TTL, request.ttl(), "the configured time to live when the request names none");
    assertEquals(Duration.ofSeconds(30), BasketRequest.fromJson(new JsonObject().put("orderId", "o-7")
        .put("ttlSeconds", 30).put("items", new JsonArray().add(item("van-1", 1))), TTL).ttl());
    assertNull(request.channel());

    assertRefused("invalid_order_id", new JsonObject().put("items", new JsonArray().add(item("van-1", 1))));
    assertRefused("invalid_items", new JsonObject().put("orderId", "o").put("items", new JsonArray()));
    assertRefused("invalid_items", new JsonObject().put("orderId", "o").put("items", "van-1"));
    assertRefused("invalid_items", new JsonObject().put("orderId", "o").put("items", new JsonArray().add(7)));
    assertRefused("invalid_items", new JsonObject().put("orderId", "o")
        .put("items", new JsonArray().add(item("van-1", 1)).add(item("van-1", 2))));
    JsonArray tooMany = new JsonArray();
    IntStream.rangeClosed(0, BasketRequest.MAX_ITEMS).forEach(i -> tooMany.add(item("pool-" + i, 1)));
    assertRefused("invalid_items", new JsonObject().put("orderId", "o").put("items", tooMany));
    Refusal units = assertRefused("invalid_units", new JsonObject().put("orderId", "o")
        .put("items", new JsonArray().add(item("van-1", 1)).add(item("van-2", 0))));
    assertTrue(units.getMessage().startsWith("items[1]: "), units.getMessage());
    Refusal pool = assertRefused("invalid_pool_id", new JsonObject().put("orderId", "o")
        .put("items", new JsonArray().add(item("no~tilde", 1))));
    assertTrue(pool.getMessage().startsWith("items[0]: "), pool.getMessage());
    assertRefused("invalid_units", new JsonObject().put("orderId", "o")
        .put("items", new JsonArray().add(new JsonObject().put("poolId", "van-1"))));
    assertRefused("invalid_ttl", new JsonObject().put("orderId", "o").put("ttlSeconds", 0)
        .put("items", new JsonArray().add(item("van-1", 1))));
    assertRefused("invalid_channel", new JsonObject().put("orderId", "o").put("channel", "drone")
        .put("items", new JsonArray().add(item("van-1", 1))));
  }

  private static JsonObject item(String poolId, int units) {
    return new JsonObject().put("poolId", poolId).put("units", units);
  }

  private static Refusal assertRefused(String code, JsonObject json) {
    Refusal refusal = assertThrows(Refusal.class, () -> BasketRequest.fromJson(json, TTL), json.encode());
    assertEquals(code, refusal.code(), refusal.getMessage());
    assertEquals(400, refusal.status());
    return refusal;
  }
}
