package io.tally.pool;

import static io.tally.pool.PoolSpec.NOW;
import static io.tally.pool.PoolSpec.POOL;
import static io.tally.pool.PoolSpec.SLOT;
import static io.tally.pool.PoolSpec.TTL;
import static io.tally.pool.PoolSpec.cancel;
import static io.tally.pool.PoolSpec.changeCapacity;
import static io.tally.pool.PoolSpec.confirm;
import static io.tally.pool.PoolSpec.defineWithCutoff;
import static io.tally.pool.PoolSpec.defined;
import static io.tally.pool.PoolSpec.definedWithCutoff;
import static io.tally.pool.PoolSpec.expire;
import static io.tally.pool.PoolSpec.extend;
import static io.tally.pool.PoolSpec.given;
import static io.tally.pool.PoolSpec.hold;
import static io.tally.pool.PoolSpec.holdCancelled;
import static io.tally.pool.PoolSpec.holdConfirmed;
import static io.tally.pool.PoolSpec.holdExpired;
import static io.tally.pool.PoolSpec.holdExtended;
import static io.tally.pool.PoolSpec.holdPlaced;
import static io.tally.pool.PoolSpec.held;
import static io.tally.pool.PoolSpec.release;
import static io.tally.pool.PoolSpec.released;
import static io.tally.pool.PoolSpec.reserve;
import static io.tally.pool.PoolSpec.reserved;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.Rejection.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The rules of holds and cut-offs, as specifications: given these events, when this command at this time, then. */
class HoldRulesTest {

  private static final Instant EXPIRY = NOW.plus(TTL);

  @Nested
  class Holding {

    @Test
    void aHoldThatFitsIsPlacedForItsTimeToLive() {
      given(defined(3))
          .when(hold("o1", 2))
          .thenAccepted(holdPlaced("p~1", "o1", 2, NOW, EXPIRY))
          .thenState(pool -> {
            assertEquals(2, pool.held());
            assertEquals(0, pool.reserved());
            assertEquals(1, pool.remaining());
          });
    }

