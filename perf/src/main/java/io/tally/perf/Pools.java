package io.tally.perf;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Defines the pools a scenario needs before its clock starts, and the pools of the peak and fixed-rate scenarios.
 *
 * <p>Those pools have a capacity of {@value #CAPACITY}, far beyond what any run books, so every refusal is a real
 * error rather than an exhausted pool; their two-hour slot starts a week ahead, on the hour. Definitions go
 * {@value #PARALLEL} at a time, round-robin over the targets, so thousands of pools take seconds without being a
 * load test of their own, and one whose connection fails before an answer is sent again (an identical definition
 * is accepted as it is).
 */
final class Pools {

  static final long CAPACITY = 100_000_000L;
  static final String REGION = "R1";
  private static final int PARALLEL = 32;
  private static final int ATTEMPTS = 3;
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private Pools() {
  }

  /** {@code count} pool ids {@code <prefix>0}, {@code <prefix>1}, … */
  static List<String> ids(String prefix, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  /** The definitions ({@code POST /pools} bodies) of reservation pools, their slot a week after {@code now}. */
  static List<JsonObject> definitions(List<String> ids, Instant now) {
    Instant start = now.truncatedTo(ChronoUnit.HOURS).plus(7, ChronoUnit.DAYS);
    JsonObject slot = new JsonObject().put("start", start.toString())
        .put("end", start.plus(2, ChronoUnit.HOURS).toString());
    return ids.stream().map(id -> new JsonObject().put("poolId", id).put("capacity", CAPACITY).put("slot", slot)
        .put("regions", new JsonArray().add(REGION))).toList();
  }

  /**
   * Sends every definition, telling {@code onSend} each one as it goes with milliseconds since the first; fails
   * with the first refusal.
   */
  static void define(List<URI> urls, List<JsonObject> pools, BiConsumer<Long, JsonObject> onSend) {
    long start = System.nanoTime();
    Semaphore inFlight = new Semaphore(PARALLEL);
    AtomicReference<String> failure = new AtomicReference<>();
    AtomicInteger done = new AtomicInteger();
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < pools.size() && failure.get() == null; i++) {
      inFlight.acquireUninterruptibly();
      JsonObject pool = pools.get(i);
      URI target = urls.get(i % urls.size()).resolve("/pools");
      onSend.accept((System.nanoTime() - start) / 1_000_000, pool);
      sent.add(send(target, pool.encode(), ATTEMPTS).handle((response, error) -> {
        inFlight.release();
        if (error != null) {
          failure.compareAndSet(null, "POST " + target + " failed: " + error);
        } else if (response.statusCode() != 201 && response.statusCode() != 200) {
          failure.compareAndSet(null, "POST " + target + " for " + pool.getString("poolId") + " answered "
              + response.statusCode() + " " + response.body());
        } else if (done.incrementAndGet() % 2000 == 0) {
          System.out.printf(Locale.ROOT, "pools: %d of %d defined%n", done.get(), pools.size());
        }
        return null;
      }));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    if (failure.get() != null) {
      throw new IllegalStateException("defining the pools failed: " + failure.get());
    }
    System.out.printf(Locale.ROOT, "pools: %d defined in %.1f s%n", pools.size(), (System.nanoTime() - start) / 1e9);
  }

  private static CompletableFuture<HttpResponse<String>> send(URI target, String body, int attempts) {
    return CLIENT.sendAsync(post(target, body), HttpResponse.BodyHandlers.ofString())
        .exceptionallyCompose(error -> attempts > 1 ? send(target, body, attempts - 1)
            : CompletableFuture.failedFuture(error));
  }

  /**
   * The {@code Authorization} header value for admin routes (defining pools, the feed, {@code /cluster}), from the
   * {@code TALLY_ADMIN_TOKEN} the nodes were started with, or null when there is none (the embedded default).
   */
  static String adminAuthorization() {
    String token = System.getenv("TALLY_ADMIN_TOKEN");
    return token == null || token.isBlank() ? null : "Bearer " + token.trim();
  }

  /** {@code POST uri} with a JSON body and the admin token, answered within 30 s. */
  static HttpRequest post(URI uri, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json");
    String authorization = adminAuthorization();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request.POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** The body of {@code POST uri} when it answers 200, otherwise null. */
  static String answer(URI uri, String body) {
    try {
      HttpResponse<String> response = CLIENT.send(post(uri, body), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + uri, e);
    }
  }
}
