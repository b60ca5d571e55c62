package io.tally.pool;

import java.time.Instant;

/**
 * Units of a pool set aside for an order while its customer pays: they count against capacity like a reservation,
 * until the hold is confirmed (it becomes the reservation with the same id), cancelled, or expires.
 *
 * @param region the order's region, one the pool serves; {@code null} when not known
 * @param channel how the order is fulfilled; {@code null} when not known
 * @param placedAt when the hold was placed: it lives at most {@link PoolCommand#MAX_HOLD_TTL} from then
 * @param expiresAt when the hold gives its units back unless it was confirmed or cancelled first
 */
public record Hold(String holdId, String orderId, int units, String region, Channel channel, Instant placedAt,
    Instant expiresAt) {

  /** Whether the hold's time is up at {@code now}: a hold expires at its {@code expiresAt}, not after it. */
  public boolean expiredAt(Instant now) {
    return !expiresAt.isAfter(now);
  }

  /** The latest {@code expiresAt} an extension may give this hold. */
  public Instant latestExpiry() {
    return placedAt.plus(PoolCommand.MAX_HOLD_TTL);
  }

  Hold extendedTo(Instant newExpiry) {
    return new Hold(holdId, orderId, units, region, channel, placedAt, newExpiry);
  }

  /** The reservation a confirmed hold becomes: same id, order, units, region and channel. */
  Reservation confirmed() {
    return new Reservation(holdId, orderId, units, region, channel);
  }
}