    @Test
    void heldUnitsCountAgainstCapacityLikeReservedOnes() {
      given(defined(3), reserved("o1"), held("o2"))
          .when(hold("o3", 2))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED, Kind.CONFLICT);
      given(defined(3), held("o1", 2))
          .when(reserve("o2", 2))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED);
    }

    @Test
    void aRetriedOrderGetsItsHoldAndRecordsNothing() {
      given(defined(1), held("o1"))
          .when(hold("o1", 1))
          .thenAcceptedNothing();
    }

    @Test
    void anOrderWhoseHoldWasConfirmedIsAnsweredWithoutANewHold() {
      given(defined(1), held("o1"), holdConfirmed("p~1", "o1", 1))
          .when(hold("o1", 1))
          .thenAcceptedNothing();
    }

    @Test
    void holdsAndReservationsShareOneIdSequence() {
      given(defined(5), reserved("o1"), held("o2"))
          .when(reserve("o3"))
          .thenAccepted(reserved("p~3", "o3", 1));
    }

    @Test
    void anOrderOnHoldIsNotReservedASecondTime() {
      given(defined(5), held("o1"))
          .when(reserve("o1"))
          .thenRejected(Rejection.ORDER_ON_HOLD, Kind.CONFLICT);
    }

    @Test
    void aClosedPoolTakesNoHold() {
      given(defined(5), new PoolEvent.PoolClosed())
          .when(hold("o1", 1))
          .thenRejected(Rejection.POOL_CLOSED);
    }

    @Test
    void aTimeToLiveOutsideItsBoundsIsRefusedAsTheCommandIsBuilt() {
      InvalidCommand tooLong = assertThrows(InvalidCommand.class,
          () -> hold("o1", 1, PoolCommand.MAX_HOLD_TTL.plusSeconds(1)));
      assertEquals("invalid_ttl", tooLong.rejection().code());
      assertThrows(InvalidCommand.class, () -> hold("o1", 1, Duration.ZERO));
    }
  }

  @Nested
  class Confirming {

    @Test
    void aLiveHoldBecomesTheReservationWithItsId() {
      given(defined(3), held("o1", 2))
          .at(EXPIRY.minusSeconds(1))
          .when(confirm("p~1"))
          .thenAccepted(holdConfirmed("p~1", "o1", 2))
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(0, pool.held());
            assertEquals(Optional.of(new Reservation("p~1", "o1", 2)), pool.reservation("p~1"));
            assertEquals("p~1", pool.reservationOf("o1").orElseThrow().reservationId());
          });
    }

    @Test
    void confirmingTwiceConfirmsOnce() {
      given(defined(3), held("o1"), holdConfirmed("p~1", "o1", 1))
          .when(confirm("p~1"))
          .thenAcceptedNothing();
    }

    @Test
    void theReservationAHoldBecameIsReleasedByTheHoldsId() {
      given(defined(3), held("o1", 2), holdConfirmed("p~1", "o1", 2))
          .when(release("p~1"))
          .thenAccepted(released("p~1", 2))
          .thenState(pool -> assertEquals(3, pool.remaining()));
    }

    @Test
    void aHoldIsConfirmedAfterTheCutoffAndBelowALoweredCapacity() {
      given(definedWithCutoff(3, NOW.plusSeconds(60)), held("o1", 2), new CapacityChanged(1))
          .at(NOW.plusSeconds(120))
          .when(confirm("p~1"))
          .thenAccepted(holdConfirmed("p~1", "o1", 2));
    }

    @Test
    void anUnknownHoldIsNotFound() {
      given(defined(3))
          .when(confirm("p~9"))
          .thenRejected(Rejection.HOLD_NOT_FOUND, Kind.NOT_FOUND);
    }

    @Test
    void aCancelledHoldIsNotConfirmed() {
      given(defined(3), held("o1"), holdCancelled("p~1", 1))
          .when(confirm("p~1"))
          .thenRejected(Rejection.HOLD_CANCELLED, Kind.CONFLICT);
    }
  }

  @Nested
  class Expiring {

    @Test
    void aHoldExpiresAtItsExpiryNotBefore() {
      given(defined(3), held("o1", 2))
          .at(EXPIRY.minusMillis(1))
          .when(expire())
          .thenAcceptedNothing();
      given(defined(3), held("o1", 2))
          .at(EXPIRY)
          .when(expire())
          .thenAccepted(holdExpired("p~1", 2, EXPIRY))
          .thenState(pool -> {
            assertEquals(0, pool.held());
            assertEquals(3, pool.remaining());
            assertEquals(HoldOutcome.EXPIRED, pool.endedHolds().get("p~1"));
            assertEquals(Optional.empty(), pool.holdOf("o1"));
          });
    }

    @Test
    void dueHoldsExpireSoonestFirstAndOnlyThey() {
      Instant later = NOW.plusSeconds(30);
      given(defined(5), held("o1"), holdPlaced(null, "o2", 1, later, later.plus(TTL)), held("o3"))
          .at(EXPIRY.plusSeconds(1))
          .when(expire())
          .thenAccepted(holdExpired("p~1", 1, EXPIRY), holdExpired("p~3", 1, EXPIRY))
          .thenState(pool -> assertEquals(1, pool.held()));
    }

    @Test
    void expireThenConfirmIsRefusedWithHoldExpiredAndNeverReReserved() {
      given(defined(3), held("o1"), holdExpired("p~1", 1, EXPIRY))
          .at(EXPIRY.plusSeconds(5))
          .when(confirm("p~1"))
          .thenRejected(Rejection.HOLD_EXPIRED, Kind.CONFLICT)
          .thenState(pool -> assertEquals(0, pool.reserved()));
    }

    @Test
    void aHoldWhoseTimeIsUpIsNotConfirmedEvenBeforeItsExpiryIsRecorded() {
      given(defined(3), held("o1"))
          .at(EXPIRY)
          .when(confirm("p~1"))
          .thenRejected(Rejection.HOLD_EXPIRED);
    }

    @Test
    void theOrderOfAnExpiredHoldMayHoldAgain() {
      given(defined(1), held("o1"), holdExpired("p~1", 1, EXPIRY))
          .at(EXPIRY)
          .when(hold("o1", 1))
          .thenAccepted(holdPlaced("p~2", "o1", 1, EXPIRY, EXPIRY.plus(TTL)));
    }

    @Test
    void theOwnersExpiryOfABatchListsWhatIsDueOnly() {
      Pool pool = PoolDecider.replay(null, List.of(defined(2), holdPlaced("p~1", "o1", 1, NOW, EXPIRY)));
      assertEquals(List.of(), PoolDecider.expire(pool, EXPIRY.minusNanos(1)));
      assertEquals(List.of(holdExpired("p~1", 1, EXPIRY)), PoolDecider.expire(pool, EXPIRY));
      assertEquals(List.of(), PoolDecider.expire(null, EXPIRY));
    }
  }

  @Nested
  class Cancelling {

    @Test
    void cancellingGivesTheUnitsBack() {
      given(defined(2), held("o1", 2))
          .when(cancel("p~1"))
          .thenAccepted(holdCancelled("p~1", 2))
          .thenState(pool -> {
            assertEquals(2, pool.remaining());
            assertEquals(HoldOutcome.CANCELLED, pool.endedHolds().get("p~1"));
          });
    }

    @Test
    void cancellingTwiceOrAfterExpiryGivesNothingBackTwice() {
      given(defined(2), held("o1"), holdCancelled("p~1", 1))
          .when(cancel("p~1"))
          .thenAcceptedNothing();
      given(defined(2), held("o1"), holdExpired("p~1", 1, EXPIRY))
          .when(cancel("p~1"))
          .thenAcceptedNothing();
    }

    @Test
    void aConfirmedHoldIsReleasedNotCancelled() {
      given(defined(2), held("o1"), holdConfirmed("p~1", "o1", 1))
          .when(cancel("p~1"))
          .thenRejected(Rejection.HOLD_CONFIRMED, Kind.CONFLICT);
    }

    @Test
    void releasingAHoldByItsIdCancelsIt() {
      given(defined(2), held("o1"))
          .when(release("p~1"))
          .thenAccepted(holdCancelled("p~1", 1));
    }
  }

  @Nested
  class Extending {

    @Test
    void anExtensionCountsItsTimeToLiveFromNow() {
      Instant now = NOW.plusSeconds(300);
      given(defined(2), held("o1"))
          .at(now)
          .when(extend("p~1", Duration.ofMinutes(20)))
          .thenAccepted(holdExtended("p~1", now.plus(Duration.ofMinutes(20))))
          .thenState(pool -> assertEquals(now.plus(Duration.ofMinutes(20)), pool.hold("p~1").orElseThrow()
              .expiresAt()));
    }

    @Test
    void aHoldLivesAtMostTheMaximumFromWhenItWasPlaced() {
      given(defined(2), held("o1"))
          .at(NOW.plusSeconds(1))
          .when(extend("p~1", PoolCommand.MAX_HOLD_TTL))
          .thenRejected(Rejection.HOLD_TOO_LONG, Kind.CONFLICT);
      given(defined(2), held("o1"))
          .at(NOW.plusSeconds(1))
          .when(extend("p~1", PoolCommand.MAX_HOLD_TTL.minusSeconds(1)))
          .thenAccepted(holdExtended("p~1", NOW.plus(PoolCommand.MAX_HOLD_TTL)));
    }

    @Test
    void anExpiredHoldIsNotExtended() {
      given(defined(2), held("o1"))
          .at(EXPIRY)
          .when(extend("p~1", TTL))
          .thenRejected(Rejection.HOLD_EXPIRED);
    }

    @Test
    void noHoldIsExtendedPastTheCutoff() {
      given(definedWithCutoff(2, NOW.plusSeconds(60)), held("o1"))
          .at(NOW.plusSeconds(60))
          .when(extend("p~1", TTL))
          .thenRejected(Rejection.PAST_CUTOFF);
    }
  }

  @Nested
  class CutOff {

    private static final Instant CUTOFF = SLOT.start().minus(Duration.ofHours(2));

    @Test
    void aPoolIsDefinedWithItsCutoff() {
      given()
          .when(defineWithCutoff(5, CUTOFF))
          .thenAccepted(definedWithCutoff(5, CUTOFF))
          .thenState(pool -> assertEquals(CUTOFF, pool.cutoff()));
    }

    @Test
    void beforeTheCutoffReservationsAndHoldsAreTaken() {
      given(definedWithCutoff(5, CUTOFF))
          .at(CUTOFF.minusMillis(1))
          .when(reserve("o1"))
          .thenAccepted(reserved("p~1", "o1", 1));
    }

    @Test
    void fromTheCutoffReservationsAndHoldsAreRefusedWithPastCutoff() {
      given(definedWithCutoff(5, CUTOFF))
          .at(CUTOFF)
          .when(reserve("o1"))
          .thenRejected(Rejection.PAST_CUTOFF, Kind.CONFLICT);
      given(definedWithCutoff(5, CUTOFF))
          .at(CUTOFF.plusSeconds(1))
          .when(hold("o1", 1))
          .thenRejected(Rejection.PAST_CUTOFF, Kind.CONFLICT);
    }

    @Test
    void afterTheCutoffCapacityChangesAndReleasesStillWork() {
      given(definedWithCutoff(5, CUTOFF), reserved("o1"))
          .at(CUTOFF.plusSeconds(1))
          .when(release("p~1"))
          .thenAccepted(released("p~1", 1));
      given(definedWithCutoff(5, CUTOFF))
          .at(CUTOFF.plusSeconds(1))
          .when(changeCapacity(8))
          .thenAccepted(new CapacityChanged(8));
    }

    @Test
    void aRetriedOrderStillGetsItsReservationAfterTheCutoff() {
      given(definedWithCutoff(5, CUTOFF), reserved("o1"))
          .at(CUTOFF.plusSeconds(1))
          .when(reserve("o1"))
          .thenAcceptedNothing();
    }

    @Test
    void aRedefinitionWithAnotherCutoffIsAConflict() {
      given(definedWithCutoff(5, CUTOFF))
          .when(defineWithCutoff(5, CUTOFF.plusSeconds(1)))
          .thenRejected(Rejection.POOL_EXISTS);
    }

    @Test
    void aCutoffAtOrAfterTheSlotsEndIsRefusedAsTheCommandIsBuilt() {
      InvalidCommand invalid = assertThrows(InvalidCommand.class,
          () -> new DefinePool(POOL, 5, SLOT, PoolSpec.REGIONS, SLOT.end()));
      assertEquals("invalid_cutoff", invalid.rejection().code());
    }
  }

  @Nested
  class CapacityBelowWhatIsTaken {

    @Test
    void loweringCapacityBelowHeldPlusReservedKeepsBothAndRefusesNew() {
      given(defined(4), reserved("o1", 2), held("o2", 2))
          .when(changeCapacity(3))
          .thenAccepted(new CapacityChanged(3))
          .thenState(pool -> {
            assertEquals(2, pool.reserved());
            assertEquals(2, pool.held());
            assertEquals(0, pool.remaining());
          });
      given(defined(4), reserved("o1", 2), held("o2", 2), new CapacityChanged(3))
          .when(hold("o3", 1))
          .thenRejected(Rejection.CAPACITY_EXHAUSTED);
    }

    @Test
    void onceTheHoldExpiresTheLoweredCapacityHasRoomAgain() {
      given(defined(4), reserved("o1", 2), held("o2", 2), new CapacityChanged(3), holdExpired("p~2", 2, EXPIRY))
          .at(EXPIRY)
          .when(reserve("o3"))
          .thenAccepted(reserved("p~3", "o3", 1));
    }
  }

  @Test
  void aHoldsRulesForOrderAndUnitsAreAReservations() {
    assertEquals("invalid_units", assertThrows(InvalidCommand.class,
        () -> new PlaceHold(POOL, "o1", 0, null, null, TTL)).rejection().code());
    assertEquals("invalid_order_id", assertThrows(InvalidCommand.class,
        () -> new PlaceHold(POOL, "", 1, null, null, TTL)).rejection().code());
  }
}
