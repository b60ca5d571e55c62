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

  record CapacityReserved(String reservationId, String orderId, int units) implements PoolEvent {
  }

  record ReservationReleased(String reservationId, int units) implements PoolEvent {
  }
}
