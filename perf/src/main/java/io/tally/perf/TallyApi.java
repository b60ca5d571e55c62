package io.tally.perf;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * The few Tally HTTP calls the benchmark makes, reduced to what it needs to know about each answer.
 *
 * <p>A reservation answer is turned into an {@link Outcome} key: {@code 201} is success and anything else is kept
 * as status plus the service's error code, so a run that starts failing explains itself in the error breakdown;
 * queries succeed with {@code 200}. Bodies of successful reservations and queries are read but never parsed on the
 * measured path, to keep the generator's cost per request low.
 */
final class TallyApi {

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private final HttpClient client;
  private final long timeoutMillis;

  TallyApi(HttpClient client, long timeoutMillis) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
  }

  /** A status line and body, as received. */
  record Reply(int status, Buffer body) {
    String errorCode() {
      try {
        Object code = new JsonObject(body).getValue("error");
        return code instanceof String text ? text : null;
      } catch (RuntimeException e) {
        return null;
      }
    }

    String describe() {
      String text = body.toString();
      return status + " " + (text.length() > 200 ? text.substring(0, 200) : text);
    }
  }

  Future<Reply> send(HttpMethod method, Target target, String path, Buffer body) {
    return send(method, target, path, body, timeoutMillis);
  }

  /** As {@link #send(HttpMethod, Target, String, Buffer)}, waiting at most {@code timeoutMillis} at each step. */
  Future<Reply> send(HttpMethod method, Target target, String path, Buffer body, long timeoutMillis) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setHost(target.host())
        .setPort(target.port())
        .setURI(target.path(path))
        .setConnectTimeout(timeoutMillis)
        .setIdleTimeout(timeoutMillis);
    return client.request(options).compose(request -> {
      if (body == null) {
        return request.send();
      }
      request.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
      return request.send(body);
    }).compose(response -> response.body().map(received -> new Reply(response.statusCode(), received)));
  }

  Future<String> reserve(Target target, String path, Buffer body) {
    return send(HttpMethod.POST, target, path, body).map(TallyApi::outcome);
  }

  static String outcome(Reply reply) {
    return outcome(reply, 201);
  }

  /** {@link Outcome#OK} when the answer has status {@code success}, else its status and error code. */
  static String outcome(Reply reply, int success) {
    if (reply.status() == success) {
      return Outcome.OK;
    }
    String code = reply.errorCode();
    return code == null ? String.valueOf(reply.status()) : reply.status() + " " + code;
  }

  /** {@code POST /availability} with a prepared body. */
  Future<Reply> availability(Target target, Buffer body) {
    return send(HttpMethod.POST, target, "/availability", body);
  }

  /** GET {@code path} answered 200 with a JSON object, or a failure that says what came instead. */
  Future<JsonObject> getJson(Target target, String path) {
    return send(HttpMethod.GET, target, path, null).compose(reply -> {
      if (reply.status() != 200) {
        return Future.failedFuture("GET " + path + " answered " + reply.describe());
      }
      try {
        return Future.succeededFuture(new JsonObject(reply.body()));
      } catch (RuntimeException e) {
        return Future.failedFuture("GET " + path + " answered 200 without a JSON object");
      }
    });
  }

  Future<Integer> readiness(Target target) {
    return send(HttpMethod.GET, target, "/health/ready", null).map(Reply::status);
  }

  Future<Void> createPool(Target target, JsonObject pool) {
    return send(HttpMethod.POST, target, "/pools", pool.toBuffer()).compose(reply -> {
      // 200: the same definition again, e.g. when the service retried a define whose first attempt had committed
      if (reply.status() == 201 || reply.status() == 200
          || reply.status() == 409 && "pool_exists".equals(reply.errorCode())) {
        return Future.succeededFuture();
      }
      return Future.failedFuture("creating pool " + pool.getString("poolId") + " failed: " + reply.describe());
    });
  }
}
