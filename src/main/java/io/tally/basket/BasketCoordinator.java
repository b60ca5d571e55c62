package io.tally.basket;

import io.tally.basket.Basket.Phase;
import io.tally.basket.BasketEvent.Cause;
import io.tally.basket.BasketEvent.Confirming;
import io.tally.basket.BasketEvent.Refusing;
import io.tally.basket.BasketEvent.Step;
import io.tally.basket.BasketEvent.Undoing;
import io.tally.basket.BasketStore.Conflict;
import io.tally.config.BasketConfig;
import io.tally.contract.Commands;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one order over several pools, all or none, on top of holds: it holds every item at once, confirms every hold
 * once all were granted, and gives the granted ones back when one was refused. Each decision is recorded in the
 * basket's stream before anything acts on it, and each effect on a pool is idempotent (a hold by its order, a
 * confirmation and a release by the hold's id), so any node can carry a basket on from its last recorded step: the
 * node that took the request, a retry of it, or recovery after that node crashed. A coordinator that finds a step
 * already recorded by another follows that one. Nothing is answered before the basket rests: confirmed (201, one
 * reservation per item), or refused or undone (409, naming the item) with nothing kept in any pool.
 *
 * <p>What cannot be decided now (a pool's owner does not answer, the stream cannot be written) leaves the basket
 * where it is and is answered 503: retrying with the same {@code orderId} is safe, and recovery carries it on if
 * nobody retries. The holds' time to live is the last safety net: nothing stays held past it.
 */
public final class BasketCoordinator {

  private static final Logger log = LoggerFactory.getLogger(BasketCoordinator.class);

  private final Commands pools;
  private final BasketStore store;
  private final BasketConfig config;
  private final Clock clock;

  /** A step that could not be taken now; the basket stays where its stream says, and may be carried on. */
  static final class Pending extends RuntimeException {
    Pending(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param pools where the holds, confirmations and releases go: the pools' owners
   */
  public BasketCoordinator(Commands pools, BasketStore store, BasketConfig config, Clock clock) {
    this.pools = pools;
    this.store = store;
    this.config = config;
    this.clock = clock;
  }

  /**
   * Opens a basket and carries it to where it rests, or carries on the basket this order already has: a retried
   * basket gets the outcome of the first, whatever items it names.
   */
  public Future<Reply> open(JsonObject json) {
    BasketRequest request;
    try {
      request = BasketRequest.fromJson(json, config.holdTtl());
    } catch (Refusal refusal) {
      return Future.succeededFuture(Reply.refused(refusal));
    }
    String basketId = request.orderId();
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    return store.open(basketId, request.opened(now)).map(opened -> new Found(opened, true))
        .recover(failure -> failure instanceof Conflict
            ? store.read(basketId).map(existing -> new Found(existing, false)) : Future.failedFuture(failure))
        .compose(found -> carryOn(found.basket()).map(basket -> answer(basket, found.opened())))
        .recover(failure -> Future.succeededFuture(unfinished(basketId, failure)));
  }

  /** A basket this request opened, or the one its order already had. */
  private record Found(Basket basket, boolean opened) {
  }

  /**
   * Releases every item of a confirmed basket. A basket still being decided is first carried to where it rests;
   * one that did not go through keeps nothing, and is answered as it is.
   */
  public Future<Reply> release(String basketId) {
    return store.read(basketId).compose(found -> {
      if (found == null) {
        return Future.succeededFuture(notFound(basketId));
      }
      return carryOn(found)
          .compose(basket -> basket.phase() == Phase.CONFIRMED ? record(basket, Step.RELEASING)
              : Future.succeededFuture(basket))
          .map(basket -> Reply.ok(basket.toJson()));
    }).recover(failure -> Future.succeededFuture(unfinished(basketId, failure)));
  }

  /** The basket as its stream tells it now. */
  public Future<Reply> get(String basketId) {
    return store.read(basketId).map(basket -> basket == null ? notFound(basketId) : Reply.ok(basket.toJson()))
        .recover(failure -> Future.succeededFuture(unfinished(basketId, failure)));
  }

  /** Carries on a basket whose coordinator went quiet; completes with the basket where it rests, or fails. */
  public Future<Basket> recover(String basketId) {
    return store.read(basketId).compose(basket -> basket == null ? Future.succeededFuture() : carryOn(basket));
  }

  /** The basket carried from its last recorded step to where it rests. */
  private Future<Basket> carryOn(Basket basket) {
    return switch (basket.phase()) {
      case OPEN -> hold(basket).compose(decision -> record(basket, decision));
      case CONFIRMING -> confirm(basket).compose(outcome -> record(basket, outcome));
      case REFUSING -> giveBack(basket).compose(given -> record(basket, Step.REFUSED));
      case UNDOING -> giveBack(basket).compose(given -> record(basket, Step.UNDONE));
      case RELEASING -> giveBack(basket).compose(given -> record(basket, Step.RELEASED));
      case CONFIRMED, REFUSED, UNDONE, RELEASED -> Future.succeededFuture(basket);
    };
  }

  /**
   * Records the next step and carries on from it. If another coordinator recorded one first, carries on from that
   * one instead, after giving back the holds this one placed that the recorded step does not name (when the two
   * decided the same basket, this one's holds placed after the other's were given back, say); a step after the
   * decision names the same holds, so nothing is given back for it.
   */
  private Future<Basket> record(Basket basket, BasketEvent event) {
    return store.append(basket, event).recover(failure -> {
      if (!(failure instanceof Conflict)) {
        return Future.failedFuture(failure);
      }
      List<String> mine = basket.then(event).holdIds();
      return store.read(basket.basketId()).compose(recorded -> {
        List<Future<Reply>> released = new ArrayList<>();
        for (String holdId : mine) {
          if (holdId != null && !recorded.holdIds().contains(holdId)) {
            released.add(pools.send(new JsonObject().put("type", "release").put("reservationId", holdId)));
          }
        }
        return Future.join(released).map(recorded); // what could not be given back expires with its hold
      });
    }).compose(this::carryOn);
  }

  /**
   * Holds every item at once, for what is left of the basket's time to live, and decides: confirming if all were
   * granted, refusing (with the holds granted) if one was refused. A basket whose time is up is refused without
   * holding anything: whatever its holds were, they expired.
   */
  private Future<BasketEvent> hold(Basket basket) {
    Instant now = clock.instant();
    Duration left = Duration.between(now, basket.expiresAt());
    if (left.toMillis() < 1_000) {
      return Future.succeededFuture(new Refusing(new Cause(null, "basket_expired", "the basket's time to live ("
          + basket.opened().ttl().toSeconds() + " s) ran out before it was decided"),
          Collections.nCopies(basket.items().size(), null)));
    }
    int ttlSeconds = (int) left.toSeconds();
    return each(basket, i -> new JsonObject().put("type", "hold").put("poolId", basket.items().get(i).poolId())
        .put("orderId", basket.orderId()).put("units", basket.items().get(i).units())
        .put("region", basket.opened().region()).put("channel", basket.opened().channel())
        .put("ttlSeconds", ttlSeconds))
        .map(replies -> {
          List<String> held = new ArrayList<>(Collections.nCopies(replies.size(), null));
          for (int i = 0; i < replies.size(); i++) {
            if (replies.get(i).succeeded()) {
              held.set(i, replies.get(i).body().getString("holdId"));
            }
          }
          Cause refused = firstRefusal(basket, replies);
          if (refused != null) {
            return new Refusing(refused, held);
          }
          requireAnswered(basket, replies, "held");
          return new Confirming(held);
        });
  }

  /** Confirms every hold: all confirmed, or the first that could not be is why every item is given back. */
  private Future<BasketEvent> confirm(Basket basket) {
    return each(basket, i -> new JsonObject().put("type", "confirm").put("holdId", basket.holdIds().get(i)))
        .map(replies -> {
          Cause unconfirmed = firstRefusal(basket, replies);
          if (unconfirmed != null) {
            return new Undoing(unconfirmed);
          }
          requireAnswered(basket, replies, "confirmed");
          return Step.CONFIRMED;
        });
  }

  /**
   * Gives back every hold or reservation the basket has (releasing a hold's id cancels the hold, releasing a
   * reservation twice releases it once, and an expired hold has nothing left to give).
   */
  private Future<Void> giveBack(Basket basket) {
    return each(basket, i -> basket.holdIds().get(i) == null ? null
        : new JsonObject().put("type", "release").put("reservationId", basket.holdIds().get(i)))
        .map(replies -> {
          requireAnswered(basket, replies, "given back");
          return null;
        });
  }

  /** Sends one request per item (none where {@code request} gives null) at once; replies in item order. */
  private Future<List<Reply>> each(Basket basket, Function<Integer, JsonObject> request) {
    List<Future<Reply>> sent = new ArrayList<>();
    for (int i = 0; i < basket.items().size(); i++) {
      JsonObject json = request.apply(i);
      sent.add(json == null ? Future.succeededFuture(Reply.ok(new JsonObject())) : pools.send(json));
    }
    return Future.all(sent).map(all -> {
      List<Reply> replies = new ArrayList<>(sent.size());
      sent.forEach(future -> replies.add(future.result()));
      return replies;
    });
  }

  /** The first item, in item order, whose pool refused outright (a 4xx; a 5xx is an outcome not known yet). */
  private static Cause firstRefusal(Basket basket, List<Reply> replies) {
    for (int i = 0; i < replies.size(); i++) {
      Reply reply = replies.get(i);
      if (!reply.succeeded() && reply.status() < 500) {
        return new Cause(basket.items().get(i).poolId(), reply.error(), reply.body().getString("message"));
      }
    }
    return null;
  }

  /** @throws Pending if an item's pool did not answer with an outcome */
  private static void requireAnswered(Basket basket, List<Reply> replies, String what) {
    for (int i = 0; i < replies.size(); i++) {
      Reply reply = replies.get(i);
      if (reply.status() >= 500) {
        throw new Pending("item " + basket.items().get(i).poolId() + " could not be " + what + " just now ("
            + reply.body().getString("message") + ")");
      }
    }
  }

  /** A basket where it rests, as the answer to the request that opened it ({@code opened}) or to a retry. */
  private static Reply answer(Basket basket, boolean opened) {
    return switch (basket.phase()) {
      case CONFIRMED -> opened ? Reply.basketConfirmed(basket.toJson()) : Reply.ok(basket.toJson());
      case REFUSED, UNDONE -> Reply.basketRefused(basket.toJson(), refusalMessage(basket.cause()));
      default -> Reply.ok(basket.toJson());
    };
  }

  private static String refusalMessage(Cause cause) {
    String why = cause.poolId() == null ? cause.message()
        : "pool " + cause.poolId() + " could not be had (" + cause.error() + ": " + cause.message() + ")";
    return why + "; no pool keeps anything of this basket";
  }

  private static Reply notFound(String basketId) {
    return Reply.refused(Refusal.notFound("basket_not_found", "no basket " + basketId));
  }

  /** A basket that could not be carried to where it rests now: where it is, and that retrying is safe. */
  private static Reply unfinished(String basketId, Throwable failure) {
    if (!(failure instanceof Pending)) {
      log.warn("Basket {} could not be carried on: {}", basketId, failure.toString(), failure);
    }
    String why = failure instanceof Pending ? failure.getMessage() : "its progress could not be read or recorded";
    return Reply.refused(new Refusal(503, "basket_pending", "basket " + basketId + " is not finished: " + why
        + "; retrying with the same orderId is safe, and it is finished or undone without one"));
  }
}
