package io.tally.audit;

import io.tally.basket.Basket;
import io.tally.basket.BasketStore;
import io.tally.contract.StoredForm;
import io.tally.journal.JournalReader;
import io.tally.journal.RecordedEvent;
import io.tally.pool.Decision;
import io.tally.pool.Ids;
import io.tally.pool.Pool;
import io.tally.pool.PoolDecider;
import io.tally.pool.HoldOutcome;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldCancelled;
import io.tally.pool.PoolEvent.HoldConfirmed;
import io.tally.pool.PoolEvent.HoldExpired;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolDefined;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent.ReservationReleased;
import io.tally.pool.PoolEvent;
import io.tally.query.PoolViewProjection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks the journal against the invariants by replaying every pool from its first event: seqs without gaps (the
 * fence held), no reservation or hold accepted beyond capacity at the moment it was made, reserved and held units
 * counted together (I1), no order holding two live reservations or holds (I3), no hold that ended twice (confirmed
 * and expired, say), and every event readable; that every basket is all or nothing (a confirmed basket's holds
 * became reservations, a refused or undone one left its order nothing in any of its pools, none is unfinished long
 * past its time to live); that every reset restored exactly the pool its history had at its moment; then checks that
 * {@code pool_view} equals the replay. Reports the
 * offending pools rather than the first failure, so one run tells an operator everything that is wrong.
 *
 * <p>Given the {@link Acknowledgements} clients collected, it also proves that nothing answered with success was
 * lost: the replay already decodes every event, so it ticks off each acknowledged reservation (same id, order and
 * pool; a confirmed hold is the reservation with its id) and release as it meets them, without a query per
 * acknowledgement. Events of a pool that failed its own checks still count here, because an acknowledgement is kept
 * as long as its event is in the journal.
 */
public final class Audit {

  private static final int PAGE = 5_000;
  /** How long after its time to live a basket may still be unfinished before the audit reports it. */
  private static final Duration UNFINISHED_GRACE = Duration.ofMinutes(1);

  /** A reset met in the replay, with the pool as it was just before it; checked against the history once read. */
  private record ResetSeen(String poolId, long seq, Pool before, PoolReset reset) {
  }

  /** One item of a basket, checked against its pool once the replay has read the pool. */
  private record BasketItem(Basket basket, int index) {
  }

  private Audit() {
  }

  /**
   * What an audit found: how much it read, how many acknowledgements it checked against the journal, and one line
   * per problem, naming the pool, the file or the acknowledgement.
   */
  public record Report(long pools, long events, long baskets, long acknowledged, List<String> problems) {
    public boolean passed() {
      return problems.isEmpty();
    }

    public JsonObject toJson() {
      return new JsonObject().put("passed", passed()).put("pools", pools).put("events", events)
          .put("baskets", baskets).put("acknowledged", acknowledged).put("problems", new JsonArray(problems));
    }
  }

  /** Audits the journal alone. */
  public static Future<Report> run(SqlClient sql) {
    return run(sql, Acknowledgements.none());
  }

  /** Audits the journal and proves every acknowledgement is in it; their parse problems fail the audit too. */
  public static Future<Report> run(SqlClient sql, Acknowledgements acknowledged) {
    if (sql instanceof io.vertx.sqlclient.Pool connections) {
      // one snapshot for the journal, pool_view and the baskets: a live node that appends meanwhile (expiring holds,
      // say) must not make a view one event ahead of the replay look like drift
      return connections.withTransaction(conn -> conn
          .query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
          .compose(snapshot -> audit(conn, acknowledged)));
    }
    return audit(sql, acknowledged);
  }

  private static Future<Report> audit(SqlClient sql, Acknowledgements acknowledged) {
    Run run = new Run(sql, new JournalReader(sql), acknowledged);
    return run.baskets("")
        .compose(baskets -> run.page("", 0))
        .compose(journal -> {
          run.settle();
          run.basketsWithoutPools();
          return run.checkResets();
        })
        .compose(resets -> run.compareView())
        .map(view -> run.compareAcknowledged());
  }

  /** Replays streams page by page, carrying the pool being replayed across page boundaries. */
  private static final class Run {
    private final SqlClient sql;
    private final JournalReader journal;
    private final List<String> problems = new ArrayList<>();
    private long pools;
    private long events;
    private long baskets;
    private final Map<String, List<BasketItem>> basketItems = new HashMap<>();
    private String stream;
    private Pool pool;
    private long lastSeq;
    private boolean broken;

