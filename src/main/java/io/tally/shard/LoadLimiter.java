package io.tally.shard;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;

/**
 * Bounds how many pools a node loads from the journal at once. When a node takes over a crashed node's shards,
 * the first command for each pool triggers a load; without a bound, thousands of loads would hit PostgreSQL in
 * the same instant. Waiting loads are admitted in arrival order, each on its own caller's context.
 */
final class LoadLimiter {

  private final Vertx vertx;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int available;

  private record Waiter(Context context, Promise<Void> promise) {
  }

  LoadLimiter(Vertx vertx, int permits) {
    this.vertx = vertx;
    this.available = permits;
  }

  /** Completes, on the caller's context, once a load may start; the caller must {@link #release()} after it. */
  Future<Void> acquire() {
    synchronized (this) {
      if (available > 0) {
        available--;
        return Future.succeededFuture();
      }
      Promise<Void> promise = Promise.promise();
      waiting.add(new Waiter(vertx.getOrCreateContext(), promise));
      return promise.future();
    }
  }

  void release() {
    Waiter next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        available++;
        return;
      }
    }
    next.context().runOnContext(v -> next.promise().complete());
  }
}
