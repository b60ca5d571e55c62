package io.tally.basket;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A step of a basket, as its stream records it under a stable, versioned name. A basket is opened, then decided
 * (every hold granted: confirming; one refused: refusing), and ends confirmed, refused, or undone when a hold could
 * not be confirmed after all; a confirmed basket may later be released. Each intermediate step names what is left
 * to do, so that whoever reads the stream can do it.
 */
public sealed interface BasketEvent {

  /** The stored name of the event; it never changes once written. */
  String type();

  /** The stored payload; empty for the steps whose name says everything. */
  default JsonObject toJson() {
    return new JsonObject();
  }

  /** One pool of a basket and the units it needs there. */
  record Item(String poolId, int units) {
  }

  /** A basket was asked for: the order, its items, and how long its holds live. */
  record Opened(String orderId, List<Item> items, String region, String channel, Duration ttl, Instant openedAt)
      implements BasketEvent {
    public Opened {
      items = List.copyOf(items);
    }

    @Override
    public String type() {
      return "basket.opened.v1";
    }

    @Override
    public JsonObject toJson() {
      JsonArray stored = new JsonArray();
      items.forEach(item -> stored.add(new JsonObject().put("poolId", item.poolId()).put("units", item.units())));
      return new JsonObject().put("orderId", orderId).put("items", stored).put("region", region)
          .put("channel", channel).put("ttlSeconds", ttl.toSeconds()).put("openedAt", openedAt.toString());
    }
  }

  /** Every item's hold was granted; the holds, in item order, are to be confirmed. */
  record Confirming(List<String> holdIds) implements BasketEvent {
    public Confirming {
      holdIds = List.copyOf(holdIds);
    }

    @Override
    public String type() {
      return "basket.confirming.v1";
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("holdIds", new JsonArray(new ArrayList<>(holdIds)));
    }
  }

  /**
   * An item could not be had ({@code cause}); the holds granted so far (in item order, null where none is known) are
   * to be given back.
   */
  record Refusing(Cause cause, List<String> holdIds) implements BasketEvent {
    public Refusing {
      holdIds = Collections.unmodifiableList(new ArrayList<>(holdIds)); // keeps the nulls of items not held
    }

    @Override
    public String type() {
      return "basket.refusing.v1";
    }

    @Override
    public JsonObject toJson() {
      return cause.toJson().put("holdIds", new JsonArray(new ArrayList<>(holdIds)));
    }
  }

  /** A decided basket's hold could not be confirmed ({@code cause}); every item is to be given back. */
  record Undoing(Cause cause) implements BasketEvent {
    @Override
    public String type() {
      return "basket.undoing.v1";
    }

    @Override
    public JsonObject toJson() {
      return cause.toJson();
    }
  }

  /**
   * The steps whose name says everything: each follows one phase and leads to the next.
   */
  enum Step implements BasketEvent {
    /** Every hold became a reservation with the same id. */
    CONFIRMED("basket.confirmed.v1", Basket.Phase.CONFIRMING, Basket.Phase.CONFIRMED),
    /** A refused basket gave back every hold it had. */
    REFUSED("basket.refused.v1", Basket.Phase.REFUSING, Basket.Phase.REFUSED),
    /** An undone basket gave back every item. */
    UNDONE("basket.undone.v1", Basket.Phase.UNDOING, Basket.Phase.UNDONE),
    /** A confirmed basket's reservations are to be released. */
    RELEASING("basket.releasing.v1", Basket.Phase.CONFIRMED, Basket.Phase.RELEASING),
    /** Every reservation of the basket was released. */
    RELEASED("basket.released.v1", Basket.Phase.RELEASING, Basket.Phase.RELEASED);

    private final String type;
    private final Basket.Phase follows;
    private final Basket.Phase leadsTo;

    Step(String type, Basket.Phase follows, Basket.Phase leadsTo) {
      this.type = type;
      this.follows = follows;
      this.leadsTo = leadsTo;
    }

    @Override
    public String type() {
      return type;
    }

    Basket.Phase follows() {
      return follows;
    }

    Basket.Phase leadsTo() {
      return leadsTo;
    }
  }

  /** Why an item could not be had: its pool and the pool's refusal. */
  record Cause(String poolId, String error, String message) {
    JsonObject toJson() {
      return new JsonObject().put("poolId", poolId).put("error", error).put("message", message);
    }

    static Cause fromJson(JsonObject json) {
      return new Cause(json.getString("poolId"), json.getString("error"), json.getString("message"));
    }
  }

  /** @throws IllegalArgumentException for a type this release does not know */
  static BasketEvent decode(String type, JsonObject payload) {
    return switch (type) {
      case "basket.opened.v1" -> opened(payload);
      case "basket.confirming.v1" -> new Confirming(ids(payload));
      case "basket.refusing.v1" -> new Refusing(Cause.fromJson(payload), ids(payload));
      case "basket.undoing.v1" -> new Undoing(Cause.fromJson(payload));
      default -> Arrays.stream(Step.values()).filter(step -> step.type().equals(type)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown basket event type " + type));
    };
  }

  private static Opened opened(JsonObject payload) {
    List<Item> items = new ArrayList<>();
    for (Object item : payload.getJsonArray("items")) {
      JsonObject stored = (JsonObject) item;
      items.add(new Item(stored.getString("poolId"), stored.getInteger("units")));
    }
    return new Opened(payload.getString("orderId"), items, payload.getString("region"), payload.getString("channel"),
        Duration.ofSeconds(payload.getLong("ttlSeconds")), Instant.parse(payload.getString("openedAt")));
  }

  private static List<String> ids(JsonObject payload) {
    List<String> ids = new ArrayList<>();
    payload.getJsonArray("holdIds").forEach(id -> ids.add((String) id));
    return ids;
  }
}
