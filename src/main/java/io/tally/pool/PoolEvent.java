package io.tally.pool;

import java.time.Instant;
import java.util.List;

/** What happened to a pool. Events are facts: {@link PoolDecider#evolve} applies them and never refuses one. */
public sealed interface PoolEvent {

  /**
   * @param cutoff the moment from which the pool takes no new reservations or holds; {@code null} when it takes
   *     them until it is closed
   */
  record PoolDefined(String poolId, int capacity, Slot slot, List<String> regions, Instant cutoff)
      implements PoolEvent {
    public PoolDefined {
      regions = List.copyOf(regions);
    }

    /** A pool without a cut-off. */
    public PoolDefined(String poolId, int capacity, Slot slot, List<String> regions) {
      this(poolId, capacity, slot, regions, null);
    }
  }

  record CapacityChanged(int capacity) implements PoolEvent {
  }

  record PoolClosed() implements PoolEvent {
  }

  record PoolReopened() implements PoolEvent {
  }

  /**
   * @param region the order's region, {@code null} when not known
   * @param channel how the order is fulfilled, {@code null} when not known
   */
  record CapacityReserved(String reservationId, String orderId, int units, String region, Channel channel)
      implements PoolEvent {

    /** A reservation whose region and channel are not known. */
    public CapacityReserved(String reservationId, String orderId, int units) {
      this(reservationId, orderId, units, null, null);
    }
  }

  /** @param region the released reservation's region, {@code null} when not known */
  record ReservationReleased(String reservationId, int units, String region) implements PoolEvent {

    /** The release of a reservation whose region is not known. */
    public ReservationReleased(String reservationId, int units) {
      this(reservationId, units, null);
    }
  }

  /** Units set aside for an order until {@code expiresAt}; the hold's id is the reservation id it may become. */
  record HoldPlaced(String holdId, String orderId, int units, String region, Channel channel, Instant placedAt,
      Instant expiresAt) implements PoolEvent {
  }

  record HoldExtended(String holdId, Instant expiresAt) implements PoolEvent {
  }

  /** The hold became the reservation with the same id; its units stay taken. */
  record HoldConfirmed(String holdId, String orderId, int units, String region, Channel channel)
      implements PoolEvent {
  }

  record HoldCancelled(String holdId, int units, String region) implements PoolEvent {
  }

  /** The hold's time was up before it was confirmed or cancelled: its units are free again. */
  record HoldExpired(String holdId, int units, String region, Instant expiresAt) implements PoolEvent {
  }

  /**
   * An operator put the pool back as it was at {@code at}, its events up to {@code asOfSeq}: the capacity and status
   * it had then, and the reservations live then. Reservations made since (holds confirmed since included) are voided,
   * reservations released since are live again, holds placed since are cancelled. A hold live then and still live
   * stays as it is, and one that ended since stays ended: its checkout has moved on. No earlier event changes, so the
   * pool's history, and the pool as it was at any moment, stay as they were.
   *
   * @param voided the reservations live before the reset and not at {@code at}
   * @param restored the reservations live at {@code at} and released since: the releases the reset undoes
   * @param cancelledHolds the holds live before the reset that were placed after {@code at}
   */
  record PoolReset(Instant at, long asOfSeq, String reason, int capacity, PoolStatus status, List<Claim> voided,
      List<Claim> restored, List<Claim> cancelledHolds) implements PoolEvent {
    public PoolReset {
      voided = List.copyOf(voided);
      restored = List.copyOf(restored);
      cancelledHolds = List.copyOf(cancelledHolds);
    }

    /** Units an order has of the pool, as a reservation or a hold with {@code id}. */
    public record Claim(String id, String orderId, int units, String region, Channel channel) {
    }
  }
}
