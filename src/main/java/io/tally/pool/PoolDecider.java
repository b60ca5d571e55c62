package io.tally.pool;

import io.tally.pool.PoolCommand.CancelHold;
import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.ConfirmHold;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.ExpireHolds;
import io.tally.pool.PoolCommand.ExtendHold;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldCancelled;
import io.tally.pool.PoolEvent.HoldConfirmed;
import io.tally.pool.PoolEvent.HoldExpired;
import io.tally.pool.PoolEvent.HoldExtended;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolClosed;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReopened;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent.PoolReset.Claim;
import io.tally.pool.PoolEvent.ReservationReleased;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of a capacity pool as two pure functions: {@link #decide} turns a command and the current state into
 * events or a refusal, {@link #evolve} applies an event. Replaying a pool's events through {@code evolve} from
 * {@code null} (no pool) rebuilds it exactly.
 *
 * <p>Time is an input like the command: {@code decide} is given the moment it decides at, so that holds expire and
 * cut-offs pass by the one clock its caller reads, and the rules can be specified without waiting.
 */
public final class PoolDecider {

  private PoolDecider() {
  }

  /**
   * @param pool the current state, or {@code null} when the pool was never defined
   * @param now the moment of the decision; holds whose time is up by then are treated as expired
   */
  public static Decision decide(Pool pool, PoolCommand command, Instant now) {
    if (pool == null) {
      return switch (command) {
        case DefinePool define -> Decision.accept(new PoolDefined(define.poolId(), define.capacity(), define.slot(),
            define.regions(), define.cutoff()));
        case Release release -> Decision.reject(Rejection.reservationNotFound(release.reservationId()));
        case ConfirmHold confirm -> Decision.reject(Rejection.holdNotFound(confirm.holdId()));
        case CancelHold cancel -> Decision.reject(Rejection.holdNotFound(cancel.holdId()));
        case ExtendHold extend -> Decision.reject(Rejection.holdNotFound(extend.holdId()));
        case ExpireHolds expire -> Decision.accept();
        case ChangePool change -> Decision.reject(Rejection.poolNotFound(change.poolId()));
        case Reserve reserve -> Decision.reject(Rejection.poolNotFound(reserve.poolId()));
        case PlaceHold hold -> Decision.reject(Rejection.poolNotFound(hold.poolId()));
      };
    }
    return switch (command) {
      case DefinePool define -> redefine(pool, define);
      case ChangePool change -> change(pool, change);
      case Reserve reserve -> reserve(pool, reserve, now);
      case Release release -> release(pool, release);
      case PlaceHold hold -> hold(pool, hold, now);
      case ConfirmHold confirm -> confirm(pool, confirm, now);
      case CancelHold cancel -> cancel(pool, cancel);
      case ExtendHold extend -> extend(pool, extend, now);
      case ExpireHolds expire -> new Decision.Accepted(expire(pool, now));
    };
  }

  /**
   * The expiry of every live hold whose time is up at {@code now}, soonest first. The owner appends these before
   * deciding anything else of a batch, so units whose holds have expired are free for the commands that follow.
   */
  public static List<PoolEvent> expire(Pool pool, Instant now) {
    if (pool == null || pool.holds().isEmpty()) {
      return List.of();
    }
    return pool.expiredAt(now).stream()
        .<PoolEvent>map(hold -> new HoldExpired(hold.holdId(), hold.units(), hold.region(), hold.expiresAt()))
        .toList();
  }

  public static Pool evolve(Pool pool, PoolEvent event) {
    return switch (event) {
      case PoolDefined defined -> Pool.defined(defined);
      case CapacityChanged changed -> pool.withCapacity(changed.capacity());
      case PoolClosed closed -> pool.withStatus(PoolStatus.CLOSED);
      case PoolReopened reopened -> pool.withStatus(PoolStatus.OPEN);
      case CapacityReserved reserved -> pool.withReservation(new Reservation(reserved.reservationId(),
              reserved.orderId(), reserved.units(), reserved.region(), reserved.channel()),
          Ids.parseReservation(reserved.reservationId()).map(Ids.ReservationNumber::number).orElse(0L));
      case ReservationReleased released -> pool.withoutReservation(released.reservationId());
      case HoldPlaced placed -> pool.withHold(new Hold(placed.holdId(), placed.orderId(), placed.units(),
              placed.region(), placed.channel(), placed.placedAt(), placed.expiresAt()),
          Ids.parseReservation(placed.holdId()).map(Ids.ReservationNumber::number).orElse(0L));
      case HoldExtended extended -> pool.withHoldExpiring(extended.holdId(), extended.expiresAt());
      case HoldConfirmed confirmed -> pool.withHoldConfirmed(confirmed.holdId());
      case HoldCancelled cancelled -> pool.withHoldEnded(cancelled.holdId(), HoldOutcome.CANCELLED);
      case HoldExpired expired -> pool.withHoldEnded(expired.holdId(), HoldOutcome.EXPIRED);
      case PoolReset reset -> pool.withReset(reset);
    };
  }

  /**
   * Puts {@code pool}, a defined pool, back as {@code past} was: {@code past} is the pool replayed from its events
   * recorded up to {@code at}, the last of them {@code asOfSeq} ({@code null} when none was). Decided at {@code now},
   * which {@code at} may not be after. A reset that would change nothing appends nothing, so a retried reset is answered
   * without a second event.
   *
   * @see PoolReset what a reset restores, voids and cancels
   */
  public static Decision reset(Pool pool, Pool past, long asOfSeq, Instant at, String reason, Instant now) {
    if (at.isAfter(now)) {
      return Decision.reject(Rejection.invalid("invalid_at", "at is in the future (it is " + now + " now); a pool is"
          + " reset only to a past moment"));
    }
    if (past == null) {
      return Decision.reject(Rejection.resetBeforeDefinition(pool.poolId(), at));
    }
    List<Claim> voided = claims(pool.reservations().values().stream()
        .filter(live -> !past.reservations().containsKey(live.reservationId())).map(PoolDecider::claim).toList());
    List<Claim> restored = claims(past.reservations().values().stream()
        .filter(then -> !pool.reservations().containsKey(then.reservationId())).map(PoolDecider::claim).toList());
    List<Claim> cancelled = claims(pool.holds().values().stream()
        .filter(live -> !past.holds().containsKey(live.holdId())).map(PoolDecider::claim).toList());
    if (voided.isEmpty() && restored.isEmpty() && cancelled.isEmpty() && pool.capacity() == past.capacity()
        && pool.status() == past.status()) {
      return Decision.accept();
    }
    return Decision.accept(new PoolReset(at, asOfSeq, reason, past.capacity(), past.status(), voided, restored,
        cancelled));
  }

  private static Claim claim(Reservation reservation) {
    return new Claim(reservation.reservationId(), reservation.orderId(), reservation.units(), reservation.region(),
        reservation.channel());
  }

  private static Claim claim(Hold hold) {
    return new Claim(hold.holdId(), hold.orderId(), hold.units(), hold.region(), hold.channel());
  }

  /** In issue order, so that the same reset is always the same event. */
  private static List<Claim> claims(List<Claim> claims) {
    return claims.stream().sorted(Comparator.comparingLong(
        (Claim claim) -> Ids.parseReservation(claim.id()).map(Ids.ReservationNumber::number).orElse(0L))
        .thenComparing(Claim::id)).toList();
  }

  public static Pool replay(Pool pool, Iterable<? extends PoolEvent> events) {
    Pool state = pool;
    for (PoolEvent event : events) {
      state = evolve(state, event);
    }
    return state;
  }

  private static Decision redefine(Pool pool, DefinePool define) {
    boolean same = pool.capacity() == define.capacity() && pool.slot().equals(define.slot())
        && pool.regions().equals(define.regions()) && Objects.equals(pool.cutoff(), define.cutoff());
    // a retried definition (its first answer was lost) is answered, not refused; a different one is a conflict
    return same ? Decision.accept() : Decision.reject(Rejection.poolExists(define.poolId()));
  }

  private static Decision change(Pool pool, ChangePool change) {
    List<PoolEvent> events = new ArrayList<>(2);
    // lowering capacity below what is reserved keeps existing reservations and refuses new ones
    change.capacity().stream()
        .filter(capacity -> capacity != pool.capacity())
        .forEach(capacity -> events.add(new CapacityChanged(capacity)));
    change.status()
        .filter(status -> status != pool.status())
        .ifPresent(status -> events.add(status == PoolStatus.CLOSED ? new PoolClosed() : new PoolReopened()));
    return new Decision.Accepted(events);
  }

  private static Decision reserve(Pool pool, Reserve reserve, Instant now) {
    if (reserve.region() != null && !pool.regions().contains(reserve.region())) {
      return Decision.reject(Rejection.regionNotServed(pool.poolId(), reserve.region()));
    }
    if (pool.reservationOf(reserve.orderId()).isPresent()) {
      return Decision.accept(); // a retried order gets its existing reservation, even once the pool has closed
    }
    Optional<Hold> held = pool.holdOf(reserve.orderId());
    if (held.isPresent()) {
      return Decision.reject(Rejection.orderOnHold(reserve.orderId(), held.get().holdId()));
    }
    Optional<Rejection> refused = refuseNew(pool, reserve.units(), now);
    if (refused.isPresent()) {
      return Decision.reject(refused.get());
    }
    String reservationId = Ids.reservationId(pool.poolId(), pool.reservationsIssued() + 1);
    return Decision.accept(new CapacityReserved(reservationId, reserve.orderId(), reserve.units(), reserve.region(),
        reserve.channel()));
  }

  /** Why the pool takes no new reservation or hold of {@code units} at {@code now}, if it does not. */
  private static Optional<Rejection> refuseNew(Pool pool, int units, Instant now) {
    if (pool.status() == PoolStatus.CLOSED) {
      return Optional.of(Rejection.poolClosed(pool.poolId()));
    }
    if (pool.pastCutoff(now)) {
      return Optional.of(Rejection.pastCutoff(pool.poolId(), pool.cutoff()));
    }
    // I1: what is reserved and what is held together never exceed capacity
    if (pool.reserved() + pool.held() + units > pool.capacity()) {
      return Optional.of(Rejection.capacityExhausted(pool.poolId(), pool.remaining(), units));
    }
    return Optional.empty();
  }

  private static Decision hold(Pool pool, PlaceHold hold, Instant now) {
    if (hold.region() != null && !pool.regions().contains(hold.region())) {
      return Decision.reject(Rejection.regionNotServed(pool.poolId(), hold.region()));
    }
    if (pool.orders().containsKey(hold.orderId())) {
      return Decision.accept(); // a retried order gets the hold it has, or the reservation it became
    }
    Optional<Rejection> refused = refuseNew(pool, hold.units(), now);
    if (refused.isPresent()) {
      return Decision.reject(refused.get());
    }
    String holdId = Ids.reservationId(pool.poolId(), pool.reservationsIssued() + 1);
    return Decision.accept(new HoldPlaced(holdId, hold.orderId(), hold.units(), hold.region(), hold.channel(), now,
        now.plus(hold.ttl())));
  }

  private static Decision confirm(Pool pool, ConfirmHold confirm, Instant now) {
    String holdId = confirm.holdId();
    Optional<Rejection> ended = endedOrUnknown(pool, holdId);
    if (ended.isPresent()) {
      return Decision.reject(ended.get());
    }
    Hold hold = pool.holds().get(holdId);
    if (hold == null) {
      return Decision.accept(); // confirming twice confirms once: the hold is already this reservation
    }
    if (hold.expiredAt(now)) {
      // never re-reserved: the units were promised back when the time was up, whether or not that is appended yet
      return Decision.reject(Rejection.holdExpired(holdId));
    }
    // a live hold is confirmed even after the cut-off or with capacity lowered: its units were counted all along
    return Decision.accept(new HoldConfirmed(holdId, hold.orderId(), hold.units(), hold.region(), hold.channel()));
  }

  private static Decision cancel(Pool pool, CancelHold cancel) {
    String holdId = cancel.holdId();
    Hold hold = pool.holds().get(holdId);
    if (hold != null) {
      return Decision.accept(new HoldCancelled(holdId, hold.units(), hold.region()));
    }
    if (pool.endedHolds().containsKey(holdId)) {
      return Decision.accept(); // cancelling twice, or after expiry, gives nothing back a second time
    }
    if (pool.reservations().containsKey(holdId)) {
      return Decision.reject(Rejection.holdConfirmed(holdId));
    }
    return Decision.reject(Rejection.holdNotFound(holdId));
  }

  private static Decision extend(Pool pool, ExtendHold extend, Instant now) {
    String holdId = extend.holdId();
    Optional<Rejection> ended = endedOrUnknown(pool, holdId);
    if (ended.isPresent()) {
      return Decision.reject(ended.get());
    }
    Hold hold = pool.holds().get(holdId);
    if (hold == null) {
      return Decision.reject(Rejection.holdConfirmed(holdId));
    }
    if (hold.expiredAt(now)) {
      return Decision.reject(Rejection.holdExpired(holdId));
    }
    if (pool.pastCutoff(now)) {
      return Decision.reject(Rejection.pastCutoff(pool.poolId(), pool.cutoff()));
    }
    Instant expiresAt = now.plus(extend.ttl());
    if (expiresAt.isAfter(hold.latestExpiry())) {
      return Decision.reject(Rejection.holdTooLong(holdId, hold.latestExpiry()));
    }
    return Decision.accept(new HoldExtended(holdId, expiresAt));
  }

  /**
   * Why a hold id names no live hold and no reservation it became: it expired, was cancelled, or was never issued
   * as a hold of this pool (a reservation of it that was released included).
   */
  private static Optional<Rejection> endedOrUnknown(Pool pool, String holdId) {
    HoldOutcome outcome = pool.endedHolds().get(holdId);
    if (outcome != null) {
      return Optional.of(outcome == HoldOutcome.EXPIRED ? Rejection.holdExpired(holdId)
          : Rejection.holdCancelled(holdId));
    }
    if (pool.holds().containsKey(holdId) || pool.reservations().containsKey(holdId)) {
      return Optional.empty();
    }
    return Optional.of(Rejection.holdNotFound(holdId));
  }

  private static Decision release(Pool pool, Release release) {
    if (!release.poolId().equals(pool.poolId())) {
      return Decision.reject(Rejection.reservationNotFound(release.reservationId()));
    }
    Reservation live = pool.reservations().get(release.reservationId());
    if (live != null) {
      return Decision.accept(new ReservationReleased(live.reservationId(), live.units(), live.region()));
    }
    Hold hold = pool.holds().get(release.reservationId());
    if (hold != null) {
      // a release names only the id; for a hold not yet confirmed, giving its units back is cancelling it
      return Decision.accept(new HoldCancelled(hold.holdId(), hold.units(), hold.region()));
    }
    if (release.number() <= pool.reservationsIssued()) {
      return Decision.accept(); // releasing twice releases once
    }
    return Decision.reject(Rejection.reservationNotFound(release.reservationId()));
  }
}
