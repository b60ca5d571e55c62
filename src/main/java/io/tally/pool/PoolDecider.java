package io.tally.pool;

import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.PoolClosed;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReopened;
import io.tally.pool.PoolEvent.ReservationReleased;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of a capacity pool as two pure functions: {@link #decide} turns a command and the current state into
 * events or a refusal, {@link #evolve} applies an event. Replaying a pool's events through {@code evolve} from
 * {@code null} (no pool) rebuilds it exactly.
 */
public final class PoolDecider {

  private PoolDecider() {
  }

  /** @param pool the current state, or {@code null} when the pool was never defined */
  public static Decision decide(Pool pool, PoolCommand command) {
    return switch (command) {
      case DefinePool define -> pool == null
          ? Decision.accept(new PoolDefined(define.poolId(), define.capacity(), define.slot(), define.regions()))
          : redefine(pool, define);
      case ChangePool change -> pool == null ? Decision.reject(Rejection.poolNotFound(change.poolId())) : change(pool,
          change);
      case Reserve reserve -> pool == null ? Decision.reject(Rejection.poolNotFound(reserve.poolId())) : reserve(pool,
          reserve);
      case Release release -> pool == null
          ? Decision.reject(Rejection.reservationNotFound(release.reservationId()))
          : release(pool, release);
    };
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
    };
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
        && pool.regions().equals(define.regions());
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

  private static Decision reserve(Pool pool, Reserve reserve) {
    if (reserve.region() != null && !pool.regions().contains(reserve.region())) {
      return Decision.reject(Rejection.regionNotServed(pool.poolId(), reserve.region()));
    }
    if (pool.reservationOf(reserve.orderId()).isPresent()) {
      return Decision.accept(); // a retried order gets its existing reservation, even once the pool has closed
    }
    if (pool.status() == PoolStatus.CLOSED) {
      return Decision.reject(Rejection.poolClosed(pool.poolId()));
    }
    if (pool.reserved() + reserve.units() > pool.capacity()) {
      return Decision.reject(Rejection.capacityExhausted(pool.poolId(), pool.remaining(), reserve.units()));
    }
    String reservationId = Ids.reservationId(pool.poolId(), pool.reservationsIssued() + 1);
    return Decision.accept(new CapacityReserved(reservationId, reserve.orderId(), reserve.units(), reserve.region(),
        reserve.channel()));
  }

  private static Decision release(Pool pool, Release release) {
    if (!release.poolId().equals(pool.poolId())) {
      return Decision.reject(Rejection.reservationNotFound(release.reservationId()));
    }
    Reservation live = pool.reservations().get(release.reservationId());
    if (live != null) {
      return Decision.accept(new ReservationReleased(live.reservationId(), live.units(), live.region()));
    }
    if (release.number() <= pool.reservationsIssued()) {
      return Decision.accept(); // releasing twice releases once
    }
    return Decision.reject(Rejection.reservationNotFound(release.reservationId()));
  }
}
