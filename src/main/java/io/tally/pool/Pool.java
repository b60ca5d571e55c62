package io.tally.pool;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A capacity pool as an immutable value. Changes return a new pool that shares structure with the old one, so a
 * batch of decisions that fails to commit is undone by keeping the previous value.
 *
 * @param reserved units of live reservations
 * @param held units of live holds; {@code reserved + held} is what counts against capacity
 * @param cutoff from when the pool takes no new reservations or holds; {@code null} for never
 * @param reservationsIssued how many reservation and hold ids were ever handed out (one sequence: a confirmed hold
 *     keeps its id as a reservation); ids are numbered from 1, so any number up to this one that is neither live
 *     nor an ended hold was released
 * @param reservations live reservations by id
 * @param holds live holds by id
 * @param endedHolds how each hold that did not become a reservation ended, by id
 * @param orders the live reservation or hold id of each order
 */
public record Pool(
    String poolId,
    int capacity,
    long reserved,
    long held,
    PoolStatus status,
    Slot slot,
    List<String> regions,
    Instant cutoff,
    long reservationsIssued,
    PMap<String, Reservation> reservations,
    PMap<String, Hold> holds,
    PMap<String, HoldOutcome> endedHolds,
    PMap<String, String> orders) {

  private static final Comparator<Hold> BY_EXPIRY = Comparator.comparing(Hold::expiresAt)
      .thenComparing(Hold::holdId);

  public Pool {
    regions = List.copyOf(regions);
  }

  static Pool defined(PoolEvent.PoolDefined defined) {
    return new Pool(defined.poolId(), defined.capacity(), 0, 0, PoolStatus.OPEN, defined.slot(), defined.regions(),
        defined.cutoff(), 0, HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty());
  }

  /**
   * Units that can still be reserved or held; never negative, even after capacity was lowered below
   * {@code reserved + held}.
   */
  public long remaining() {
    return Math.max(0, capacity - reserved - held);
  }

  /** Whether the cut-off has passed at {@code now}: from the cut-off on, nothing new is reserved or held. */
  public boolean pastCutoff(Instant now) {
    return cutoff != null && !now.isBefore(cutoff);
  }

  public Optional<Reservation> reservationOf(String orderId) {
    String reservationId = orders.get(orderId);
    return reservationId == null ? Optional.empty() : Optional.ofNullable(reservations.get(reservationId));
  }

  public Optional<Reservation> reservation(String reservationId) {
    return Optional.ofNullable(reservations.get(reservationId));
  }

  public Optional<Hold> holdOf(String orderId) {
    String holdId = orders.get(orderId);
    return holdId == null ? Optional.empty() : Optional.ofNullable(holds.get(holdId));
  }

  public Optional<Hold> hold(String holdId) {
    return Optional.ofNullable(holds.get(holdId));
  }

  /** When the next live hold expires, if any is live. */
  public Optional<Instant> nextExpiry() {
    return holds.values().stream().map(Hold::expiresAt).min(Comparator.naturalOrder());
  }

  /** The live holds whose time is up at {@code now}, soonest first. */
  List<Hold> expiredAt(Instant now) {
    return holds.values().stream().filter(hold -> hold.expiredAt(now)).sorted(BY_EXPIRY).toList();
  }

  Pool withCapacity(int newCapacity) {
    return new Pool(poolId, newCapacity, reserved, held, status, slot, regions, cutoff, reservationsIssued,
        reservations, holds, endedHolds, orders);
  }

  Pool withStatus(PoolStatus newStatus) {
    return new Pool(poolId, capacity, reserved, held, newStatus, slot, regions, cutoff, reservationsIssued,
        reservations, holds, endedHolds, orders);
  }

  Pool withReservation(Reservation reservation, long number) {
    return new Pool(poolId, capacity, reserved + reservation.units(), held, status, slot, regions, cutoff,
        Math.max(reservationsIssued, number), reservations.plus(reservation.reservationId(), reservation), holds,
        endedHolds, orders.plus(reservation.orderId(), reservation.reservationId()));
  }

  Pool withoutReservation(String reservationId) {
    Reservation released = reservations.get(reservationId);
    if (released == null) {
      return this;
    }
    return new Pool(poolId, capacity, reserved - released.units(), held, status, slot, regions, cutoff,
        reservationsIssued, reservations.minus(reservationId), holds, endedHolds, orders.minus(released.orderId()));
  }

  Pool withHold(Hold hold, long number) {
    return new Pool(poolId, capacity, reserved, held + hold.units(), status, slot, regions, cutoff,
        Math.max(reservationsIssued, number), reservations, holds.plus(hold.holdId(), hold), endedHolds,
        orders.plus(hold.orderId(), hold.holdId()));
  }

  Pool withHoldExpiring(String holdId, Instant expiresAt) {
    Hold hold = holds.get(holdId);
    if (hold == null) {
      return this;
    }
    return new Pool(poolId, capacity, reserved, held, status, slot, regions, cutoff, reservationsIssued,
        reservations, holds.plus(holdId, hold.extendedTo(expiresAt)), endedHolds, orders);
  }

  /** The hold becomes the reservation with its id: its units move from held to reserved. */
  Pool withHoldConfirmed(String holdId) {
    Hold hold = holds.get(holdId);
    if (hold == null) {
      return this;
    }
    Reservation reservation = hold.confirmed();
    return new Pool(poolId, capacity, reserved + hold.units(), held - hold.units(), status, slot, regions, cutoff,
        reservationsIssued, reservations.plus(holdId, reservation), holds.minus(holdId), endedHolds,
        orders.plus(hold.orderId(), holdId));
  }

  Pool withHoldEnded(String holdId, HoldOutcome outcome) {
    Hold hold = holds.get(holdId);
    if (hold == null) {
      return this;
    }
    return new Pool(poolId, capacity, reserved, held - hold.units(), status, slot, regions, cutoff,
        reservationsIssued, reservations, holds.minus(holdId), endedHolds.plus(holdId, outcome),
        orders.minus(hold.orderId()));
  }

  /**
   * The pool as a reset leaves it: the capacity and status it restores, its voided reservations and cancelled holds
   * gone, the reservations it restores live again. Issued ids stay issued, so an id is never handed out twice.
   */
  Pool withReset(PoolEvent.PoolReset reset) {
    PMap<String, Reservation> nextReservations = reservations;
    PMap<String, Hold> nextHolds = holds;
    PMap<String, HoldOutcome> nextEnded = endedHolds;
    PMap<String, String> nextOrders = orders;
    long nextReserved = reserved;
    long nextHeld = held;
    for (PoolEvent.PoolReset.Claim voided : reset.voided()) {
      if (nextReservations.containsKey(voided.id())) {
        nextReservations = nextReservations.minus(voided.id());
        nextReserved -= voided.units();
        nextOrders = withoutOrder(nextOrders, voided);
      }
    }
    for (PoolEvent.PoolReset.Claim cancelled : reset.cancelledHolds()) {
      if (nextHolds.containsKey(cancelled.id())) {
        nextHolds = nextHolds.minus(cancelled.id());
        nextHeld -= cancelled.units();
        nextEnded = nextEnded.plus(cancelled.id(), HoldOutcome.CANCELLED);
        nextOrders = withoutOrder(nextOrders, cancelled);
      }
    }
    for (PoolEvent.PoolReset.Claim restored : reset.restored()) {
      if (!nextReservations.containsKey(restored.id())) {
        nextReservations = nextReservations.plus(restored.id(), new Reservation(restored.id(), restored.orderId(),
            restored.units(), restored.region(), restored.channel()));
        nextReserved += restored.units();
        nextOrders = nextOrders.plus(restored.orderId(), restored.id());
      }
    }
    return new Pool(poolId, reset.capacity(), nextReserved, nextHeld, reset.status(), slot, regions, cutoff,
        reservationsIssued, nextReservations, nextHolds, nextEnded, nextOrders);
  }

  private static PMap<String, String> withoutOrder(PMap<String, String> orders, PoolEvent.PoolReset.Claim claim) {
    return claim.id().equals(orders.get(claim.orderId())) ? orders.minus(claim.orderId()) : orders;
  }
}