    private final Map<String, String> replayed = new HashMap<>();
    private final Set<String> brokenPools = new HashSet<>();
    private final List<ResetSeen> resets = new ArrayList<>();

    private final Acknowledgements acknowledged;
    private final BitSet reservationsFound = new BitSet();
    private final BitSet reservationsDiffering = new BitSet();
    private final Map<Integer, String> differingExamples = new TreeMap<>();
    private final BitSet releasesFound = new BitSet();

    Run(SqlClient sql, JournalReader journal, Acknowledgements acknowledged) {
      this.sql = sql;
      this.journal = journal;
      this.acknowledged = acknowledged;
    }

    /**
     * Every reset against the history it names: the pool's events recorded until its moment (and before the reset
     * itself), replayed, must be the pool it restored, so that it voided, restored and cancelled exactly what differed
     * and set the capacity and status of then. Resets are rare, so each reads its pool's history once more.
     */
    Future<Void> checkResets() {
      Future<Void> chain = Future.succeededFuture();
      for (ResetSeen seen : resets) {
        if (brokenPools.contains(seen.poolId())) {
          continue; // its journal is already reported
        }
        chain = chain.compose(done -> journal.readUntil(seen.poolId(), seen.reset().at().atOffset(ZoneOffset.UTC))
            .map(history -> {
              checkReset(seen, history.stream().filter(event -> event.seq() < seen.seq()).toList());
              return null;
            }));
      }
      return chain;
    }

    private void checkReset(ResetSeen seen, List<RecordedEvent> history) {
      PoolReset stored = seen.reset();
      Pool then = PoolDecider.replay(null, history.stream().map(StoredForm::decode).toList());
      long asOfSeq = history.isEmpty() ? 0 : history.getLast().seq();
      Decision expected = PoolDecider.reset(seen.before(), then, asOfSeq, stored.at(), stored.reason(), stored.at());
      String where = seen.poolId() + ": the reset at seq " + seen.seq() + " to " + stored.at();
      if (!(expected instanceof Decision.Accepted(List<PoolEvent> events))) {
        problems.add(where + " could not have been made: " + ((Decision.Rejected) expected).rejection().message());
      } else if (events.isEmpty()) {
        problems.add(where + " changed nothing yet was appended");
      } else if (!events.getFirst().equals(stored)) {
        problems.add(where + " does not restore the pool as it was then: it should be " + events.getFirst()
            + ", the journal has " + stored);
      }
    }

    /** Every pool's row in {@code pool_view} against its replay: same seq, capacity, reserved and status. */
    Future<Void> compareView() {
      return PoolViewProjection.rows(sql).map(rows -> {
        Set<String> seen = new HashSet<>();
        for (PoolViewProjection.Row row : rows) {
          String poolId = row.poolId();
          seen.add(poolId);
          if (brokenPools.contains(poolId)) {
            continue; // its journal is already reported
          }
          String view = describe(row.seq(), row.capacity(), row.reserved(), row.held(), row.status());
          String truth = replayed.get(poolId);
          if (truth == null) {
            problems.add(poolId + ": pool_view has a row (" + view + ") but the journal has no such pool");
          } else if (!truth.equals(view)) {
            problems.add(poolId + ": pool_view says " + view + ", the journal " + truth);
          }
        }
        replayed.keySet().stream().filter(poolId -> !seen.contains(poolId)).sorted()
            .forEach(poolId -> problems.add(poolId + ": missing from pool_view"));
        return null;
      });
    }

