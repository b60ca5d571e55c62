package io.tally.pool;

import java.util.List;

/** What happened to a pool. Events are facts: {@link PoolDecider#evolve} applies them and never refuses one. */
public sealed interface PoolEvent {

  record PoolDefined(String poolId, int capacity, Slot slot, List<String> regions) implements PoolEvent {
    public PoolDefined {
      regions = List.copyOf(regions);
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
}
