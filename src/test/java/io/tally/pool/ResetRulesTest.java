package io.tally.pool;

import static io.tally.pool.PoolSpec.NOW;
import static io.tally.pool.PoolSpec.POOL;
import static io.tally.pool.PoolSpec.REGIONS;
import static io.tally.pool.PoolSpec.SLOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.tally.pool.PoolCommand.CancelHold;
import io.tally.pool.PoolCommand.ConfirmHold;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolEvent.CapacityChanged;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldCancelled;
import io.tally.pool.PoolEvent.HoldConfirmed;
import io.tally.pool.PoolEvent.HoldExpired;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolClosed;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent.PoolReset.Claim;
import io.tally.pool.PoolEvent.ReservationReleased;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of a reset to a moment, as specifications: a history up to the moment, what happened after it, and the
 * pool the reset leaves, which must be the pool of the moment but for holds that are no longer live.
 */
class ResetRulesTest {

  private static final Instant AT = NOW.minusSeconds(600);
  private static final String REASON = "capacity entered for the wrong depot";

  /** The events up to the moment: five units, two reservations, a hold, one more reservation released. */
  private static final List<PoolEvent> UNTIL_AT = List.of(
      new PoolDefined(POOL, 5, SLOT, REGIONS),
      new CapacityReserved(POOL + "~1", "o1", 1, "SW1A 1", Channel.DELIVERY),
      new CapacityReserved(POOL + "~2", "o2", 2),
      new HoldPlaced(POOL + "~3", "o3", 1, null, null, AT.minusSeconds(60), AT.plusSeconds(540)),
      new HoldPlaced(POOL + "~4", "o4", 1, null, null, AT.minusSeconds(30), AT.plusSeconds(570)),
      new CapacityReserved(POOL + "~5", "o5", 1),
      new ReservationReleased(POOL + "~5", 1));

  /**
   * The events since: o2's reservation released, capacity raised and the pool closed, hold ~3 confirmed, hold ~4 still
   * live, a new reservation ~6 and a new hold ~7, and a hold ~8 placed and cancelled.
   */
  private static final List<PoolEvent> SINCE = List.of(
      new ReservationReleased(POOL + "~2", 2),
      new CapacityChanged(9),
      new HoldConfirmed(POOL + "~3", "o3", 1, null, null),
      new CapacityReserved(POOL + "~6", "o6", 2, "SW1A 2", Channel.PICKUP),
      new HoldPlaced(POOL + "~7", "o7", 1, "SW1A 1", null, NOW.minusSeconds(10), NOW.plusSeconds(590)),
      new HoldPlaced(POOL + "~8", "o8", 1, null, null, NOW.minusSeconds(9), NOW.plusSeconds(591)),
      new HoldCancelled(POOL + "~8", 1, null),
      new PoolClosed());

  private static Pool past() {
    return PoolDecider.replay(null, UNTIL_AT);
  }

  private static Pool now() {
    List<PoolEvent> all = new ArrayList<>(UNTIL_AT);
    all.addAll(SINCE);
    return PoolDecider.replay(null, all);
  }

  private static PoolReset resetOf(Pool pool) {
    Decision decision = PoolDecider.reset(pool, past(), UNTIL_AT.size(), AT, REASON, NOW);
    List<PoolEvent> events = assertInstanceOf(Decision.Accepted.class, decision).events();
    assertEquals(1, events.size());
    return assertInstanceOf(PoolReset.class, events.getFirst());
  }

  @Test
  void aResetVoidsWhatWasReservedSinceAndUndoesWhatWasReleasedSince() {
    PoolReset reset = resetOf(now());
    assertEquals(new PoolReset(AT, UNTIL_AT.size(), REASON, 5, PoolStatus.OPEN,
        List.of(new Claim(POOL + "~3", "o3", 1, null, null), new Claim(POOL + "~6", "o6", 2, "SW1A 2", Channel.PICKUP)),
        List.of(new Claim(POOL + "~2", "o2", 2, null, null)),
        List.of(new Claim(POOL + "~7", "o7", 1, "SW1A 1", null))), reset);
  }

  @Test
  void theResetPoolHasTheCapacityStatusAndReservationsOfTheMoment() {
    Pool before = now();
    Pool after = PoolDecider.evolve(before, resetOf(before));
    Pool past = past();
    assertEquals(past.capacity(), after.capacity());
    assertEquals(past.status(), after.status());
    assertEquals(past.reservations(), after.reservations());
    assertEquals(past.reserved(), after.reserved());
    // hold ~3 was live then and became a reservation since (voided); hold ~4 was live then and still is
    assertEquals(List.of(POOL + "~4"), after.holds().keySet().stream().toList());
    assertEquals(1, after.held());
    assertEquals(past.orders().minus("o3"), after.orders());
    assertEquals(before.reservationsIssued(), after.reservationsIssued(), "an issued id is never issued again");
  }

