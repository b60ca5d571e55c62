package io.tally.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Steady reservation traffic spread over a cluster's nodes, behaving like a load balancer in front of them: a
 * request whose connection fails before any answer is sent again, with the same order id, to the next node. That
 * is safe because a reservation is idempotent by order id, and it is what lets a client ride through a node
 * stopping or dying. Every answer is recorded; a request counts as failed when it gets a 5xx or no node answers
 * within its deadline.
 */
public final class ClusterLoad {

  private static final long REQUEST_DEADLINE_NANOS = 30_000_000_000L;

  /** A request that ended without success. */
  public record Failure(String orderId, String outcome, long atNanos) {
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final Supplier<List<Integer>> ports;
  private final List<String> pools;
  private final int lanes;
  private final String prefix = "load-" + Long.toHexString(System.nanoTime()) + "-";
  private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger orders = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger resent = new AtomicInteger();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicLong completed = new AtomicLong();
  private final Map<Long, long[]> longestByWindow = new ConcurrentHashMap<>();
  private final Promise<Void> stopped = Promise.promise();

  public ClusterLoad(Vertx vertx, Supplier<List<Integer>> ports, List<String> pools, int lanes) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(lanes));
    this.ports = ports;
    this.pools = List.copyOf(pools);
    this.lanes = lanes;
  }

  public ClusterLoad start() {
    running.set(lanes);
    for (int i = 0; i < lanes; i++) {
      next(i);
    }
    return this;
  }

  /** Stops issuing requests and completes once the ones in flight have finished. */
  public Future<Void> stop() {
    stopping.set(true);
    return stopped.future();
  }

  /** Order id to reservation id of every reservation acknowledged with 201 or 200. */
  public Map<String, String> acknowledged() {
    return acknowledged;
  }

  public List<Failure> failures() {
    return List.copyOf(failures);
  }

  public long completed() {
    return completed.get();
  }

  /** Requests sent again to another node because their connection failed. */
  public int resent() {
    return resent.get();
  }

  /** The longest time any request took, among those that started at or after {@code fromNanos}. */
  public long longestSinceNanos(long fromNanos) {
    return longestByWindow.entrySet().stream().filter(entry -> entry.getKey() >= fromNanos / 100_000_000L)
        .mapToLong(entry -> entry.getValue()[0]).max().orElse(0);
  }

  private void next(int lane) {
    if (stopping.get()) {
      if (running.decrementAndGet() == 0) {
        stopped.tryComplete();
      }
      return;
    }
    String orderId = prefix + orders.incrementAndGet();
    String pool = pools.get(ThreadLocalRandom.current().nextInt(pools.size()));
    long started = System.nanoTime();
    attempt(lane + orders.get(), pool, orderId, started).onComplete(done -> {
      long took = System.nanoTime() - started;
      longestByWindow.compute(started / 100_000_000L, (window, longest) -> longest == null
          ? new long[] {took} : new long[] {Math.max(longest[0], took)});
      completed.incrementAndGet();
      next(lane);
    });
  }

  private Future<Void> attempt(int turn, String pool, String orderId, long started) {
    List<Integer> targets = ports.get();
    if (targets.isEmpty()) {
      // every node is down: like a load balancer with no live backend, try again until the deadline; once the
      // load is stopping there is nobody left to wait for
      IllegalStateException none = new IllegalStateException("no node is running");
      if (stopping.get()) {
        failures.add(new Failure(orderId, "no node answered: " + none, System.nanoTime()));
        return Future.succeededFuture();
      }
      return retry(turn, pool, orderId, started, none);
    }
    int port = targets.get(Math.floorMod(turn, targets.size()));
    Buffer body = Buffer.buffer(new JsonObject().put("orderId", orderId).put("units", 1).encode());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/pools/" + pool + "/reservations").setIdleTimeout(20_000);
    return client.request(options)
        .compose(request -> request.send(body))
        .compose(response -> response.body().map(received -> {
          if (response.statusCode() == 201 || response.statusCode() == 200) {
            acknowledged.put(orderId, new JsonObject(received).getString("reservationId"));
          } else {
            failures.add(new Failure(orderId, response.statusCode() + " " + received, System.nanoTime()));
          }
          return (Void) null;
        }))
        .recover(connectionFailed -> retry(turn, pool, orderId, started, connectionFailed));
  }

  /** Sends the request again to the next node after a moment, or records it failed once its deadline has passed. */
  private Future<Void> retry(int turn, String pool, String orderId, long started, Throwable problem) {
    if (System.nanoTime() - started > REQUEST_DEADLINE_NANOS) {
      failures.add(new Failure(orderId, "no node answered: " + problem, System.nanoTime()));
      return Future.succeededFuture();
    }
    resent.incrementAndGet();
    return vertx.timer(20).compose(paused -> attempt(turn + 1, pool, orderId, started));
  }
}
