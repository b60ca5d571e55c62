package io.tally.shard;

import io.tally.Addresses;
import io.tally.config.JournalConfig;
import io.tally.config.ShardConfig;
import io.tally.journal.Journal;
import io.tally.pool.Pool;
import io.tally.pool.PoolStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one shard on this node: consumes {@code tally.shard.<n>}, keeps the shard's pools in memory (loaded on
 * first use, dropped when idle) and runs each pool's commands on this verticle's context, one at a time.
 *
 * <p>Stopping is a handoff: the consumer is unregistered first so no new command arrives, appends in flight are
 * finished and answered, and commands still waiting are answered "retry" so that senders take them to the new
 * owner.
 */
public final class ShardVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ShardVerticle.class);

  private final int shard;
  private final Journal journal;
  private final ShardConfig shardConfig;
  private final JournalConfig journalConfig;
  private final LoadLimiter loads;
  private final Map<String, PoolEntity> entities = new HashMap<>();
  private MessageConsumer<ShardMessages.Envelope> consumer;
  private long evictionTimer;
  private Promise<Void> drained;
  private boolean retired;

  ShardVerticle(int shard, Journal journal, ShardConfig shardConfig, JournalConfig journalConfig, LoadLimiter loads) {
    this.shard = shard;
    this.loads = loads;
    this.journal = journal;
    this.shardConfig = shardConfig;
    this.journalConfig = journalConfig;
  }

  @Override
  public Future<?> start() {
    long period = Math.max(10, Math.min(shardConfig.idleEviction().toMillis() / 4, 30_000));
    evictionTimer = vertx.setPeriodic(period, tick -> evictIdle());
    consumer = vertx.eventBus().consumer(Addresses.shard(shard), this::handle);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(evictionTimer);
    return consumer.unregister().compose(unregistered -> retire());
  }

  /**
   * Stops deciding while still consuming: everything that arrives from now on, and every command still waiting,
   * is answered "retry", so that senders move on to the new owner at once. Other nodes learn that this consumer is
   * gone only some time after it unregisters, and a message sent to a node without a consumer is never answered;
   * a retired shard therefore stays subscribed for a grace period before it is undeployed. Completes once the
   * appends in flight are finished and answered.
   */
  Future<Void> retire() {
    Promise<Void> retired = Promise.promise();
    context.runOnContext(v -> {
      this.retired = true;
      new ArrayList<>(entities.values()).forEach(PoolEntity::retire);
      if (drained == null) {
        drained = Promise.promise();
      }
      checkDrained();
      drained.future().onComplete(retired);
    });
    return retired.future();
  }

  /** How many pools this shard holds in memory, counted on the shard's own context. */
  Future<Integer> poolsInMemory() {
    Promise<Integer> count = Promise.promise();
    context.runOnContext(v -> count.complete(entities.size()));
    return count.future();
  }

  private void handle(Message<ShardMessages.Envelope> message) {
    if (retired) {
      message.fail(503, "retry");
      return;
    }
    ShardRequest request = message.body().request();
    PoolEntity entity = entities.computeIfAbsent(request.poolId(),
        poolId -> new PoolEntity(poolId, journal, shardConfig, journalConfig, loads, this::publish, this::forget));
    entity.submit(new PoolEntity.Pending(request, reply -> reply(message, reply)));
  }

  private void reply(Message<ShardMessages.Envelope> message, Reply reply) {
    if (reply.status() == 503) {
      message.fail(503, reply.body().getString("error"));
    } else {
      message.reply(reply);
    }
    checkDrained();
  }

  /** Tells every query node that a pool changed: {@code PoolChanged} on {@code tally.pool.changed} (DESIGN §5). */
  private void publish(Pool pool, long seq) {
    vertx.eventBus().publish(Addresses.POOL_CHANGED, new JsonObject()
        .put("poolId", pool.poolId())
        .put("seq", seq)
        .put("remaining", pool.remaining())
        .put("available", pool.status() == PoolStatus.OPEN && pool.remaining() > 0)
        .put("status", pool.status().wireName()));
  }

  private void forget(PoolEntity entity) {
    entities.remove(entity.poolId(), entity);
    checkDrained();
  }

  private void evictIdle() {
    long cutoff = System.nanoTime() - shardConfig.idleEviction().toNanos();
    int before = entities.size();
    entities.values().removeIf(entity -> entity.idleSince(cutoff));
    if (entities.size() != before) {
      log.debug("Shard {} evicted {} idle pools", shard, before - entities.size());
    }
  }

  private void checkDrained() {
    if (drained != null && entities.values().stream().noneMatch(PoolEntity::busy)) {
      drained.tryComplete();
    }
  }
}
