package io.tally.shard;

import io.tally.Addresses;
import io.tally.config.ShardConfig;
import io.tally.pool.InvalidCommand;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a pool request to the owner of its pool's shard and returns the answer. When no owner answers (no handler
 * during a handoff, a timeout, or an owner that lost the pool and says "retry"), it retries with jittered
 * exponential backoff until {@code retryDeadline}. Retrying is safe because every command is idempotent: a
 * reservation by its {@code orderId}, a release by its reservation id.
 */
public final class CommandSender {

  private static final Logger log = LoggerFactory.getLogger(CommandSender.class);
  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 500;

  private final Vertx vertx;
  private final ShardConfig config;

  public CommandSender(Vertx vertx, ShardConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /**
   * Validates and sends one request (the JSON of DESIGN §5). Never fails: a malformed request is a 400 reply and an
   * unreachable owner a 503 reply once the deadline has passed.
   */
  public Future<Reply> send(JsonObject request) {
    ShardRequest parsed;
    try {
      parsed = ShardRequest.fromJson(request);
    } catch (InvalidCommand invalid) {
      return Future.succeededFuture(Reply.rejected(invalid.rejection()));
    }
    String address = Addresses.shard(Shards.shardOf(parsed.poolId(), config.count()));
    long deadline = System.nanoTime() + config.retryDeadline().toNanos();
    return attempt(address, new ShardMessages.Envelope(parsed, request), deadline, FIRST_BACKOFF_MS, 1);
  }

  private Future<Reply> attempt(String address, ShardMessages.Envelope request, long deadline, long backoffMs,
      int attempt) {
    long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(Math.max(1, Math.min(config.requestTimeout().toMillis(), remainingMs)));
    return vertx.eventBus().<Reply>request(address, request, options).transform(result -> {
      if (result.succeeded()) {
        return Future.succeededFuture(result.result().body());
      }
      if (!retryable(result.cause())) {
        log.warn("Request to {} failed: {}", address, result.cause().toString());
        return Future.succeededFuture(Reply.error(500, "internal_error", "the request could not be processed"));
      }
      long pause = ThreadLocalRandom.current().nextLong(backoffMs / 2, backoffMs + 1);
      if (System.nanoTime() + pause * 1_000_000 >= deadline) {
        log.warn("Gave up on {} after {} attempts: {}", address, attempt, result.cause().getMessage());
        return Future.succeededFuture(Reply.error(503, "unavailable",
            "no owner of this pool answered in time; the request may be retried"));
      }
      log.debug("Attempt {} on {} failed ({}); retrying in {} ms", attempt, address, result.cause().getMessage(),
          pause);
      return vertx.timer(pause).compose(elapsed -> attempt(address, request, deadline,
          Math.min(backoffMs * 2, MAX_BACKOFF_MS), attempt + 1));
    });
  }

  /**
   * Whether no owner took the command: no consumer, no answer in time, a connection to a departed node that
   * failed, or an owner that let the pool go and said "retry". A failure an owner reported otherwise is final.
   */
  private static boolean retryable(Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return true;
    }
    return reply.failureType() != ReplyFailure.RECIPIENT_FAILURE || reply.failureCode() == 503;
  }
}
