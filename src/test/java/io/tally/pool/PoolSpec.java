package io.tally.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

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
 * <p>{@code reserved("o1")} in a given history stands for the next reservation in issue order: the n-th reservation
 * of the history is {@code p~n}. Expected events name their reservation ids explicitly.
 */
final class PoolSpec {

  static final String POOL = "p";
  static final Slot SLOT = new Slot(Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T12:00:00Z"));
  static final List<String> REGIONS = List.of("SW1A 1", "SW1A 2");

  private final List<PoolEvent> history;
  private final Pool state;

  private PoolSpec(List<PoolEvent> history) {
    this.history = List.copyOf(history);
    this.state = PoolDecider.replay(null, this.history);
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
      } else {
        history.add(event);
      }
    }
    return new PoolSpec(history);
  }

  Outcome when(PoolCommand command) {
    return new Outcome(command, PoolDecider.decide(state, command));
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
}
