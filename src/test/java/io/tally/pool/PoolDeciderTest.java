package io.tally.pool;

import static io.tally.pool.PoolSpec.NOW;
import static io.tally.pool.PoolSpec.POOL;
import static io.tally.pool.PoolSpec.REGIONS;
import static io.tally.pool.PoolSpec.SLOT;
import static io.tally.pool.PoolSpec.capacityChanged;
import static io.tally.pool.PoolSpec.change;
import static io.tally.pool.PoolSpec.changeCapacity;
import static io.tally.pool.PoolSpec.close;
import static io.tally.pool.PoolSpec.closed;
import static io.tally.pool.PoolSpec.define;
import static io.tally.pool.PoolSpec.defined;
import static io.tally.pool.PoolSpec.given;
import static io.tally.pool.PoolSpec.release;
import static io.tally.pool.PoolSpec.released;
import static io.tally.pool.PoolSpec.reopen;
import static io.tally.pool.PoolSpec.reopened;
import static io.tally.pool.PoolSpec.reserve;
import static io.tally.pool.PoolSpec.reserved;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.Rejection.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoolDeciderTest {

  @Nested
  class Defining {

    @Test
    void aNewPoolIsDefinedOpenAndEmpty() {
      given()
          .when(define(10))
          .thenAccepted(defined(10))
          .thenState(pool -> {
            assertEquals(POOL, pool.poolId());
            assertEquals(10, pool.capacity());
            assertEquals(0, pool.reserved());
            assertEquals(10, pool.remaining());
            assertEquals(PoolStatus.OPEN, pool.status());
            assertEquals(SLOT, pool.slot());
            assertEquals(REGIONS, pool.regions());
            assertTrue(pool.reservations().isEmpty());
          });
    }

    @Test
    void aRepeatedIdenticalDefinitionIsAnsweredWithoutNewEvents() {
      given(defined(10))
          .when(define(10))
          .thenAcceptedNothing()
          .thenState(pool -> assertEquals(10, pool.capacity()));
    }

    @Test
    void aSecondDefinitionIsRefusedWithPoolExistsAndChangesNothing() {
      given(defined(10))
          .when(define(5))
          .thenRejected(Rejection.POOL_EXISTS, Kind.CONFLICT)
          .thenState(pool -> assertEquals(10, pool.capacity()));
    }
  }

  @Nested
  class ChangingCapacity {

    @Test
    void raisingCapacityMakesRoomForMore() {
      given(defined(2), reserved("o1", 2))
          .when(changeCapacity(5))
          .thenAccepted(capacityChanged(5))
          .thenState(pool -> assertEquals(3, pool.remaining()));
    }

    @Test
    void anUnchangedCapacityRecordsNothing() {
      given(defined(10))
          .when(changeCapacity(10))
          .thenAcceptedNothing();
    }

    @Test
    void loweringCapacityBelowWhatIsReservedKeepsTheReservations() {
      given(defined(5), reserved("o1", 3))
          .when(changeCapacity(2))
          .thenAccepted(capacityChanged(2))
          .thenState(pool -> {
            assertEquals(3, pool.reserved());
            assertEquals(0, pool.remaining());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 3)), pool.reservationOf("o1"));
          });
    }

    @Test
    void afterCapacityWasLoweredBelowWhatIsReservedNewReservationsAreRefused() {
      given(defined(5), reserved("o1", 3), capacityChanged(2))
          .when(reserve("o2", 1))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED, Kind.CONFLICT);
    }

    @Test
    void onceReleasesBringReservedUnderTheLoweredCapacityReservationsFitAgain() {
      given(defined(5), reserved("o1", 3), capacityChanged(2), released("p~1", 3))
          .when(reserve("o2", 2))
          .thenAccepted(reserved("p~2", "o2", 2));
    }

    @Test
    void aPoolOfZeroCapacityTakesNoReservation() {
      given(defined(0))
          .when(reserve("o1", 1))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED);
    }

    @Test
    void aChangeOfCapacityAndStatusRecordsBoth() {
      given(defined(10))
          .when(change(3, PoolStatus.CLOSED))
          .thenAcceptedInAnyOrder(capacityChanged(3), closed())
          .thenState(pool -> {
            assertEquals(3, pool.capacity());
            assertEquals(PoolStatus.CLOSED, pool.status());
          });
    }

    @Test
    void aChangeRecordsOnlyWhatDiffers() {
      given(defined(10))
          .when(change(3, PoolStatus.OPEN))
          .thenAccepted(capacityChanged(3));
    }
  }

  @Nested
  class ClosingAndReopening {

    @Test
    void closingAnOpenPoolClosesIt() {
      given(defined(5))
          .when(close())
          .thenAccepted(closed())
          .thenState(pool -> assertEquals(PoolStatus.CLOSED, pool.status()));
    }

    @Test
    void closingAClosedPoolRecordsNothing() {
      given(defined(5), closed())
          .when(close())
          .thenAcceptedNothing();
    }

    @Test
    void reopeningAClosedPoolOpensIt() {
      given(defined(5), closed())
          .when(reopen())
          .thenAccepted(reopened())
          .thenState(pool -> assertEquals(PoolStatus.OPEN, pool.status()));
    }

    @Test
    void reopeningAnOpenPoolRecordsNothing() {
      given(defined(5), closed(), reopened())
          .when(reopen())
          .thenAcceptedNothing();
    }

    @Test
    void closingKeepsTheReservations() {
      given(defined(5), reserved("o1", 2))
          .when(close())
          .thenAccepted(closed())
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1"));
          });
    }

    @Test
    void aClosedPoolRefusesNewReservationsWithPoolClosed() {
      given(defined(5), closed())
          .when(reserve("o1", 1))
          .thenRejected(Rejection.POOL_CLOSED, Kind.CONFLICT)
          .thenState(pool -> assertEquals(0, pool.reserved()));
    }

    @Test
    void aRepeatedOrderStillGetsItsReservationFromAClosedPool() {
      given(defined(5), reserved("o1", 2), closed())
          .when(reserve("o1", 2))
          .thenAcceptedNothing()
          .thenState(pool -> assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1")));
    }

    @Test
    void aClosedPoolStillTakesCancellations() {
      given(defined(5), reserved("o1", 2), closed())
          .when(release("p~1"))
          .thenAccepted(released("p~1", 2))
          .thenState(pool -> assertEquals(0, pool.reserved()));
    }

    @Test
    void aReopenedPoolTakesReservationsAgain() {
      given(defined(5), closed(), reopened())
          .when(reserve("o1", 1))
          .thenAccepted(reserved("p~1", "o1", 1));
    }
  }

  @Nested
  class Reserving {

    @Test
    void aReservationThatFitsIsAccepted() {
      given(defined(5))
          .when(reserve("o1", 2))
          .thenAccepted(reserved("p~1", "o1", 2))
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(3, pool.remaining());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservation("p~1"));
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1"));
          });
    }

    @Test
    void aReservationThatExactlyFillsThePoolIsAccepted() {
      given(defined(3), reserved("o1", 1))
          .when(reserve("o2", 2))
          .thenAccepted(reserved("p~2", "o2", 2))
          .thenState(pool -> {
            assertEquals(3, pool.reserved());
            assertEquals(0, pool.remaining());
          });
    }

    @Test
    void aReservationOneUnitTooLargeIsRefusedWithCapacityExhausted() {
      given(defined(3), reserved("o1", 1))
          .when(reserve("o2", 3))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED, Kind.CONFLICT)
          .thenState(pool -> {
            assertEquals(1, pool.reserved());
            assertEquals(Optional.empty(), pool.reservationOf("o2"));
          });
    }

    @Test
    void aFullPoolRefusesEvenOneUnit() {
      given(defined(2), reserved("o1"), reserved("o2"))
          .when(reserve("o3", 1))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED);
    }

    @Test
    void aRetriedOrderGetsItsExistingReservationAndRecordsNothing() {
      given(defined(5), reserved("o1", 2))
          .when(reserve("o1", 2))
          .thenAcceptedNothing()
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1"));
          });
    }

    @Test
    void aRetriedOrderGetsItsReservationEvenWhenThePoolIsFull() {
      given(defined(2), reserved("o1", 2))
          .when(reserve("o1", 2))
          .thenAcceptedNothing()
          .thenState(pool -> assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1")));
    }

    @Test
    void differentOrdersGetDifferentReservations() {
      given(defined(5), reserved("o1", 2))
          .when(reserve("o2", 3))
          .thenAccepted(reserved("p~2", "o2", 3))
          .thenState(pool -> {
            assertEquals(5, pool.reserved());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservationOf("o1"));
            assertEquals(Optional.of(new Reservation("p~2", "o2", 3)), pool.reservationOf("o2"));
          });
    }

    @Test
    void anOrderWhoseReservationWasReleasedMayReserveAnew() {
      given(defined(5), reserved("o1", 2), released("p~1", 2))
          .when(reserve("o1", 1))
          .thenAccepted(reserved("p~2", "o1", 1))
          .thenState(pool -> assertEquals(Optional.of(new Reservation("p~2", "o1", 1)), pool.reservationOf("o1")));
    }
  }

  @Nested
  class ReservingWithARegionAndChannel {

    @Test
    void theReservationRecordsTheRegionAndChannelItWasMadeFor() {
      given(defined(5))
          .when(new Reserve(POOL, "o1", 2, "SW1A 2", Channel.PICKUP))
          .thenAccepted(new CapacityReserved("p~1", "o1", 2, "SW1A 2", Channel.PICKUP))
          .thenState(pool -> assertEquals(Optional.of(new Reservation("p~1", "o1", 2, "SW1A 2", Channel.PICKUP)),
              pool.reservationOf("o1")));
    }

    @Test
    void aRegionThePoolDoesNotServeIsRefusedAsInvalid() {
      given(defined(5))
          .when(new Reserve(POOL, "o1", 2, "N1", null))
          .thenRejected(Rejection.INVALID_REGION, Kind.INVALID)
          .thenState(pool -> assertEquals(0, pool.reserved()));
    }

    @Test
    void aChannelAloneLeavesTheRegionUnknown() {
      given(defined(5))
          .when(new Reserve(POOL, "o1", 1, null, Channel.DELIVERY))
          .thenAccepted(new CapacityReserved("p~1", "o1", 1, null, Channel.DELIVERY));
    }

    @Test
    void aReleaseRecordsTheRegionOfItsReservation() {
      given(defined(5), new CapacityReserved("p~1", "o1", 2, "SW1A 1", Channel.DELIVERY))
          .when(release("p~1"))
          .thenAccepted(new PoolEvent.ReservationReleased("p~1", 2, "SW1A 1"));
    }

    @Test
    void theReleaseOfAReservationOfUnknownRegionSaysNoRegion() {
      given(defined(5), reserved("o1", 2))
          .when(release("p~1"))
          .thenAccepted(released("p~1", 2));
    }

    @Test
    void aRetriedOrderGetsItsReservationWhateverRegionTheRetrySays() {
      given(defined(5), new CapacityReserved("p~1", "o1", 2, "SW1A 1", null))
          .when(new Reserve(POOL, "o1", 2, "SW1A 2", null))
          .thenAccepted()
          .thenState(pool -> assertEquals("SW1A 1", pool.reservationOf("o1").orElseThrow().region()));
    }
  }

  @Nested
  class Releasing {

    @Test
    void aReservationIdOfAnotherPoolIsNotFoundHere() {
      given(defined(5), reserved("o1", 1))
          .when(release("other~1"))
          .thenRejected(Rejection.RESERVATION_NOT_FOUND, Kind.NOT_FOUND)
          .thenState(pool -> assertEquals(1, pool.reserved()));
    }

    @Test
    void releasingAReservationReturnsItsUnits() {
      given(defined(3), reserved("o1", 2))
          .when(release("p~1"))
          .thenAccepted(released("p~1", 2))
          .thenState(pool -> {
            assertEquals(0, pool.reserved());
            assertEquals(3, pool.remaining());
            assertEquals(Optional.empty(), pool.reservation("p~1"));
            assertEquals(Optional.empty(), pool.reservationOf("o1"));
          });
    }

    @Test
    void releasedUnitsCanBeReservedAgain() {
      given(defined(3), reserved("o1", 2), released("p~1", 2))
          .when(reserve("o2", 3))
          .thenAccepted(reserved("p~2", "o2", 3));
    }

    @Test
    void releasingOneReservationLeavesTheOthers() {
      given(defined(5), reserved("o1", 1), reserved("o2", 2))
          .when(release("p~1"))
          .thenAccepted(released("p~1", 1))
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(Optional.of(new Reservation("p~2", "o2", 2)), pool.reservationOf("o2"));
          });
    }

    @Test
    void releasingTwiceReleasesOnce() {
      given(defined(5), reserved("o1", 2), reserved("o2", 1), released("p~1", 2))
          .when(release("p~1"))
          .thenAcceptedNothing()
          .thenState(pool -> assertEquals(1, pool.reserved()));
    }

    @Test
    void aReservationNumberNeverIssuedIsNotFound() {
      given(defined(5), reserved("o1", 1))
          .when(release("p~2"))
          .thenRejected(Rejection.RESERVATION_NOT_FOUND, Kind.NOT_FOUND)
          .thenState(pool -> assertEquals(1, pool.reserved()));
    }

    @Test
    void aPoolWithoutReservationsHasNoneToRelease() {
      given(defined(5))
          .when(release("p~1"))
          .thenRejected(Rejection.RESERVATION_NOT_FOUND, Kind.NOT_FOUND);
    }

    @Test
    void aReservationOfAnUndefinedPoolIsNotFound() {
      given()
          .when(release("p~1"))
          .thenRejected(Rejection.RESERVATION_NOT_FOUND, Kind.NOT_FOUND);
    }
  }

  @Nested
  class NumberingReservations {

    @Test
    void reservationsAreNumberedFromOneWithinTheirPool() {
      given(defined(5))
          .when(reserve("o1"))
          .thenAccepted(reserved("p~1", "o1", 1));
      given(defined(5), reserved("p~1", "o1", 1))
          .when(reserve("o2"))
          .thenAccepted(reserved("p~2", "o2", 1));
    }

    @Test
    void aReservationAfterTheLatestWasReleasedGetsAFreshNumber() {
      given(defined(5), reserved("o1"), reserved("o2"), released("p~2", 1))
          .when(reserve("o3"))
          .thenAccepted(reserved("p~3", "o3", 1));
    }

    @Test
    void aReservationAfterAllWereReleasedGetsAFreshNumber() {
      given(defined(5), reserved("o1"), released("p~1", 1))
          .when(reserve("o2"))
          .thenAccepted(reserved("p~2", "o2", 1));
    }

    @Test
    void aReservationIdNamesItsPool() {
      String poolId = "depot-7:vans";
      Pool pool = PoolDecider.evolve(null, new PoolDefined(poolId, 5, SLOT, REGIONS));
      Decision decision = PoolDecider.decide(pool, new Reserve(poolId, "o1", 1), NOW);
      assertEquals(Decision.accept(new CapacityReserved("depot-7:vans~1", "o1", 1)), decision);
      assertEquals(Optional.of(poolId), Ids.poolOfReservation("depot-7:vans~1"));
    }
  }

  @Nested
  class UndefinedPool {

    @Test
    void reservingIsRefusedWithPoolNotFound() {
      given()
          .when(reserve("o1"))
          .thenRejected(Rejection.POOL_NOT_FOUND, Kind.NOT_FOUND)
          .thenState(pool -> assertNull(pool));
    }

    @Test
    void changingCapacityIsRefusedWithPoolNotFound() {
      given()
          .when(changeCapacity(5))
          .thenRejected(Rejection.POOL_NOT_FOUND, Kind.NOT_FOUND);
    }

    @Test
    void closingIsRefusedWithPoolNotFound() {
      given()
          .when(close())
          .thenRejected(Rejection.POOL_NOT_FOUND, Kind.NOT_FOUND);
    }
  }

  /**
   * Random runs of commands against one pool. Each step's accepted events are applied to the state tracked so far;
   * the whole history replayed from no pool must give the same state, and the invariants must hold at every step.
   */
  @Nested
  class Replay {

    private static final int STEPS = 400;
    private static final int ORDERS = 12;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42, 2024, 31_337, 8_675_309})
    void replayingTheAcceptedEventsRebuildsTheStateAndTheInvariantsHoldAtEveryStep(long seed) {
      Random random = new Random(seed);
      List<PoolEvent> history = new ArrayList<>();
      Set<String> issuedIds = new HashSet<>();
      Pool state = null;
      Instant now = NOW;
      int accepted = 0;
      int refused = 0;
      int overCapacity = 0;
      int expired = 0;
      for (int step = 0; step < STEPS; step++) {
        now = now.plusSeconds(random.nextInt(40)); // holds live 1-10 minutes: some are confirmed, some expire
        // as the owner does: what expired is appended before the batch's command is decided
        List<PoolEvent> expiries = PoolDecider.expire(state, now);
        expired += expiries.size();
        state = PoolDecider.replay(state, expiries);
        history.addAll(expiries);
        PoolCommand command = randomCommand(random, state, step);
        Decision decision = PoolDecider.decide(state, command, now);
        if (!(decision instanceof Decision.Accepted(List<PoolEvent> events))) {
          refused++;
          continue;
        }
        accepted++;
        Pool before = state;
        state = PoolDecider.replay(state, events);
        history.addAll(events);
        String context = "seed " + seed + ", step " + step + ", " + command + " -> " + events;

        assertEquals(state, PoolDecider.replay(null, history), context);
        assertEquals(state.reservations().values().stream().mapToLong(Reservation::units).sum(), state.reserved(),
            context);
        assertEquals(state.holds().values().stream().mapToLong(Hold::units).sum(), state.held(), context);
        assertOrdersMatchReservationsAndHolds(state, context);
        for (PoolEvent event : events) {
          String issuedId = switch (event) {
            case CapacityReserved reserved -> reserved.reservationId();
            case HoldPlaced placed -> placed.holdId();
            default -> null;
          };
          if (issuedId != null) {
            assertTrue(issuedIds.add(issuedId), "reused " + issuedId + ": " + context);
            assertTrue(taken(state) <= state.capacity(), "overbooked: " + context);
          }
        }
        if (taken(state) > state.capacity()) {
          overCapacity++;
          long takenBefore = before == null ? 0 : taken(before);
          boolean capacityLowered = events.stream().anyMatch(CapacityChanged.class::isInstance)
              && state.capacity() < before.capacity();
          boolean alreadyOver = before != null && taken(before) > before.capacity();
          assertTrue(taken(state) <= takenBefore && (capacityLowered || alreadyOver),
              "over capacity without a lowering of capacity: " + context);
        }
      }
      assertTrue(accepted > STEPS / 4 && refused > 0 && overCapacity > 0 && expired > 0,
          "a run should exercise acceptance, refusal, expiry and capacity lowered below reserved: seed " + seed);
    }

    /** I1 counts what is reserved and what is held together. */
    private long taken(Pool pool) {
      return pool.reserved() + pool.held();
    }

    private PoolCommand randomCommand(Random random, Pool state, int step) {
      if (step == 0 || random.nextInt(100) == 0) {
        return new DefinePool(POOL, random.nextInt(20), SLOT, REGIONS);
      }
      int roll = random.nextInt(100);
      String someId = Ids.reservationId(POOL, 1 + random.nextInt((int) (state == null ? 0
          : state.reservationsIssued()) + 2));
      if (roll < 30) {
        return new Reserve(POOL, "o" + random.nextInt(ORDERS), 1 + random.nextInt(5));
      }
      if (roll < 45) {
        return new PlaceHold(POOL, "o" + random.nextInt(ORDERS), 1 + random.nextInt(5), null, null,
            Duration.ofSeconds(60 + random.nextInt(540)));
      }
      if (roll < 55) {
        return new PoolCommand.ConfirmHold(someId);
      }
      if (roll < 60) {
        return new PoolCommand.CancelHold(someId);
      }
      if (roll < 63) {
        return new PoolCommand.ExtendHold(someId, Duration.ofSeconds(60 + random.nextInt(600)));
      }
      if (roll < 78) {
        return new Release(someId);
      }
      if (roll < 90) {
        return new ChangePool(POOL, OptionalInt.of(random.nextInt(25)), Optional.empty());
      }
      PoolStatus status = random.nextBoolean() ? PoolStatus.OPEN : PoolStatus.CLOSED;
      return new ChangePool(POOL, OptionalInt.empty(), Optional.of(status));
    }

    private void assertOrdersMatchReservationsAndHolds(Pool state, String context) {
      assertEquals(state.reservations().size() + state.holds().size(), state.orders().size(), context);
      state.reservations().values().forEach(reservation -> {
        assertEquals(Optional.of(reservation), state.reservationOf(reservation.orderId()), context);
        assertFalse(Ids.parseReservation(reservation.reservationId()).isEmpty(), context);
      });
      state.holds().values().forEach(hold -> {
        assertEquals(Optional.of(hold), state.holdOf(hold.orderId()), context);
        assertFalse(state.endedHolds().containsKey(hold.holdId()), context);
      });
    }
  }
}
