package io.tally.basket;

import io.tally.basket.BasketEvent.Item;
import io.tally.contract.PoolRequest;
import io.tally.contract.Refusal;
import io.tally.pool.Ids;
import io.tally.pool.PoolCommand.PlaceHold;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A basket as it is asked for: {@code {"orderId", "items": [{"poolId", "units"}, ...], "region"?, "channel"?,
 * "ttlSeconds"?}}. Each item is checked exactly as the hold it becomes (the same rules, the same codes, with the
 * item named in the message), so that a basket is refused with a 400 before anything is held, never half-way.
 *
 * @param ttl how long the basket's holds live; the configured default when the request names none
 */
public record BasketRequest(String orderId, List<Item> items, String region, String channel, Duration ttl) {

  /** The most items one basket may have: each is a hold and a confirmation on its pool's owner. */
  public static final int MAX_ITEMS = 20;

  public BasketRequest {
    items = List.copyOf(items);
  }

  /** @throws Refusal naming the first field or item that is missing or malformed */
  public static BasketRequest fromJson(JsonObject json, Duration defaultTtl) {
    Object orderId = json.getValue("orderId");
    if (!(orderId instanceof String order) || !Ids.isOrderId(order)) {
      throw Refusal.invalid("invalid_order_id", "orderId must be 1-" + Ids.MAX_ORDER_ID_LENGTH
          + " printable characters");
    }
    Object value = json.getValue("items");
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_ITEMS) {
      throw Refusal.invalid("invalid_items", "items must be an array of 1 to " + MAX_ITEMS
          + " objects, each {\"poolId\", \"units\"}");
    }
    List<Item> items = new ArrayList<>(array.size());
    Set<String> pools = new HashSet<>();
    Duration ttl = null;
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject item)) {
        throw Refusal.invalid("invalid_items", "items[" + i + "] must be an object {\"poolId\", \"units\"}");
      }
      PoolRequest.Decide hold = asHold(json, item, i, defaultTtl);
      PlaceHold placed = (PlaceHold) hold.command();
      if (!pools.add(placed.poolId())) {
        throw Refusal.invalid("invalid_items", "items[" + i + "] names pool " + placed.poolId()
            + " again; ask for its units in one item");
      }
      items.add(new Item(placed.poolId(), placed.units()));
      ttl = placed.ttl();
    }
    return new BasketRequest(order, items, json.getString("region"), json.getString("channel"), ttl);
  }

  /** The item as the hold it becomes, checked by the hold's own rules; a refusal names the item. */
  private static PoolRequest.Decide asHold(JsonObject basket, JsonObject item, int index, Duration defaultTtl) {
    JsonObject hold = new JsonObject().put("type", "hold").put("poolId", item.getValue("poolId"))
        .put("orderId", basket.getValue("orderId")).put("units", item.getValue("units"))
        .put("region", basket.getValue("region")).put("channel", basket.getValue("channel"))
        .put("ttlSeconds", basket.getValue("ttlSeconds") != null ? basket.getValue("ttlSeconds")
            : (int) defaultTtl.toSeconds());
    if (item.getValue("units") == null) {
      throw Refusal.invalid("invalid_units", "items[" + index + "].units is required");
    }
    try {
      return (PoolRequest.Decide) PoolRequest.fromJson(hold);
    } catch (Refusal refusal) {
      String where = refusal.code().equals("invalid_pool_id") || refusal.code().equals("invalid_units")
          ? "items[" + index + "]: " : "";
      throw new Refusal(refusal.status(), refusal.code(), where + refusal.getMessage());
    }
  }

  /** The event that opens this basket at {@code now}. */
  BasketEvent.Opened opened(Instant now) {
    return new BasketEvent.Opened(orderId, items, region, channel, ttl, now);
  }
}
