package io.tally.shard;

import io.tally.config.ShardConfig;
import io.tally.contract.Commands;
import io.tally.contract.PoolRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a pool request to the owner of its pool's shard and returns the answer. The owner is computed from this
 * node's own view of the membership (the same rendezvous ranking every node computes) and the request goes to that
 * node's address, or straight to this node's own shard hosts when it is the owner. A node that does not host the
 * shard answers at once with "not owner", naming the owner it knows, and the request goes there immediately; only
 * what is genuinely unknown (no answer in time, a connection that failed, a pool whose append could not finish)
 * waits a jittered, growing backoff, and the next attempt computes the owner afresh. Everything stops at
 * {@code shards.retryDeadlineMs}. Retrying is safe because every command is idempotent: a reservation by its
 * {@code orderId}, a release by its reservation id.
 */
public final class CommandSender implements Commands {

  private static final Logger log = LoggerFactory.getLogger(CommandSender.class);
  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 500;
  /** Redirects followed without waiting; more in a row mean that views disagree, and the sender backs off. */
  private static final int FREE_REDIRECTS = 3;

  private final Vertx vertx;
  private final ShardConfig config;
  private final Membership membership;
  private final ShardManager local;

  /**
   * @param local this node's shard manager: requests for shards this node owns go to it without the event bus
   */
  public CommandSender(Vertx vertx, ShardConfig config, Membership membership, ShardManager local) {
    this.vertx = vertx;
    this.config = config;
    this.membership = membership;
    this.local = local;
  }

  /** Validates and sends one request; an owner that does not answer is a 503 reply once the deadline has passed. */
  @Override
  public Future<Reply> send(JsonObject request) {
    PoolRequest parsed;
    try {
      parsed = PoolRequest.fromJson(request);
    } catch (Refusal refusal) {
      return Future.succeededFuture(Reply.refused(refusal));
    }
    int shard = Shards.shardOf(parsed.poolId(), config.count());
    Attempt first = new Attempt(new ShardMessages.Envelope(parsed, request), shard,
        System.nanoTime() + config.retryDeadline().toNanos(), vertx.getOrCreateContext());
    return first.send(null);
  }

  /** One request on its way, with what its attempts so far have taught it. */
  private final class Attempt {
    private final ShardMessages.Envelope request;
    private final int shard;
    private final long deadline;
    private final Context caller;
    private final Promise<Reply> answer = Promise.promise();
    private long backoffMs = FIRST_BACKOFF_MS;
    private int attempts;
    private int redirects;
    private String lastProblem = "no owner";

    Attempt(ShardMessages.Envelope request, int shard, long deadline, Context caller) {
      this.request = request;
      this.shard = shard;
      this.deadline = deadline;
      this.caller = caller;
    }

    /** Sends to {@code hint} (a node another one named as the owner) or to the owner in this node's view. */
    Future<Reply> send(Member hint) {
      attempts++;
      Optional<Member> target = hint != null ? Optional.of(hint) : owner();
      if (target.isEmpty()) {
        lastProblem = "no owner of shard " + shard + " in this node's view";
        later(ShardMeters.RetryReason.NO_OWNER);
      } else if (target.get().address().equals(membership.self().address())) {
        local.dispatch(request.request(), reply -> caller.runOnContext(v -> answered(reply)));
      } else {
        long remainingMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        DeliveryOptions options = new DeliveryOptions()
            .setSendTimeout(Math.min(config.requestTimeout().toMillis(), remainingMs));
        String address = target.get().address();
        vertx.eventBus().<Reply>request(address, request, options)
            .onSuccess(answer -> answered(answer.body()))
            .onFailure(failure -> failed(address, failure));
      }
      return answer.future();
    }

    /** The owner of the shard among the owners in this node's view, as a live member. */
    private Optional<Member> owner() {
      if (config.alsoServe().contains(shard)) {
        return Optional.of(membership.self()); // the fault injection: this node decides the shard too
      }
      return local.owners().owner(shard);
    }

    private void answered(Reply reply) {
      if (reply.misdirected()) {
        redirects++;
        lastProblem = "redirected to " + reply.body().getString("owner");
        Optional<Member> named = membership.byAddress(reply.owner());
        if (expired()) {
          giveUp();
        } else if (redirects <= FREE_REDIRECTS) {
          local.meters().retried(ShardMeters.RetryReason.REDIRECTED);
          send(named.orElse(null));
        } else {
          later(ShardMeters.RetryReason.REDIRECTED); // the views disagree for now; they converge within moments
        }
      } else if (reply.retryable()) {
        lastProblem = reply.body().getString("message");
        later(ShardMeters.RetryReason.OWNER_BUSY);
      } else {
        answer.complete(reply);
      }
    }

    private void failed(String address, Throwable failure) {
      if (!retryable(failure)) {
        log.warn("Request to {} failed: {}", address, failure.toString());
        answer.complete(Reply.refused(Refusal.internal()));
        return;
      }
      // no answer: the route is suspect, and the next attempt computes the owner afresh
      lastProblem = failure.getMessage();
      later(ShardMeters.RetryReason.NO_ANSWER);
    }

    private void later(ShardMeters.RetryReason reason) {
      long pause = ThreadLocalRandom.current().nextLong(backoffMs / 2, backoffMs + 1);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      if (System.nanoTime() + pause * 1_000_000 >= deadline) {
        giveUp();
        return;
      }
      local.meters().retried(reason);
      log.debug("Attempt {} for shard {} failed ({}); retrying in {} ms", attempts, shard, lastProblem, pause);
      vertx.setTimer(pause, elapsed -> {
        redirects = 0;
        send(null);
      });
    }

    private boolean expired() {
      return System.nanoTime() >= deadline;
    }

    private void giveUp() {
      local.meters().gaveUp();
      log.warn("Gave up on shard {} after {} attempts: {}", shard, attempts, lastProblem);
      answer.complete(Reply.refused(Refusal.unavailable(
          "no owner of this pool answered in time; the request may be retried")));
    }
  }

  /**
   * Whether no owner took the command: no consumer, no answer in time, or a connection to a departed node that
   * failed. A failure an owner reported is final.
   */
  private static boolean retryable(Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return true;
    }
    return reply.failureType() != ReplyFailure.RECIPIENT_FAILURE;
  }
}
