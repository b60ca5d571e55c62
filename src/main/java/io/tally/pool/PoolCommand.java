package io.tally.pool;

import java.time.Duration;
import java.time.Instant;
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
  /** How long a hold lives when its request does not say. */
  Duration DEFAULT_HOLD_TTL = Duration.ofMinutes(10);
  /** The longest a hold lives from when it was placed, extensions included. */
  Duration MAX_HOLD_TTL = Duration.ofHours(1);

  String poolId();

  /** @param cutoff from when the pool refuses new reservations and holds; {@code null} for never */
  record DefinePool(String poolId, int capacity, Slot slot, List<String> regions, Instant cutoff)
      implements PoolCommand {
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
      if (cutoff != null && !cutoff.isBefore(slot.end())) {
        throw new InvalidCommand("invalid_cutoff", "cutoff must be before the slot ends");
      }
    }

    /** A pool without a cut-off. */
    public DefinePool(String poolId, int capacity, Slot slot, List<String> regions) {
      this(poolId, capacity, slot, regions, null);
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
      requireOrder(poolId, orderId, units, region);
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

  /**
   * Sets units aside for an order for {@code ttl}; like a reservation, it is idempotent by {@code orderId}.
   *
   * @param region the order's region, which must be one the pool serves; {@code null} when not said
   * @param channel how the order is fulfilled; {@code null} when not said
   */
  record PlaceHold(String poolId, String orderId, int units, String region, Channel channel, Duration ttl)
      implements PoolCommand {
    public PlaceHold {
      requireOrder(poolId, orderId, units, region);
      requireTtl(ttl);
    }
  }

  /** Turns a hold into the reservation with the same id. */
  record ConfirmHold(String holdId) implements PoolCommand {
    public ConfirmHold {
      requireHoldId(holdId);
    }

    @Override
    public String poolId() {
      return Ids.poolOfReservation(holdId).orElseThrow();
    }
  }

  /** Gives a hold's units back before it expires. */
  record CancelHold(String holdId) implements PoolCommand {
    public CancelHold {
      requireHoldId(holdId);
    }

    @Override
    public String poolId() {
      return Ids.poolOfReservation(holdId).orElseThrow();
    }
  }

  /** Lets a hold live {@code ttl} from now, within {@link #MAX_HOLD_TTL} of when it was placed. */
  record ExtendHold(String holdId, Duration ttl) implements PoolCommand {
    public ExtendHold {
      requireHoldId(holdId);
      requireTtl(ttl);
    }

    @Override
    public String poolId() {
      return Ids.poolOfReservation(holdId).orElseThrow();
    }
  }

  /** Expires the pool's holds whose time is up; sent by the pool's owner, not by clients. */
  record ExpireHolds(String poolId) implements PoolCommand {
    public ExpireHolds {
      requirePoolId(poolId);
    }
  }

  /** The rules a reservation and a hold share. */
  private static void requireOrder(String poolId, String orderId, int units, String region) {
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

  private static void requireHoldId(String holdId) {
    if (Ids.parseReservation(holdId).isEmpty()) {
      throw new InvalidCommand("invalid_hold_id", "holdId must have the shape <poolId>~<number>");
    }
  }

  private static void requireTtl(Duration ttl) {
    if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_HOLD_TTL) > 0) {
      throw new InvalidCommand("invalid_ttl", "ttlSeconds must be a whole number from 1 to "
          + MAX_HOLD_TTL.toSeconds());
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
