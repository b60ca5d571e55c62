package io.tally.shard;

import io.micrometer.core.instrument.Timer;
import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.contract.PoolRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.contract.StoredForm;
import io.tally.contract.UnreadableEvent;
import io.tally.journal.Journal;
import io.tally.journal.NewEvent;
import io.tally.journal.StreamAppend;
import io.tally.journal.StreamHistory;
import io.tally.pool.Decision;
import io.tally.pool.Pool;
import io.tally.pool.PoolCommand.CancelHold;
import io.tally.pool.PoolCommand.ChangePool;
import io.tally.pool.PoolCommand.ConfirmHold;
import io.tally.pool.PoolCommand.DefinePool;
import io.tally.pool.PoolCommand.ExpireHolds;
import io.tally.pool.PoolCommand.ExtendHold;
import io.tally.pool.PoolCommand.PlaceHold;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.tally.pool.PoolCommand;
import io.tally.pool.PoolDecider;
import io.tally.pool.PoolEvent.CapacityReserved;
import io.tally.pool.PoolEvent.HoldPlaced;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.PoolEvent;
import io.tally.pool.Rejection;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pool in memory on its shard's context. Commands are decided one at a time in arrival order; while the
 * pool's append is in flight, newly arrived commands wait and are then decided together into the next append
 * (group commit per pool). Nothing is answered before the events it depends on are committed.
 *
 * <p>Time is read from one clock, once per batch: before the batch's commands are decided, every hold whose time is
 * up is expired, so the expiries go into the batch's append (the first append of a pool loaded after its holds'
 * deadlines passed) and the commands after them see the units free.
 *
 * <p>If an append fails, the pool's in-memory state can no longer be trusted (another writer may own the stream,
 * or the commit's outcome is unknown): every waiting command is answered "retry" and the entity forgets itself, so
 * the next command reloads the pool from the journal. Retrying is safe because commands are idempotent.
 */
final class PoolEntity {

  private static final Logger log = LoggerFactory.getLogger(PoolEntity.class);

  /** A request waiting for its answer. */
  record Pending(PoolRequest request, Consumer<Reply> reply) {
  }

  /**
   * The pool as it was at the moment a waiting reset names: its events recorded until then, replayed ({@code null}
   * when there were none), the last of them {@code asOfSeq}.
   */
  private record Past(Pending reset, Pool pool, long asOfSeq) {
  }

  private final String poolId;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final Consumer<PoolEntity> forget;
  private final Runnable onAnswered;
  private final LoadLimiter loads;
  private final Timer loadTime;
  private final BiConsumer<Pool, Long> changed;
  private final Clock clock;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();

  private Pool state;
  private long version;
  private long eventsSinceSnapshot;
  private boolean loaded;
  private boolean busy;
  private long busySince;
  private Supplier<Reply> moved;
  private boolean snapshotInFlight;
  /** The stored snapshot is of another state version: a current one is written once the pool is loaded. */
  private boolean staleSnapshot;
  private long lastUsedNanos = System.nanoTime();
  /** The event that made this pool unloadable here, once a load met one; every command is then refused. */
  private UnreadableEvent unreadable;
  /** The past of the reset at the head of the queue, once it is loaded. */
  private Past past;

  /**
   * @param changed told of every committed change of the pool
   * @param forget told when the entity drops itself (an undefined pool, a failed append)
   * @param onAnswered told after every batch of answers, so a retiring shard knows when nothing is in flight
   * @param loadTime where the time of each load, from asking for a load slot to the pool replayed, is recorded
   */
  PoolEntity(String poolId, Journal journal, ShardConfig shardConfig, JournalConfig journalConfig, LoadLimiter loads,
      Clock clock, BiConsumer<Pool, Long> changed, Consumer<PoolEntity> forget, Runnable onAnswered,
      Timer loadTime) {
    this.poolId = poolId;
    this.clock = clock;
    this.loads = loads;
    this.changed = changed;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
    this.forget = forget;
    this.onAnswered = onAnswered;
    this.loadTime = loadTime;
  }

  String poolId() {
    return poolId;
  }

  boolean idleSince(long nanos) {
    return !busy && queue.isEmpty() && lastUsedNanos < nanos;
  }

  boolean busy() {
    return busy || !queue.isEmpty();
  }

