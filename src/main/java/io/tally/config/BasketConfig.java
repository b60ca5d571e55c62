package io.tally.config;

import java.time.Duration;

/**
 * How baskets (one order over several pools, all or none) are coordinated and recovered.
 *
 * @param holdTtl how long a basket's holds live when its request names no {@code ttlSeconds}: the last safety net,
 *     the longest any pool keeps part of a basket whose coordinator vanished and that nobody recovered
 * @param recoverAfter how long a basket may go without a step before the owner of its shard takes it over and
 *     finishes or undoes it; a coordinator that is merely slow loses nothing by it, because each step is recorded
 *     once and every effect is idempotent
 * @param sweep how often an aggregate node looks for baskets to recover
 */
public record BasketConfig(Duration holdTtl, Duration recoverAfter, Duration sweep) {

  public BasketConfig {
    if (recoverAfter.plus(sweep).compareTo(holdTtl) >= 0) {
      throw new ConfigException("baskets.recoverAfterMs", "plus baskets.sweepMs (" + recoverAfter.plus(sweep).toMillis()
          + " ms) must be shorter than baskets.holdTtlSeconds (" + holdTtl.toSeconds() + " s), so that a basket whose"
          + " coordinator crashed is finished before its holds expire");
    }
  }

  static BasketConfig from(Section section) {
    return new BasketConfig(
        Duration.ofSeconds(section.integer("holdTtlSeconds", 60, 1, 3_600)),
        section.millis("recoverAfterMs", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMinutes(30)),
        section.millis("sweepMs", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)));
  }
}
