package io.tally.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

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
import io.tally.pool.PoolEvent.ReservationReleased;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * A given/when/then fixture for the pool's rules, after Axon's aggregate test fixture: the given events are
 * replayed from no pool through {@link PoolDecider#evolve}, the command is decided with {@link PoolDecider#decide},
 * and the accepted events are folded onto the given state.
 *
 * <p>{@code reserved("o1")} and {@code held("o1")} in a given history stand for the next reservation or hold in issue
 * order: the n-th of them in the history is {@code p~n}. Expected events name their ids explicitly.
 *
 * <p>Commands are decided at {@link #NOW}, two hours before the slot starts, unless {@link #at} says otherwise; a
 * given hold is placed at {@code NOW}.
 */
final class PoolSpec {

  static final String POOL = "p";
  static final Slot SLOT = new Slot(Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T12:00:00Z"));
  static final List<String> REGIONS = List.of("SW1A 1", "SW1A 2");
  static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
  static final Duration TTL = Duration.ofMinutes(10);

  private final List<PoolEvent> history;
  private final Pool state;
  private final Instant now;

  private PoolSpec(List<PoolEvent> history, Instant now) {
    this.history = List.copyOf(history);
    this.state = PoolDecider.replay(null, this.history);
    this.now = now;
  }

  /** The same history, with the command decided at {@code moment}. */
  PoolSpec at(Instant moment) {
    return new PoolSpec(history, moment);
  }

  static PoolSpec given(PoolEvent... events) {
    List<PoolEvent> history = new ArrayList<>(events.length);
    int issued = 0;
    for (PoolEvent event : events) {
      if (event instanceof CapacityReserved reserved) {
        issued++;
        history.add(reserved.reservationId() == null
            ? new CapacityReserved(Ids.reservationId(POOL, issued), reserved.orderId(), reserved.units())
            : reserved);
      } else if (event instanceof HoldPlaced placed) {
        issued++;
        history.add(placed.holdId() == null
            ? new HoldPlaced(Ids.reservationId(POOL, issued), placed.orderId(), placed.units(), placed.region(),
                placed.channel(), placed.placedAt(), placed.expiresAt())
            : placed);
      } else {
        history.add(event);
      }
    }
    return new PoolSpec(history, NOW);
  }

  Outcome when(PoolCommand command) {
    return new Outcome(command, PoolDecider.decide(state, command, now));
  }

  /** What deciding one command did, and the pool it leaves. */
  final class Outcome {

    private final PoolCommand command;
    private final Decision decision;

    private Outcome(PoolCommand command, Decision decision) {
      this.command = command;
      this.decision = decision;
    }

    Outcome thenAccepted(PoolEvent... expected) {
      assertEquals(Arrays.asList(expected), accepted(), "events of " + command);
      return this;
    }

    /** The same events as {@link #thenAccepted}, where the command implies no order among them. */
    Outcome thenAcceptedInAnyOrder(PoolEvent... expected) {
      assertEquals(counts(Arrays.asList(expected)), counts(accepted()), "events of " + command);
      return this;
    }

    Outcome thenAcceptedNothing() {
      return thenAccepted();
    }

    Outcome thenRejected(String code) {
      assertEquals(code, rejection().code(), "refusal of " + command);
      return this;
    }

    Outcome thenRejected(String code, Rejection.Kind kind) {
      thenRejected(code);
      assertEquals(kind, rejection().kind(), "kind of refusal of " + command);
      return this;
    }

    /** Asserts on the pool after the accepted events, or on the unchanged pool after a refusal. */
    Outcome thenState(Consumer<Pool> assertions) {
      List<PoolEvent> after = new ArrayList<>(history);
      if (decision instanceof Decision.Accepted accepted) {
        after.addAll(accepted.events());
      }
      assertions.accept(PoolDecider.replay(null, after));
      return this;
    }

    private List<PoolEvent> accepted() {
      return switch (decision) {
        case Decision.Accepted accepted -> accepted.events();
        case Decision.Rejected rejected -> fail("expected " + command + " to be accepted, but it was refused: "
            + rejected.rejection());
      };
    }

    private Rejection rejection() {
      return switch (decision) {
        case Decision.Rejected rejected -> rejected.rejection();
        case Decision.Accepted accepted -> fail("expected " + command + " to be refused, but it was accepted with "
            + accepted.events());
      };
    }

    private static Map<PoolEvent, Integer> counts(List<PoolEvent> events) {
      Map<PoolEvent, Integer> counts = new HashMap<>();
      events.forEach(event -> counts.merge(event, 1, Integer::sum));
      return counts;
    }
  }

  static PoolDefined defined(int capacity) {
    return new PoolDefined(POOL, capacity, SLOT, REGIONS);
  }

  static CapacityChanged capacityChanged(int capacity) {
    return new CapacityChanged(capacity);
  }

  static PoolClosed closed() {
    return new PoolClosed();
  }

  static PoolReopened reopened() {
    return new PoolReopened();
  }

  /** One unit for {@code orderId}, numbered by its place in the given history. */
  static CapacityReserved reserved(String orderId) {
    return reserved(orderId, 1);
  }

  /** {@code units} for {@code orderId}, numbered by its place in the given history. */
  static CapacityReserved reserved(String orderId, int units) {
    return new CapacityReserved(null, orderId, units);
  }

  static CapacityReserved reserved(String reservationId, String orderId, int units) {
    return new CapacityReserved(reservationId, orderId, units);
  }

  static ReservationReleased released(String reservationId, int units) {
    return new ReservationReleased(reservationId, units);
  }

  static DefinePool define(int capacity) {
    return new DefinePool(POOL, capacity, SLOT, REGIONS);
  }

  static ChangePool changeCapacity(int capacity) {
    return new ChangePool(POOL, OptionalInt.of(capacity), Optional.empty());
  }

  static ChangePool close() {
    return new ChangePool(POOL, OptionalInt.empty(), Optional.of(PoolStatus.CLOSED));
  }

  static ChangePool reopen() {
    return new ChangePool(POOL, OptionalInt.empty(), Optional.of(PoolStatus.OPEN));
  }

  static ChangePool change(int capacity, PoolStatus status) {
    return new ChangePool(POOL, OptionalInt.of(capacity), Optional.of(status));
  }

  static Reserve reserve(String orderId) {
    return reserve(orderId, 1);
  }

  static Reserve reserve(String orderId, int units) {
    return new Reserve(POOL, orderId, units);
  }

  static Release release(String reservationId) {
    return new Release(reservationId);
  }

  static DefinePool defineWithCutoff(int capacity, Instant cutoff) {
    return new DefinePool(POOL, capacity, SLOT, REGIONS, cutoff);
  }

  static PoolDefined definedWithCutoff(int capacity, Instant cutoff) {
    return new PoolDefined(POOL, capacity, SLOT, REGIONS, cutoff);
  }

  /** One unit held for {@code orderId} at {@link #NOW} for {@link #TTL}, numbered by its place in the history. */
  static HoldPlaced held(String orderId) {
    return held(orderId, 1);
  }

  static HoldPlaced held(String orderId, int units) {
    return new HoldPlaced(null, orderId, units, null, null, NOW, NOW.plus(TTL));
  }

  static HoldPlaced holdPlaced(String holdId, String orderId, int units, Instant placedAt, Instant expiresAt) {
    return new HoldPlaced(holdId, orderId, units, null, null, placedAt, expiresAt);
  }

  static HoldConfirmed holdConfirmed(String holdId, String orderId, int units) {
    return new HoldConfirmed(holdId, orderId, units, null, null);
  }

  static HoldCancelled holdCancelled(String holdId, int units) {
    return new HoldCancelled(holdId, units, null);
  }

  static HoldExpired holdExpired(String holdId, int units, Instant expiresAt) {
    return new HoldExpired(holdId, units, null, expiresAt);
  }

  static HoldExtended holdExtended(String holdId, Instant expiresAt) {
    return new HoldExtended(holdId, expiresAt);
  }

  static PlaceHold hold(String orderId, int units) {
    return new PlaceHold(POOL, orderId, units, null, null, TTL);
  }

  static PlaceHold hold(String orderId, int units, Duration ttl) {
    return new PlaceHold(POOL, orderId, units, null, null, ttl);
  }

  static ConfirmHold confirm(String holdId) {
    return new ConfirmHold(holdId);
  }

  static CancelHold cancel(String holdId) {
    return new CancelHold(holdId);
  }

  static ExtendHold extend(String holdId, Duration ttl) {
    return new ExtendHold(holdId, ttl);
  }

  static ExpireHolds expire() {
    return new ExpireHolds(POOL);
  }
}
