package io.tally.shard;

import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.contract.Addresses;
import io.tally.contract.PoolRequest;
import io.tally.contract.Reply;
import io.tally.journal.Journal;
import io.tally.pool.Pool;
import io.tally.pool.PoolStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard on this node: its pools in memory (loaded on first use, dropped when idle), each pool's commands run
 * one at a time on the host's context. It subscribes to nothing; the node's one address hands it its commands.
 *
 * <p>A host goes through three states. <b>Awaiting</b>: this node owns the shard but its previous host may still
 * be finishing appends, so commands are held, in arrival order, until the handoff completes. <b>Serving</b>: commands
 * are decided. <b>Retiring</b>: the shard moved away; appends in flight finish and are answered, and everything else
 * is answered "not owner", naming the new owner, so that senders go there at once.
 */
final class ShardHost {

  private static final Logger log = LoggerFactory.getLogger(ShardHost.class);

  /** The most commands an awaiting host holds; beyond it senders are told to retry. */
  static final int MAX_HELD = 10_000;

  enum State { AWAITING, SERVING, RETIRING }

  private static final long STUCK_NANOS = 5_000_000_000L;

  private final int shard;
  private final Vertx vertx;
  private final Context context;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final LoadLimiter loads;
  private final Clock clock;
  private final Supplier<Reply> moved;
  private final ShardMeters meters;
  private final Map<String, PoolEntity> entities = new HashMap<>();
  private final ArrayDeque<PoolEntity.Pending> held = new ArrayDeque<>();
  private volatile State state;
  private Promise<Void> drained;
  private long evictionTimer;

  /**
   * @param moved the answer for a command this host will not decide because the shard moved: "not owner" naming
   *     the owner in this node's view at that moment
   */
  ShardHost(int shard, Vertx vertx, Context context, Journal journal, ShardConfig shardConfig,
      JournalConfig journalConfig, LoadLimiter loads, Clock clock, State initial, Supplier<Reply> moved,
      ShardMeters meters) {
    this.clock = clock;
    this.shard = shard;
    this.vertx = vertx;
    this.context = context;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
    this.loads = loads;
    this.state = initial;
    this.moved = moved;
    this.meters = meters;
    long period = Math.max(10, Math.min(shardConfig.idleEviction().toMillis() / 4, 5_000));
    onContext(() -> evictionTimer = vertx.setPeriodic(period, tick -> evictIdle()));
  }

  int shard() {
    return shard;
  }

  State state() {
    return state;
  }

  /** Takes a request from any thread; {@code reply} is called on this host's context. */
  void submit(PoolRequest request, Consumer<Reply> reply) {
    onContext(() -> handle(new PoolEntity.Pending(request, reply)));
  }

  /** The handoff is complete: decide what was held, in arrival order, and everything after it. */
  void serve() {
    onContext(() -> {
      if (state != State.AWAITING) {
        return;
      }
      state = State.SERVING;
      log.atDebug().addKeyValue("shard", shard).log("Shard {} serves, {} commands were held", shard, held.size());
      PoolEntity.Pending pending;
      while ((pending = held.poll()) != null) {
        handle(pending);
      }
    });
  }

  /**
   * Stops deciding: held commands and commands that arrive from now on are answered "not owner", and appends in
   * flight finish and are answered. Completes, on this host's context, once nothing is in flight; the pools are
   * then dropped, so that the shard is loaded afresh from the journal if it ever comes back.
   */
  Future<Void> retire() {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      if (drained == null) {
        drained = Promise.promise();
        state = State.RETIRING;
        vertx.cancelTimer(evictionTimer);
        PoolEntity.Pending pending;
        while ((pending = held.poll()) != null) {
          pending.reply().accept(moved.get());
        }
        new ArrayList<>(entities.values()).forEach(entity -> entity.retire(moved));
        checkDrained();
      }
      drained.future().onComplete(done);
    });
    return done.future();
  }

  /** How many pools this host holds in memory, counted on its own context. */
  Future<Integer> poolsInMemory() {
    Promise<Integer> count = Promise.promise();
    onContext(() -> count.complete(entities.size()));
    return count.future();
  }

  private void handle(PoolEntity.Pending pending) {
    switch (state) {
      case AWAITING -> {
        if (held.size() < MAX_HELD) {
          held.add(pending);
        } else {
          pending.reply().accept(Reply.retry("the pool's shard is being handed over; retry"));
        }
      }
      case SERVING -> entity(pending.request().poolId()).submit(pending);
      case RETIRING -> pending.reply().accept(moved.get());
    }
  }

  private PoolEntity entity(String poolId) {
    return entities.computeIfAbsent(poolId, id -> {
      meters.poolsLoaded(1);
      return new PoolEntity(id, journal, shardConfig, journalConfig, loads, clock, this::publish, this::forget,
          this::checkDrained, meters.load());
    });
  }

  /** Tells every query node that a pool changed: {@code PoolChanged} on {@code tally.pool.changed}. */
  private void publish(Pool pool, long seq) {
    vertx.eventBus().publish(Addresses.POOL_CHANGED, new JsonObject()
        .put("poolId", pool.poolId())
        .put("seq", seq)
        .put("remaining", pool.remaining())
        .put("available", pool.status() == PoolStatus.OPEN && pool.remaining() > 0)
        .put("status", pool.status().wireName())
        .put("committedAtMs", System.currentTimeMillis())
        .put("capacity", pool.capacity())
        .put("reserved", pool.reserved())
        .put("held", pool.held()));
  }

  private void forget(PoolEntity entity) {
    if (entities.remove(entity.poolId(), entity)) {
      meters.poolsLoaded(-1);
    }
    checkDrained();
  }

  /** Drops idle pools, and says so when a pool has waited far too long for the journal (its commands with it). */
  private void evictIdle() {
    long now = System.nanoTime();
    for (PoolEntity entity : entities.values()) {
      if (entity.waitingNanos(now) > STUCK_NANOS) {
        log.atWarn().addKeyValue("pool", entity.poolId()).addKeyValue("shard", shard)
            .log("Pool {} of shard {} has waited {} ms for {}", entity.poolId(), shard,
                entity.waitingNanos(now) / 1_000_000, entity.waitingFor());
      }
    }
    long cutoff = now - shardConfig.idleEviction().toNanos();
    int before = entities.size();
    entities.values().removeIf(entity -> entity.idleSince(cutoff));
    if (entities.size() != before) {
      meters.poolsLoaded(entities.size() - before);
      log.atDebug().addKeyValue("shard", shard).log("Shard {} evicted {} idle pools", shard,
          before - entities.size());
    }
  }

  private void checkDrained() {
    if (drained != null && entities.values().stream().noneMatch(PoolEntity::busy)) {
      meters.poolsLoaded(-entities.size());
      entities.clear();
      drained.tryComplete();
    }
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
