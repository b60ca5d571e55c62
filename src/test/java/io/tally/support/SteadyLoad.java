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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Reservations arriving at a fixed rate whatever the cluster does (an open model: a slow cluster shows up as
 * latency and errors, not as a lower rate), spread over the nodes the way a load balancer that health-checks
 * {@code /health/ready} spreads them: round-robin over the nodes that answered ready at the last check (every
 * {@value #CHECK_MS} ms), and a request whose connection fails before any answer is sent again, with the same
 * order id, to the next ready node. Every answer is recorded with its pool and its times.
 */
public final class SteadyLoad {

  private static final long CHECK_MS = 100;
  private static final long TICK_MS = 10;
  /** A request unanswered for this long has failed, as a checkout page that gives up would count it. */
  private static final long ANSWER_TIMEOUT_MS = 20_000;
  private static final long DEADLINE_NANOS = 30_000_000_000L;
  /** A safety valve for the client itself; reaching it fails the run loudly. */
  private static final int MAX_IN_FLIGHT = 50_000;
  /**
   * Arrivals owed for longer than this when the client's own thread gets to run again (the machine was busy) are
   * skipped and counted, not sent in one burst: a burst of the client's making would measure the client.
   */
  private static final long MAX_LATE_NANOS = 100_000_000L;

  /** A request answered with success. */
  public record Success(String poolId, String orderId, String reservationId, long startNanos, long endNanos) {
  }

  /** A request that ended without success: an error status, no answer in time, or no node to send it to. */
  public record Failure(String poolId, String orderId, String outcome, long startNanos, long endNanos) {
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final HttpClient probes;
  private final Supplier<List<Integer>> ports;
  private final List<String> pools;
  private final double perNano;
  private final String prefix = "steady-" + Long.toHexString(System.nanoTime()) + "-";
  private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Success> successes = new ConcurrentLinkedQueue<>();
  // counted apart: the queue's size() walks every success, and the test polls it ten times a second
  private final AtomicInteger acknowledged = new AtomicInteger();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger orders = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger turn = new AtomicInteger();
  private final AtomicLong resent = new AtomicLong();
  private final Promise<Void> drained = Promise.promise();
  private final AtomicLong skipped = new AtomicLong();
  private volatile boolean stopping;
  private long lastArrival;
  private double owed;
  private long ticker;
  private long checker;

  /**
   * @param ports the HTTP ports of the nodes that are running (a load balancer's configured servers)
   * @param perSecond reservations started per second
   */
  public SteadyLoad(Vertx vertx, Supplier<List<Integer>> ports, List<String> pools, int perSecond) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2_000),
        new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    this.probes = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(500),
        new PoolOptions().setHttp1MaxSize(8));
    this.ports = ports;
    this.pools = List.copyOf(pools);
    this.perNano = perSecond / 1e9;
  }

  /** Starts checking the nodes' readiness and, once one is ready, sending. */
  public SteadyLoad start() {
    check();
    checker = vertx.setPeriodic(CHECK_MS, tick -> check());
    ticker = vertx.setPeriodic(TICK_MS, tick -> arrive());
    return this;
  }

  /** Stops sending; completes once every request in flight has ended. */
  public Future<Void> stop() {
    vertx.runOnContext(v -> {
      stopping = true;
      vertx.cancelTimer(ticker);
      vertx.cancelTimer(checker);
      if (inFlight.get() == 0) {
        drained.tryComplete();
      }
    });
    return drained.future();
  }

  public List<Success> successes() {
    return List.copyOf(successes);
  }

  public List<Failure> failures() {
    return List.copyOf(failures);
  }

  public int acknowledgedCount() {
    return acknowledged.get();
  }

  /** Requests sent again to another node because their connection failed before an answer. */
  public long resent() {
    return resent.get();
  }

  /** The order id of every acknowledged reservation and its reservation id. */
  public Map<String, String> acknowledged() {
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    successes.forEach(success -> acknowledged.put(success.orderId(), success.reservationId()));
    return acknowledged;
  }

  private void check() {
    for (int port : ports.get()) {
      probes.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI("/health/ready").setIdleTimeout(1_000))
          .compose(request -> request.send().compose(response -> response.body().map(response.statusCode())))
          .onComplete(result -> {
            if (result.succeeded() && result.result() == 200) {
              ready.add(port);
            } else {
              ready.remove(port);
            }
          });
    }
    ready.retainAll(ports.get());
  }

  /** Arrivals the client skipped because its own thread could not run for a while (see {@link #MAX_LATE_NANOS}). */
  public long skipped() {
    return skipped.get();
  }

  private void arrive() {
    long now = System.nanoTime();
    long elapsed = lastArrival == 0 ? 0 : now - lastArrival;
    lastArrival = now;
    if (stopping || ready.isEmpty()) {
      return; // before the first node is ready nothing is sent, as a load balancer with no server up would not
    }
    if (elapsed > MAX_LATE_NANOS) {
      skipped.addAndGet((long) ((elapsed - MAX_LATE_NANOS) * perNano));
      elapsed = MAX_LATE_NANOS;
    }
    owed += elapsed * perNano;
    while (owed >= 1) {
      owed--;
      String poolId = pools.get(ThreadLocalRandom.current().nextInt(pools.size()));
      String orderId = prefix + orders.incrementAndGet();
      long started = System.nanoTime();
      if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
        end(new Failure(poolId, orderId, "more than " + MAX_IN_FLIGHT + " requests in flight", started, started));
        continue;
      }
      attempt(poolId, orderId, started);
    }
  }

  private void attempt(String poolId, String orderId, long started) {
    List<Integer> targets = new ArrayList<>(ready);
    if (targets.isEmpty()) {
      targets = ports.get();
    }
    if (targets.isEmpty()) {
      end(new Failure(poolId, orderId, "no node to send to", started, System.nanoTime()));
      return;
    }
    targets.sort(null);
    int port = targets.get(Math.floorMod(turn.getAndIncrement(), targets.size()));
    Buffer body = Buffer.buffer(new JsonObject().put("orderId", orderId).put("units", 1).encode());
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI("/pools/" + poolId + "/reservations").setIdleTimeout(ANSWER_TIMEOUT_MS))
        .compose(request -> request.send(body))
        .onComplete(sent -> {
          if (sent.succeeded()) {
            sent.result().body().onComplete(received -> answered(poolId, orderId, started,
                sent.result().statusCode(), received.succeeded() ? received.result().toString() : null));
          } else if (!(sent.cause() instanceof TimeoutException) && System.nanoTime() - started < DEADLINE_NANOS) {
            // refused or reset before any answer: a load balancer sends it to the next server
            resent.incrementAndGet();
            vertx.setTimer(20, again -> attempt(poolId, orderId, started));
          } else {
            end(new Failure(poolId, orderId, "no answer: " + sent.cause(), started, System.nanoTime()));
          }
        });
  }

  private void answered(String poolId, String orderId, long started, int status, String body) {
    long ended = System.nanoTime();
    if ((status == 201 || status == 200) && body != null) {
      end(new Success(poolId, orderId, new JsonObject(body).getString("reservationId"), started, ended));
    } else {
      end(new Failure(poolId, orderId, status + " " + body, started, ended));
    }
  }

  private void end(Object outcome) {
    if (outcome instanceof Success success) {
      successes.add(success);
      acknowledged.incrementAndGet();
    } else {
      failures.add((Failure) outcome);
    }
    if (inFlight.decrementAndGet() == 0 && stopping) {
      drained.tryComplete();
    }
  }

}
