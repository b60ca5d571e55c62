package io.tally.pool;

/**
 * Units of a pool held for one order.
 *
 * @param region the order's region, one the pool serves; {@code null} when it is not known (the storefront did not
 *     say, or the reservation was made before reservations recorded it)
 * @param channel how the order is fulfilled; {@code null} when not known
 */
public record Reservation(String reservationId, String orderId, int units, String region, Channel channel) {

  /** A reservation whose region and channel are not known. */
  public Reservation(String reservationId, String orderId, int units) {
    this(reservationId, orderId, units, null, null);
  }
}
