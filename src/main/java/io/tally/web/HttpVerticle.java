package io.tally.web;

import io.tally.Addresses;
import io.tally.config.HttpConfig;
import io.tally.shard.CommandSender;
import io.tally.shard.Reply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the HTTP contract (DESIGN §4) into event-bus requests and their answers back into HTTP. It holds no
 * state and decides nothing: malformed input is refused here or by the command's own validation, always with a
 * 4xx and a JSON error body.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1_000;

  private final HttpConfig config;
  private final CommandSender sender;
  private final BooleanSupplier ready;
  private final Supplier<JsonObject> cluster;
  private HttpServer server;

  public HttpVerticle(HttpConfig config, CommandSender sender, BooleanSupplier ready, Supplier<JsonObject> cluster) {
    this.config = config;
    this.sender = sender;
    this.ready = ready;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer();
    return server.requestHandler(router()).listen(config.port(), config.host());
  }

  /** Stops taking connections and lets the requests in flight finish, within {@code http.shutdownGraceMs}. */
  @Override
  public Future<?> stop() {
    return server.shutdown(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The port the server listens on (useful when configured with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));

    router.post("/pools").handler(ctx -> command(ctx, "define", body(ctx)));
    router.get("/pools/:poolId").handler(this::getPool);
    router.patch("/pools/:poolId").handler(ctx -> command(ctx, "change",
        withPool(ctx, body(ctx))));
    router.get("/pools/:poolId/events").handler(this::history);
    router.post("/pools/:poolId/reservations").handler(ctx -> command(ctx, "reserve",
        withPool(ctx, body(ctx))));
    router.delete("/reservations/:reservationId").handler(ctx -> command(ctx, "release",
        new JsonObject().put("reservationId", ctx.pathParam("reservationId"))));
    router.get("/cluster").handler(ctx -> json(ctx, 200, cluster.get()));
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(ctx -> {
      if (ready.getAsBoolean()) {
        json(ctx, 200, new JsonObject().put("status", "ready"));
      } else {
        error(ctx, 503, "not_ready", "not every shard has a serving owner yet");
      }
    });

    router.errorHandler(400, ctx -> error(ctx, 400, "bad_request", "the request could not be understood"));
    router.errorHandler(404, ctx -> error(ctx, 404, "route_not_found",
        "no route " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> error(ctx, 413, "payload_too_large",
        "request bodies are limited to " + config.maxBodyBytes() + " bytes"));
    router.errorHandler(415, ctx -> error(ctx, 415, "unsupported_media_type", "send application/json"));
    router.errorHandler(500, ctx -> {
      if (ctx.failure() instanceof BadRequest bad) {
        error(ctx, 400, bad.code, bad.getMessage());
        return;
      }
      log.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      error(ctx, 500, "internal_error", "the request could not be processed");
    });
    return router;
  }

  private void getPool(RoutingContext ctx) {
    if (ctx.queryParams().contains("at")) {
      throw new BadRequest("unsupported_parameter", "reading a pool as of a past moment is not available yet");
    }
    command(ctx, "get", withPool(ctx, new JsonObject()));
  }

  private void history(RoutingContext ctx) {
    long after = longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
    long limit = longParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    JsonObject query = new JsonObject().put("poolId", ctx.pathParam("poolId")).put("after", after)
        .put("limit", limit);
    vertx.eventBus().<JsonObject>request(Addresses.POOL_HISTORY, query).onComplete(result -> {
      if (result.succeeded()) {
        json(ctx, 200, result.result().body());
      } else if (result.cause() instanceof ReplyException reply && reply.failureCode() >= 400
          && reply.failureCode() < 500) {
        error(ctx, reply.failureCode(), reply.getMessage(), describe(reply.getMessage(), ctx));
      } else {
        log.warn("History of {} failed: {}", ctx.pathParam("poolId"), result.cause().toString());
        error(ctx, 503, "unavailable", "the journal could not be read; retry");
      }
    });
  }

  private static String describe(String code, RoutingContext ctx) {
    return switch (code) {
      case "pool_not_found" -> "pool '" + ctx.pathParam("poolId") + "' does not exist";
      case "invalid_pool_id" -> "poolId must match [A-Za-z0-9._:-]{1,128}";
      default -> code;
    };
  }

  private void command(RoutingContext ctx, String type, JsonObject request) {
    request.put("type", type);
    sender.send(request).onComplete(result -> {
      if (result.succeeded()) {
        Reply reply = result.result();
        json(ctx, reply.status(), reply.body());
      } else {
        ctx.fail(result.cause());
      }
    });
  }

  private static JsonObject withPool(RoutingContext ctx, JsonObject body) {
    return body.put("poolId", ctx.pathParam("poolId"));
  }

  /** The request body as a JSON object; anything else is a 400. */
  private static JsonObject body(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw new BadRequest("malformed_json", "the request body must be a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(buffer);
    } catch (DecodeException e) {
      throw new BadRequest("malformed_json", "the request body is not valid JSON");
    }
    if (!(value instanceof JsonObject object)) {
      throw new BadRequest("malformed_json", "the request body must be a JSON object");
    }
    return object;
  }

  private static long longParam(RoutingContext ctx, String name, long defaultValue, long min, long max) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRequest("invalid_" + name, name + " must be a whole number from " + min + " to " + max);
  }

  private static void error(RoutingContext ctx, int status, String code, String message) {
    json(ctx, status, new JsonObject().put("error", code).put("message", message));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.toBuffer());
  }

  /** A client error found while reading the request; rendered as a 400 with its code. */
  private static final class BadRequest extends RuntimeException {
    private final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }
}