  /** How long, in nanoseconds up to {@code now}, the load or append in flight has been waited for; 0 if none. */
  long waitingNanos(long now) {
    return busy ? now - busySince : 0;
  }

  /** What the entity is waiting for, for a log line. */
  String waitingFor() {
    return (loaded ? "an append or its history" : "its load") + " with " + queue.size() + " commands queued";
  }

  void submit(Pending pending) {
    lastUsedNanos = System.nanoTime();
    if (loaded && pending.request() instanceof PoolRequest.Read) {
      // the confirmed state holds every acknowledged write, so a read need not wait for an append in flight
      pending.reply().accept(read());
      return;
    }
    queue.add(pending);
    if (!busy) {
      run();
    }
  }

  /**
   * Stops deciding: the shard is being handed to another node. An append in flight still finishes and is answered;
   * everything else waiting is answered with {@code moved}, which names the new owner.
   */
  void retire(Supplier<Reply> moved) {
    this.moved = moved;
    if (!busy) {
      failQueued(moved);
    }
  }

  private void run() {
    if (moved != null) {
      failQueued(moved);
      return;
    }
    if (unreadable != null) {
      failQueued(() -> Reply.refused(Refusal.unreadable(unreadable)));
      return;
    }
    if (!loaded) {
      load();
      return;
    }
    while (!queue.isEmpty()) {
      if (queue.peek().request() instanceof PoolRequest.Reset reset && !pastLoadedFor(queue.peek())) {
        if (state == null) {
          answer(List.of(queue.poll()), List.of(notFound()));
          continue;
        }
        loadPast(queue.peek(), reset);
        return; // the load's completion continues the loop
      }
      if (!decideBatch()) {
        return; // an append is in flight; its completion continues the loop
      }
    }
    if (state == null) {
      forget.accept(this); // an undefined pool is not worth memory
    }
  }

  private void load() {
    busy = true;
    busySince = System.nanoTime();
    loads.acquire()
        .compose(admitted -> journal.load(poolId).onComplete(loaded -> loads.release()))
        .compose(this::readable)
        .map(this::restore)
        .onSuccess(restored -> {
          loadTime.record(System.nanoTime() - busySince, TimeUnit.NANOSECONDS);
          busy = false;
          run();
        })
        .onFailure(failure -> {
          busy = false;
          if (failure instanceof UnreadableEvent event) {
            // never replayed without the event: refused until a node that reads it owns the pool. The stored row
            // cannot go away, so the refusal is kept (until the pool is evicted) rather than loaded again per request
            log.atError().addKeyValue("pool", poolId).log("Pool {} is refused: {}", poolId, event.getMessage());
            unreadable = event;
            failQueued(() -> Reply.refused(Refusal.unreadable(event)));
            return;
          }
          log.atWarn().addKeyValue("pool", poolId).log("Could not load pool {}: {}", poolId, failure.toString());
          abandon();
        });
  }

  /**
   * The history as loaded, or, when its snapshot is of another state version, every event of the pool instead: such
   * a snapshot is never read, and once the pool is replayed a current one replaces it.
   */
  private Future<StreamHistory> readable(StreamHistory history) {
    if (history.snapshot().isEmpty() || StoredForm.readable(history.snapshot().get().state())) {
      return Future.succeededFuture(history);
    }
    log.atInfo().addKeyValue("pool", poolId).addKeyValue("seq", history.snapshot().get().seq())
        .log("The snapshot of pool {} at seq {} is of another state version; replaying its events instead", poolId,
            history.snapshot().get().seq());
    staleSnapshot = true;
    return journal.loadFromStart(poolId);
  }

  /** Replays the pool from its history; a history that cannot be read fails the load. */
  private Void restore(StreamHistory history) {
    Pool pool = history.snapshot().map(snapshot -> StoredForm.restore(snapshot.state())).orElse(null);
    pool = PoolDecider.replay(pool, history.tail().stream().map(StoredForm::decode).toList());
    state = pool;
    version = history.version();
    eventsSinceSnapshot = history.tail().size();
    loaded = true;
    log.atDebug().addKeyValue("pool", poolId).addKeyValue("seq", version)
        .log("Loaded pool {} at seq {} ({} events after the snapshot)", poolId, version, eventsSinceSnapshot);
    if (staleSnapshot && state != null) {
      snapshot();
    }
    return null;
  }

