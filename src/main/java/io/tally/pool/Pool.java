package io.tally.pool;

import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A capacity pool as an immutable value. Changes return a new pool that shares structure with the old one, so a
 * batch of decisions that fails to commit is undone by keeping the previous value.
 *
 * @param reservationsIssued how many reservation ids were ever handed out; ids are numbered from 1, so any number
 *     up to this one that is not live was released
 * @param reservations live reservations by id
 * @param orders the live reservation id of each order
 */
public record Pool(
    String poolId,
    int capacity,
    long reserved,
    PoolStatus status,
    Slot slot,
    List<String> regions,
    long reservationsIssued,
    PMap<String, Reservation> reservations,
    PMap<String, String> orders) {

  public Pool {
    regions = List.copyOf(regions);
  }

  static Pool defined(PoolEvent.PoolDefined defined) {
    return new Pool(defined.poolId(), defined.capacity(), 0, PoolStatus.OPEN, defined.slot(), defined.regions(), 0,
        HashTreePMap.empty(), HashTreePMap.empty());
  }

  /** Units that can still be reserved; never negative, even after capacity was lowered below {@code reserved}. */
  public long remaining() {
    return Math.max(0, capacity - reserved);
  }

  public Optional<Reservation> reservationOf(String orderId) {
    String reservationId = orders.get(orderId);
    return reservationId == null ? Optional.empty() : Optional.ofNullable(reservations.get(reservationId));
  }

  public Optional<Reservation> reservation(String reservationId) {
    return Optional.ofNullable(reservations.get(reservationId));
  }

  Pool withCapacity(int newCapacity) {
    return new Pool(poolId, newCapacity, reserved, status, slot, regions, reservationsIssued, reservations, orders);
  }

  Pool withStatus(PoolStatus newStatus) {
    return new Pool(poolId, capacity, reserved, newStatus, slot, regions, reservationsIssued, reservations, orders);
  }

  Pool withReservation(Reservation reservation, long number) {
    return new Pool(poolId, capacity, reserved + reservation.units(), status, slot, regions,
        Math.max(reservationsIssued, number),
        reservations.plus(reservation.reservationId(), reservation),
        orders.plus(reservation.orderId(), reservation.reservationId()));
  }

  Pool withoutReservation(String reservationId) {
    Reservation released = reservations.get(reservationId);
    if (released == null) {
      return this;
    }
    return new Pool(poolId, capacity, reserved - released.units(), status, slot, regions, reservationsIssued,
        reservations.minus(reservationId), orders.minus(released.orderId()));
  }
}
