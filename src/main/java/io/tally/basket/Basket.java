package io.tally.basket;

import io.tally.basket.BasketEvent.Cause;
import io.tally.basket.BasketEvent.Item;
import io.tally.basket.BasketEvent.Opened;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A basket as its stream tells it: what was asked ({@link Opened}), how far it got ({@link Phase}), the holds of its
 * items (in item order; a hold id is also the id of the reservation it becomes) and, for a basket that did not go
 * through, the item that could not be had.
 *
 * @param seq the seq of the basket's last event: the next step is recorded at {@code seq + 1} or not at all
 */
public record Basket(String basketId, Opened opened, Phase phase, List<String> holdIds, Cause cause, int seq) {

  public Basket {
    holdIds = Collections.unmodifiableList(new ArrayList<>(holdIds));
  }

  /** How far a basket got. Only the last four are where a basket rests; every other phase names work to do. */
  public enum Phase {
    OPEN("open", false), CONFIRMING("confirming", false), REFUSING("refusing", false), UNDOING("undoing", false),
    RELEASING("releasing", false), CONFIRMED("confirmed", true), REFUSED("refused", true), UNDONE("undone", true),
    RELEASED("released", true);

    private final String wireName;
    private final boolean finished;

    Phase(String wireName, boolean finished) {
      this.wireName = wireName;
      this.finished = finished;
    }

    public String wireName() {
      return wireName;
    }

    /** Whether nothing is left to do for a basket in this phase (until someone releases a confirmed one). */
    public boolean finished() {
      return finished;
    }
  }

  /** The basket one {@link Opened} event starts; its stream id is {@code basketId}. */
  public static Basket opened(String basketId, Opened opened) {
    List<String> none = new ArrayList<>(Collections.nCopies(opened.items().size(), null));
    return new Basket(basketId, opened, Phase.OPEN, none, null, 1);
  }

  /**
   * The basket after its next event.
   *
   * @throws IllegalStateException for an event that cannot follow this phase (a stream no coordinator writes)
   */
  public Basket then(BasketEvent event) {
    int next = seq + 1;
    return switch (event) {
      case BasketEvent.Confirming confirming when phase == Phase.OPEN ->
          new Basket(basketId, opened, Phase.CONFIRMING, confirming.holdIds(), null, next);
      case BasketEvent.Refusing refusing when phase == Phase.OPEN ->
          new Basket(basketId, opened, Phase.REFUSING, refusing.holdIds(), refusing.cause(), next);
      case BasketEvent.Undoing undoing when phase == Phase.CONFIRMING ->
          new Basket(basketId, opened, Phase.UNDOING, holdIds, undoing.cause(), next);
      case BasketEvent.Step step when phase == step.follows() ->
          new Basket(basketId, opened, step.leadsTo(), holdIds, cause, next);
      default -> throw new IllegalStateException("basket " + basketId + ": " + event.type() + " cannot follow "
          + phase.wireName() + " (seq " + seq + ")");
    };
  }

  public String orderId() {
    return opened.orderId();
  }

  public List<Item> items() {
    return opened.items();
  }

  /** When the basket's holds expire at the latest, counted from when it was opened. */
  public Instant expiresAt() {
    return opened.openedAt().plus(opened.ttl());
  }

  /**
   * The basket as clients see it: its status, each item with its hold (while the basket is being decided) or its
   * reservation (once confirmed), and for a basket that did not go through, which item could not be had and why.
   */
  public JsonObject toJson() {
    JsonArray items = new JsonArray();
    for (int i = 0; i < items().size(); i++) {
      Item item = items().get(i);
      JsonObject view = new JsonObject().put("poolId", item.poolId()).put("units", item.units());
      String id = holdIds.get(i);
      if (id != null && (phase == Phase.CONFIRMED || phase == Phase.RELEASING || phase == Phase.RELEASED)) {
        view.put("reservationId", id);
      } else if (id != null && !phase.finished()) {
        view.put("holdId", id);
      }
      items.add(view);
    }
    JsonObject view = new JsonObject().put("basketId", basketId).put("orderId", orderId())
        .put("status", phase.wireName()).put("items", items).put("openedAt", opened.openedAt().toString());
    if (!phase.finished()) {
      view.put("expiresAt", expiresAt().toString());
    }
    if (cause != null) {
      JsonObject refusal = new JsonObject();
      if (cause.poolId() != null) {
        refusal.put("poolId", cause.poolId()).put("units", unitsOf(cause.poolId()));
      }
      view.put("refusal", refusal.put("error", cause.error()).put("message", cause.message()));
    }
    return view;
  }

  private int unitsOf(String poolId) {
    return items().stream().filter(item -> item.poolId().equals(poolId)).mapToInt(Item::units).findFirst().orElse(0);
  }
}
