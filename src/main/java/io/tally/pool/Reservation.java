package io.tally.pool;

/** Units of a pool held for one order. */
public record Reservation(String reservationId, String orderId, int units) {
}