    /**
     * Every acknowledgement the replay did not meet, as a count and the first {@value Acknowledgements#EXAMPLES}
     * examples of each kind, so a run that lost thousands still prints a readable report.
     */
    Report compareAcknowledged() {
      problems.addAll(acknowledged.problems());
      int reservations = acknowledged.reservationCount();
      BitSet differing = (BitSet) reservationsDiffering.clone();
      differing.andNot(reservationsFound);
      BitSet missing = new BitSet();
      missing.set(0, reservations);
      missing.andNot(reservationsFound);
      missing.andNot(differing);
      if (!missing.isEmpty()) {
        problems.add("acknowledged reservations not in the journal: " + missing.cardinality() + " of " + reservations);
        missing.stream().limit(Acknowledgements.EXAMPLES).forEach(at -> problems.add(
            "acknowledged reservation " + acknowledged.reservation(at) + " is not in the journal"));
      }
      if (!differing.isEmpty()) {
        problems.add("acknowledged reservations in the journal for another order or pool: " + differing.cardinality()
            + " of " + reservations);
        differingExamples.forEach((at, journal) -> {
          if (differing.get(at)) {
            problems.add("acknowledged reservation " + acknowledged.reservation(at) + " is in the journal as "
                + journal);
          }
        });
      }
      int releases = acknowledged.releaseCount();
      BitSet unreleased = new BitSet();
      unreleased.set(0, releases);
      unreleased.andNot(releasesFound);
      if (!unreleased.isEmpty()) {
        problems.add("acknowledged releases not in the journal: " + unreleased.cardinality() + " of " + releases);
        unreleased.stream().limit(Acknowledgements.EXAMPLES).forEach(at -> problems.add(
            "acknowledged release of " + acknowledged.release(at) + " is not in the journal"));
      }
      return new Report(pools, events, baskets, acknowledged.rows(), List.copyOf(problems));
    }

    private static String describe(long seq, int capacity, long reserved, long held, String status) {
      return "seq " + seq + ", capacity " + capacity + ", reserved " + reserved + ", held " + held + ", " + status;
    }

    Future<Void> page(String afterStream, long afterSeq) {
      return journal.scan(afterStream, afterSeq, PAGE).compose(events -> {
        for (RecordedEvent event : events) {
          check(event.streamId(), event.seq(), event.type(), event.payload());
        }
        return events.size() < PAGE ? Future.succeededFuture()
            : page(events.getLast().streamId(), events.getLast().seq());
      });
    }

    private void check(String streamId, long seq, String type, String payload) {
      events++;
      if (!streamId.equals(stream)) {
        settle();
        stream = streamId;
        pool = null;
        lastSeq = 0;
        broken = false;
        pools++;
      }
      PoolEvent event;
      try {
        event = StoredForm.decode(type, payload);
      } catch (RuntimeException e) {
        if (!broken) {
          fail(streamId + ": event " + seq + " is unreadable: " + e.getMessage());
        }
        return;
      }
      witness(streamId, event);
      if (broken) {
        return;
      }
      if (seq != lastSeq + 1) {
        fail(streamId + ": seq " + seq + " follows seq " + lastSeq);
        return;
      }
      lastSeq = seq;
      if (pool == null && !(event instanceof PoolDefined)) {
        fail(streamId + ": event " + seq + " (" + type + ") comes before the pool was defined");
        return;
      }
      if (pool != null) {
        checkBefore(streamId, seq, event);
      }
      if (event instanceof PoolReset reset && pool != null) {
        resets.add(new ResetSeen(streamId, seq, pool, reset));
      }
      pool = PoolDecider.evolve(pool, event);
      boolean taking = event instanceof CapacityReserved || event instanceof HoldPlaced;
      if (taking && pool.reserved() + pool.held() > pool.capacity()) {
        fail(streamId + ": overbooked at seq " + seq + ", " + pool.reserved() + " reserved and " + pool.held()
            + " held of " + pool.capacity());
      }
      if (!broken) {
        replayed.put(streamId, describe(seq, pool.capacity(), pool.reserved(), pool.held(),
            pool.status().wireName()));
      }
    }

    /** I3 and the life of a hold, against the pool as it was before {@code event}. */
    private void checkBefore(String streamId, long seq, PoolEvent event) {
      String orderId = switch (event) {
        case CapacityReserved reserved -> reserved.orderId();
        case HoldPlaced placed -> placed.orderId();
        default -> null;
      };
      if (orderId != null && pool.orders().containsKey(orderId)) {
        fail(streamId + ": order " + orderId + " reserved or held again at seq " + seq + " while it has "
            + pool.orders().get(orderId));
        return;
      }
      String ending = switch (event) {
        case HoldConfirmed confirmed -> confirmed.holdId();
        case HoldCancelled cancelled -> cancelled.holdId();
        case HoldExpired expired -> expired.holdId();
        default -> null;
      };
      if (ending != null && pool.hold(ending).isEmpty()) {
        HoldOutcome ended = pool.endedHolds().get(ending);
        String before = ended != null ? ended.wireName() : pool.reservations().containsKey(ending) ? "confirmed"
            : "never placed";
        fail(streamId + ": hold " + ending + " ends again at seq " + seq + " (" + event.getClass().getSimpleName()
            + ") but was already " + before);
      }
    }

