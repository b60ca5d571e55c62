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
}
