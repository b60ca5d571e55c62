package io.tally.perf;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Hands out one Vert.x context per event loop and bridges their futures to the main thread.
 *
 * <p>The generator keeps each request's whole life on the loop that issued it, so per-loop counters and histograms
 * need no locks; deploying one trivial verticle per loop is the public way to obtain such pinned contexts.
 */
final class EventLoops {

  private EventLoops() {
  }

  static List<Context> acquire(Vertx vertx, int count) {
    List<Context> contexts = Collections.synchronizedList(new ArrayList<>());
    Supplier<VerticleBase> pin = () -> new VerticleBase() {
      @Override
      public Future<?> start() {
        contexts.add(context);
        return Future.succeededFuture();
      }
    };
    await(vertx.deployVerticle(pin, new DeploymentOptions().setInstances(count)), Duration.ofSeconds(30));
    return List.copyOf(contexts);
  }

  /** Runs {@code body} on {@code context} and relays its outcome. */
  static <T> Future<T> on(Context context, Supplier<Future<T>> body) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(ignored -> {
      try {
        body.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** Blocks the calling (non event loop) thread until {@code future} completes. */
  static <T> T await(Future<T> future, Duration limit) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + limit.toSeconds() + " s", e);
    }
  }
}