    /** Ticks off the acknowledgement this event confirms, if any. */
    private void witness(String streamId, PoolEvent event) {
      if (event instanceof CapacityReserved reserved) {
        witnessReservation(streamId, reserved.reservationId(), reserved.orderId());
      } else if (event instanceof HoldConfirmed confirmed) {
        witnessReservation(streamId, confirmed.holdId(), confirmed.orderId()); // the reservation a hold became
      } else if (event instanceof ReservationReleased released) {
        int at = acknowledged.releaseIndex(released.reservationId());
        if (at >= 0) {
          releasesFound.set(at);
        }
      }
    }

    private void witnessReservation(String streamId, String reservationId, String orderId) {
      int at = acknowledged.reservationIndex(reservationId);
      if (at < 0) {
        return;
      }
      if (acknowledged.matches(at, orderId, streamId)) {
        reservationsFound.set(at);
      } else if (!reservationsDiffering.get(at)) {
        reservationsDiffering.set(at);
        if (differingExamples.size() < Acknowledgements.EXAMPLES) {
          differingExamples.put(at, "order " + orderId + " in pool " + streamId);
        }
      }
    }

    /**
     * Every basket, read before the pools: each item is checked against its pool's final state once the replay has
     * read that pool, so memory grows with the baskets, not with the pools' histories.
     */
    Future<Void> baskets(String after) {
      return BasketStore.page(sql, after, PAGE).compose(page -> {
        for (Basket basket : page) {
          baskets++;
          if (!basket.phase().finished() && basket.expiresAt().plus(UNFINISHED_GRACE).isBefore(Instant.now())) {
            problems.add("basket " + basket.basketId() + " is still " + basket.phase().wireName() + " past its time"
                + " to live (" + basket.expiresAt() + ")");
          }
          for (int i = 0; i < basket.items().size(); i++) {
            basketItems.computeIfAbsent(basket.items().get(i).poolId(), pool -> new ArrayList<>())
                .add(new BasketItem(basket, i));
          }
        }
        return page.size() < PAGE ? Future.succeededFuture() : baskets(page.getLast().basketId());
      }, failure -> {
        problems.add("the baskets could not be read: " + failure.getMessage());
        return Future.succeededFuture();
      });
    }

    /**
     * All or nothing (I1), for the pool just replayed: a confirmed basket's hold became a reservation there (and a
     * released basket's was released); a refused or undone basket left its order no live reservation there.
     */
    void settle() {
      List<BasketItem> items = stream == null ? null : basketItems.remove(stream);
      if (items == null || pool == null || broken) {
        return; // a pool that failed its own checks is reported already
      }
      for (BasketItem item : items) {
        Basket basket = item.basket();
        String holdId = basket.holdIds().get(item.index());
        String where = "basket " + basket.basketId() + " (" + basket.phase().wireName() + "), pool " + stream;
        switch (basket.phase()) {
          case CONFIRMED, RELEASING, RELEASED -> {
            HoldOutcome ended = holdId == null ? null : pool.endedHolds().get(holdId);
            if (holdId == null || ended != null || pool.hold(holdId).isPresent()
                || Ids.parseReservation(holdId).map(id -> id.number() > pool.reservationsIssued()).orElse(true)) {
              problems.add(where + ": hold " + holdId + " did not become a reservation"
                  + (ended != null ? " (it was " + ended.wireName() + ")" : ""));
            } else if (basket.phase() == Basket.Phase.RELEASED && pool.reservations().containsKey(holdId)) {
              problems.add(where + ": reservation " + holdId + " is still live after the basket was released");
            }
          }
          case REFUSED, UNDONE -> {
            String kept = pool.orders().get(basket.orderId());
            if (kept != null && pool.reservations().containsKey(kept)) {
              problems.add(where + ": order " + basket.orderId() + " still has reservation " + kept
                  + " although the basket did not go through");
            }
          }
          default -> {
            // still being decided: checked against its time to live above
          }
        }
      }
    }

    /** Confirmed baskets whose items name pools the journal does not have. */
    void basketsWithoutPools() {
      basketItems.forEach((poolId, items) -> items.stream()
          .filter(item -> item.basket().phase() == Basket.Phase.CONFIRMED)
          .forEach(item -> problems.add("basket " + item.basket().basketId() + " is confirmed, but its pool " + poolId
              + " is not in the journal")));
    }

    private void fail(String problem) {
      problems.add(problem);
      broken = true;
      brokenPools.add(stream);
      replayed.remove(stream);
    }
  }
}
