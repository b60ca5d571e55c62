package io.tally.basket;

import io.tally.config.BasketConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or undoes the baskets whose coordinator went quiet (it crashed, or its node left mid-basket): every
 * {@code baskets.sweepMs}, the baskets not moved on for {@code baskets.recoverAfterMs} whose shard this node serves
 * are carried on from their last recorded step. Two nodes that both believe they serve a shard may both try; the
 * basket's stream lets one step be recorded once, so that costs a repeated request, never a second outcome.
 */
public final class BasketRecovery extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BasketRecovery.class);
  /** The most baskets one sweep carries on; the next sweep takes the rest. */
  private static final int MAX_PER_SWEEP = 200;

  private final BasketStore store;
  private final BasketCoordinator coordinator;
  private final BasketConfig config;
  private final Predicate<String> mine;
  private boolean sweeping;

  /**
   * @param mine whether this node serves the shard a basket's id falls in
   */
  public BasketRecovery(BasketStore store, BasketCoordinator coordinator, BasketConfig config,
      Predicate<String> mine) {
    this.store = store;
    this.coordinator = coordinator;
    this.config = config;
    this.mine = mine;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(config.sweep().toMillis(), tick -> sweep());
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.idle(config.recoverAfter(), MAX_PER_SWEEP)
        .compose(idle -> recover(idle.stream().filter(mine).toList()))
        .onFailure(failure -> log.warn("Could not look for baskets to recover: {}", failure.toString()))
        .onComplete(done -> sweeping = false);
  }

  private Future<Void> recover(List<String> baskets) {
    return Future.join(baskets.stream().map(basketId -> coordinator.recover(basketId)
        .onSuccess(basket -> {
          if (basket != null) {
            log.info("Recovered basket {}: {}", basketId, basket.phase().wireName());
          }
        })
        .onFailure(failure -> log.info("Basket {} is not recovered yet ({}); the next sweep tries again", basketId,
            failure.getMessage()))).toList()).mapEmpty();
  }
}