  @Test
  void holdsPlacedSinceAreCancelledAndEndedHoldsStayEnded() {
    Pool after = PoolDecider.evolve(now(), resetOf(now()));
    assertEquals(HoldOutcome.CANCELLED, after.endedHolds().get(POOL + "~7"));
    assertEquals(HoldOutcome.CANCELLED, after.endedHolds().get(POOL + "~8"));
    Decision confirm = PoolDecider.decide(after, new ConfirmHold(POOL + "~7"), NOW);
    assertEquals(Rejection.HOLD_CANCELLED, assertInstanceOf(Decision.Rejected.class, confirm).rejection().code());
    assertEquals(Decision.accept(), PoolDecider.decide(after, new CancelHold(POOL + "~7"), NOW),
        "cancelling a hold the reset cancelled gives nothing back a second time");
  }

  @Test
  void aHoldThatExpiredSinceIsNotBroughtBack() {
    List<PoolEvent> all = new ArrayList<>(UNTIL_AT);
    all.add(new HoldExpired(POOL + "~4", 1, null, AT.plusSeconds(570)));
    all.add(new CapacityChanged(9));
    Pool before = PoolDecider.replay(null, all);
    Pool after = PoolDecider.evolve(before, resetOf(before));
    assertEquals(List.of(POOL + "~3"), after.holds().keySet().stream().toList());
    assertEquals(HoldOutcome.EXPIRED, after.endedHolds().get(POOL + "~4"));
  }

  @Test
  void anOrderWhoseReservationWasVoidedReservesAgainUnderANewId() {
    Pool after = PoolDecider.evolve(now(), resetOf(now()));
    Decision again = PoolDecider.decide(after, new Reserve(POOL, "o6", 1, null, null), NOW);
    assertEquals(Decision.accept(new CapacityReserved(POOL + "~9", "o6", 1)), again);
  }

  @Test
  void anOrderWhoseReleaseWasUndoneHasItsReservationAgain() {
    Pool after = PoolDecider.evolve(now(), resetOf(now()));
    assertEquals(POOL + "~2", after.reservationOf("o2").orElseThrow().reservationId());
    assertEquals(Decision.accept(new ReservationReleased(POOL + "~2", 2)),
        PoolDecider.decide(after, new Release(POOL + "~2"), NOW));
  }

  @Test
  void releasingAVoidedReservationReleasesNothingAndIsAnswered() {
    Pool after = PoolDecider.evolve(now(), resetOf(now()));
    assertEquals(Decision.accept(), PoolDecider.decide(after, new Release(POOL + "~6"), NOW));
  }

  @Test
  void aResetToTheStateThePoolIsInChangesNothing() {
    Pool before = now();
    Pool after = PoolDecider.evolve(before, resetOf(before));
    assertEquals(Decision.accept(), PoolDecider.reset(after, past(), UNTIL_AT.size(), AT, REASON, NOW),
        "a retried reset appends nothing");
  }

  @Test
  void aResetToAMomentBeforeTheDefinitionIsRefused() {
    Decision decision = PoolDecider.reset(now(), null, 0, SLOT.start().minusSeconds(86_400), REASON, NOW);
    assertEquals(Rejection.RESET_BEFORE_DEFINITION,
        assertInstanceOf(Decision.Rejected.class, decision).rejection().code());
  }

  @Test
  void aResetToTheFutureIsRefusedAsInvalid() {
    Decision decision = PoolDecider.reset(now(), now(), UNTIL_AT.size() + SINCE.size(), NOW.plusSeconds(1), REASON,
        NOW);
    Rejection rejection = assertInstanceOf(Decision.Rejected.class, decision).rejection();
    assertEquals("invalid_at", rejection.code());
    assertEquals(Rejection.Kind.INVALID, rejection.kind());
  }

  @Test
  void aResetKeepsWhatIsBeyondCapacityNoHigherThanItWasThen() {
    // capacity lowered below what is taken before the moment: the reset keeps that, as lowering capacity does
    List<PoolEvent> until = new ArrayList<>(UNTIL_AT);
    until.add(new CapacityChanged(2));
    Pool past = PoolDecider.replay(null, until);
    List<PoolEvent> all = new ArrayList<>(until);
    all.add(new ReservationReleased(POOL + "~1", 1));
    Pool before = PoolDecider.replay(null, all);
    Decision decision = PoolDecider.reset(before, past, until.size(), AT, REASON, NOW);
    Pool after = PoolDecider.replay(before, assertInstanceOf(Decision.Accepted.class, decision).events());
    assertEquals(past.reserved() + past.held(), after.reserved() + after.held());
    assertEquals(2, after.capacity());
    assertEquals(Rejection.CAPACITY_EXHAUSTED, assertInstanceOf(Decision.Rejected.class,
        PoolDecider.decide(after, new Reserve(POOL, "o9", 1, null, null), NOW)).rejection().code());
  }
}
