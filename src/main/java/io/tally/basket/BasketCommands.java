package io.tally.basket;

import io.tally.contract.Commands;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.pool.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The contract's requests with baskets among them: {@code basket} (open one), {@code releaseBasket} and
 * {@code getBasket} (by {@code basketId}, the basket's {@code orderId}) go to the coordinator on this node; every
 * other request goes on to the pools' owners as it is. The web and the public command address both send here, so a
 * sibling service on the event bus has baskets exactly as an HTTP client does.
 */
public final class BasketCommands implements Commands {

  private final Commands pools;
  private final BasketCoordinator baskets;

  public BasketCommands(Commands pools, BasketCoordinator baskets) {
    this.pools = pools;
    this.baskets = baskets;
  }

  @Override
  public Future<Reply> send(JsonObject request) {
    Object type = request.getValue("type");
    if ("basket".equals(type)) {
      return baskets.open(request);
    }
    if ("releaseBasket".equals(type) || "getBasket".equals(type)) {
      Object basketId = request.getValue("basketId");
      if (!(basketId instanceof String id) || !Ids.isOrderId(id)) {
        return Future.succeededFuture(Reply.refused(Refusal.invalid("invalid_basket_id",
            "basketId (the basket's orderId) must be 1-" + Ids.MAX_ORDER_ID_LENGTH + " printable characters")));
      }
      return "getBasket".equals(type) ? baskets.get(id) : baskets.release(id);
    }
    return pools.send(request);
  }
}