  private boolean pastLoadedFor(Pending pending) {
    return past != null && past.reset() == pending;
  }

  /**
   * Reads the pool's events recorded until the moment the reset at the head of the queue names, and replays them.
   * Nothing is appended meanwhile (the entity is busy, commands wait), so what is read is the confirmed state's
   * history up to then, and the reset is decided against the state it was read for.
   */
  private void loadPast(Pending pending, PoolRequest.Reset reset) {
    busy = true;
    busySince = System.nanoTime();
    journal.readUntil(poolId, reset.at().atOffset(ZoneOffset.UTC)).map(then -> new Past(pending,
        then.isEmpty() ? null : PoolDecider.replay(null, then.stream().map(StoredForm::decode).toList()),
        then.isEmpty() ? 0 : then.getLast().seq())
    ).onSuccess(loaded -> {
      busy = false;
      past = loaded;
      run();
    }).onFailure(failure -> { // an unreadable event fails the replay here, and is answered as such
      busy = false;
      log.atWarn().addKeyValue("pool", poolId)
          .log("Could not read the history of {} for a reset: {}", poolId, failure.toString());
      queue.remove(pending);
      answer(List.of(pending), List.of(failure instanceof UnreadableEvent event ? Reply.refused(Refusal.unreadable(
          event)) : Reply.refused(Refusal.unavailable("the pool's history could not be read; retry"))));
      run();
    });
  }

  /**
   * Decides up to {@code maxCommandsPerAppend} waiting commands against the confirmed state. Returns true when
   * they were answered at once (no events), false when their append is in flight.
   */
  private boolean decideBatch() {
    // to the millisecond, as clients read hold times; never later than the clock, so nothing expires early
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    List<PoolEvent> events = new ArrayList<>(PoolDecider.expire(state, now));
    Pool working = PoolDecider.replay(state, events);
    List<Pending> answered = new ArrayList<>();
    List<Reply> replies = new ArrayList<>();
    while (!queue.isEmpty() && answered.size() < shardConfig.maxCommandsPerAppend()) {
      if (queue.peek().request() instanceof PoolRequest.Reset && !pastLoadedFor(queue.peek())) {
        break; // its history is read once what is decided before it is committed
      }
      Pending pending = queue.poll();
      Reply reply;
      if (pending.request() instanceof PoolRequest.Reset reset) {
        Past then = past;
        past = null;
        Decision decision = PoolDecider.reset(working, then.pool(), then.asOfSeq(), reset.at(), reset.reason(), now);
        if (decision instanceof Decision.Accepted(List<PoolEvent> accepted)) {
          Pool after = PoolDecider.replay(working, accepted);
          PoolReset event = accepted.isEmpty() ? null : (PoolReset) accepted.getFirst();
          long afterVersion = version + events.size() + accepted.size();
          if (!reset.dryRun()) {
            working = after;
            events.addAll(accepted);
          }
          reply = Reply.reset(after, afterVersion, event, reset, then.asOfSeq());
        } else {
          reply = Reply.rejected(((Decision.Rejected) decision).rejection());
        }
      } else if (pending.request() instanceof PoolRequest.Decide(PoolCommand command)) {
        Decision decision = PoolDecider.decide(working, command, now);
        if (decision instanceof Decision.Accepted(List<PoolEvent> accepted)) {
          working = PoolDecider.replay(working, accepted);
          events.addAll(accepted);
          reply = success(command, accepted, working, version + events.size());
        } else {
          reply = Reply.rejected(((Decision.Rejected) decision).rejection());
        }
      } else {
        reply = working == null ? notFound() : Reply.pool(working, version + events.size());
      }
      answered.add(pending);
      replies.add(reply);
    }
    if (events.isEmpty()) {
      answer(answered, replies);
      return true;
    }
    append(working, events, answered, replies);
    return false;
  }

