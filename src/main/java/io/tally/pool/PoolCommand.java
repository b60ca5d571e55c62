package io.tally.pool;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What operators and customers ask of a pool. Every command validates itself when built, so a command that exists
 * is well-formed; {@link PoolDecider#decide} only has to apply business rules.
 */
public sealed interface PoolCommand {

  int MAX_CAPACITY = 1_000_000_000;
  int MAX_UNITS = 10_000;
  int MAX_REGIONS = 1_000;

  String poolId();

  record DefinePool(String poolId, int capacity, Slot slot, List<String> regions) implements PoolCommand {
    public DefinePool {
      requirePoolId(poolId);
      requireCapacity(capacity);
      if (slot == null) {
        throw new InvalidCommand("invalid_slot", "slot with start and end is required");
      }
      if (!slot.start().isBefore(slot.end())) {
        throw new InvalidCommand("invalid_slot", "slot start must be before slot end");
      }
      if (regions == null || regions.isEmpty()) {
        throw new InvalidCommand("invalid_regions", "regions must list at least one region");
      }
      if (regions.size() > MAX_REGIONS) {
        throw new InvalidCommand("invalid_regions", "regions may list at most " + MAX_REGIONS + " regions");
      }
      for (String region : regions) {
        if (!Ids.isRegion(region)) {
          throw new InvalidCommand("invalid_regions",
              "each region must be 1-" + Ids.MAX_REGION_LENGTH + " printable characters");
        }
      }
      regions = List.copyOf(regions.stream().distinct().toList());
    }
  }

  /** Changes capacity, status or both; a field left empty stays as it is. */
  record ChangePool(String poolId, OptionalInt capacity, Optional<PoolStatus> status) implements PoolCommand {
    public ChangePool {
      requirePoolId(poolId);
      if (capacity == null || status == null) {
        throw new NullPointerException("use empty optionals for unchanged fields");
      }
      if (capacity.isEmpty() && status.isEmpty()) {
        throw new InvalidCommand("invalid_change", "a change names capacity, status or both");
      }
      capacity.ifPresent(PoolCommand::requireCapacity);
    }
  }

  /**
   * @param region the order's region, which must be one the pool serves; {@code null} when the storefront does not
   *     say
   * @param channel how the order is fulfilled; {@code null} when the storefront does not say
   */
  record Reserve(String poolId, String orderId, int units, String region, Channel channel) implements PoolCommand {
    public Reserve {
      requirePoolId(poolId);
      if (!Ids.isOrderId(orderId)) {
        throw new InvalidCommand("invalid_order_id",
            "orderId must be 1-" + Ids.MAX_ORDER_ID_LENGTH + " printable characters");
      }
      if (units < 1 || units > MAX_UNITS) {
        throw new InvalidCommand("invalid_units", "units must be an integer from 1 to " + MAX_UNITS);
      }
      if (region != null && !Ids.isRegion(region)) {
        throw new InvalidCommand("invalid_region", Ids.REGION_RULE);
      }
    }

    /** A reservation that does not say its order's region or channel. */
    public Reserve(String poolId, String orderId, int units) {
      this(poolId, orderId, units, null, null);
    }
  }

  /** Releases a reservation; only its id is known, and the id names the pool. */
  record Release(String reservationId) implements PoolCommand {
    public Release {
      if (Ids.parseReservation(reservationId).isEmpty()) {
        throw new InvalidCommand("invalid_reservation_id", "reservationId must have the shape <poolId>~<number>");
      }
    }

    @Override
    public String poolId() {
      return Ids.parseReservation(reservationId).orElseThrow().poolId();
    }

    public long number() {
      return Ids.parseReservation(reservationId).orElseThrow().number();
    }
  }

  private static void requirePoolId(String poolId) {
    if (!Ids.isPoolId(poolId)) {
      throw new InvalidCommand("invalid_pool_id", Ids.POOL_ID_RULE);
    }
  }

  private static void requireCapacity(int capacity) {
    if (capacity < 0 || capacity > MAX_CAPACITY) {
      throw new InvalidCommand("invalid_capacity", "capacity must be an integer from 0 to " + MAX_CAPACITY);
    }
  }
}