  private void append(Pool next, List<PoolEvent> events, List<Pending> answered, List<Reply> replies) {
    busy = true;
    busySince = System.nanoTime();
    long expected = version;
    List<NewEvent> stored = events.stream().map(StoredForm::encode).toList();
    journal.append(new StreamAppend(poolId, expected, stored, next)).onFailure(failure -> {
      busy = false;
      log.atDebug().addKeyValue("pool", poolId).addKeyValue("seq", expected)
          .log("Append to {} at seq {} failed: {}", poolId, expected, failure.toString());
      answer(answered, replies.stream().map(r -> retry()).toList());
      abandon();
    }).onSuccess(appended -> {
      busy = false;
      state = next;
      version = expected + events.size();
      eventsSinceSnapshot += events.size();
      log.atDebug().addKeyValue("pool", poolId).addKeyValue("seq", version)
          .log("Appended {} events to {} at seq {}", events.size(), poolId, version);
      answer(answered, replies);
      changed.accept(next, version);
      maybeSnapshot();
      run();
    });
  }

  /**
   * Snapshots the confirmed state every {@code snapshotEvery} events, and a large pool only after half its size in
   * new events, so that writing snapshots stays a bounded share of the cost of each event.
   */
  private void maybeSnapshot() {
    if (snapshotInFlight
        || eventsSinceSnapshot < Math.max(journalConfig.snapshotEvery(), state.reservations().size() / 2)) {
      return;
    }
    snapshot();
  }

  /** Writes the confirmed state as the pool's snapshot, in the background. */
  private void snapshot() {
    staleSnapshot = false;
    snapshotInFlight = true;
    eventsSinceSnapshot = 0;
    Pool pool = state;
    journal.saveSnapshot(poolId, version, () -> StoredForm.snapshot(pool))
        .onComplete(saved -> snapshotInFlight = false)
        .onFailure(failure -> log.atWarn().addKeyValue("pool", poolId).addKeyValue("seq", version)
            .log("Snapshot of {} at seq {} failed: {}", poolId, version, failure.toString()));
  }

  private Reply success(PoolCommand command, List<PoolEvent> events, Pool pool, long newVersion) {
    return switch (command) {
      case DefinePool define -> events.isEmpty() ? Reply.pool(pool, newVersion) : Reply.defined(pool, newVersion);
      case ChangePool change -> Reply.pool(pool, newVersion);
      case Reserve reserve -> {
        if (!events.isEmpty() && events.getFirst() instanceof CapacityReserved reserved) {
          yield Reply.reserved(pool, pool.reservation(reserved.reservationId()).orElseThrow());
        }
        // a repeated orderId gets the reservation it already holds
        yield Reply.alreadyReserved(pool, pool.reservationOf(reserve.orderId()).orElseThrow());
      }
      case Release release -> Reply.released(release.reservationId());
      case PlaceHold hold -> {
        if (!events.isEmpty() && events.getFirst() instanceof HoldPlaced placed) {
          yield Reply.held(pool, pool.hold(placed.holdId()).orElseThrow());
        }
        // a repeated orderId gets its hold, or the reservation the hold became
        yield pool.holdOf(hold.orderId()).map(live -> Reply.hold(pool, live))
            .orElseGet(() -> Reply.confirmed(pool, pool.reservationOf(hold.orderId()).orElseThrow()));
      }
      case ConfirmHold confirm -> Reply.confirmed(pool, pool.reservation(confirm.holdId()).orElseThrow());
      case CancelHold cancel -> Reply.ended(cancel.holdId(), pool.endedHolds().get(cancel.holdId()));
      case ExtendHold extend -> Reply.hold(pool, pool.hold(extend.holdId()).orElseThrow());
      case ExpireHolds expire -> Reply.pool(pool, newVersion);
    };
  }

  private Reply read() {
    return state == null ? notFound() : Reply.pool(state, version);
  }

  private Reply notFound() {
    return Reply.rejected(Rejection.poolNotFound(poolId));
  }

  private static Reply retry() {
    return Reply.retry("the pool moved or its journal write did not complete; retry");
  }

  private void answer(List<Pending> pendings, List<Reply> replies) {
    for (int i = 0; i < pendings.size(); i++) {
      pendings.get(i).reply().accept(replies.get(i));
    }
    onAnswered.run();
  }

  /** Drops the in-memory state after a failure; whatever waits is told to retry. */
  private void abandon() {
    failQueued(PoolEntity::retry);
    forget.accept(this);
  }

  private void failQueued(Supplier<Reply> answer) {
    past = null;
    Pending pending;
    while ((pending = queue.poll()) != null) {
      pending.reply().accept(answer.get());
    }
    onAnswered.run();
  }
}
