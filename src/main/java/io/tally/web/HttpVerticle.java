package io.tally.web;

import io.tally.Addresses;
import io.tally.query.AvailabilityAnswer;
import io.tally.config.HttpConfig;
import io.tally.config.QueryConfig;
import io.tally.journal.FeedPosition;
import io.tally.shard.CommandSender;
import io.tally.shard.Reply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the HTTP contract (the routes and answers the README lists) into event-bus requests and their answers
 * back into HTTP. It holds no state and decides nothing: malformed input is refused here or by the command's own
 * validation, always with a 4xx and a JSON error body.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1_000;

  private final HttpConfig config;
  private final CommandSender sender;
  private final Supplier<Optional<String>> notReady;
  private final Supplier<JsonObject> cluster;
  private final QueryConfig query;
  private final AtomicInteger openSockets;
  private final AtomicInteger connections;
  private final AtomicBoolean refusedLogged = new AtomicBoolean();
  private final DeliveryOptions reads;
  private AvailabilitySockets sockets;
  private HttpServer server;

  /**
   * @param openSockets the node's open availability WebSockets, shared by every instance
   * @param connections the node's open HTTP connections, shared by every instance
   * @param localReads whether this node has the query role: journal reads and projections are then asked of this
   *     node's own verticles, never of another node's
   */
  public HttpVerticle(HttpConfig config, QueryConfig query, CommandSender sender, Supplier<Optional<String>> notReady,
      Supplier<JsonObject> cluster, AtomicInteger openSockets, AtomicInteger connections, boolean localReads) {
    this.openSockets = openSockets;
    this.connections = connections;
    this.reads = new DeliveryOptions().setLocalOnly(localReads);
    this.config = config;
    this.query = query;
    this.sender = sender;
    this.notReady = notReady;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    sockets = new AvailabilitySockets(vertx, query, openSockets);
    HttpServerOptions options = new HttpServerOptions();
    if (config.sendBufferBytes() > 0) {
      options.setSendBufferSize(config.sendBufferBytes());
    }
    server = vertx.createHttpServer(options).connectionHandler(this::bound);
    return Future.join(sockets.start(), server.requestHandler(router()).listen(config.port(), config.host()));
  }

  /** Closes a connection beyond {@code http.maxConnections} as soon as it is accepted. */
  private void bound(HttpConnection connection) {
    if (connections.incrementAndGet() > config.maxConnections()) {
      connections.decrementAndGet();
      if (refusedLogged.compareAndSet(false, true)) {
        log.warn("More than {} HTTP connections are open; refusing new ones (http.maxConnections)",
            config.maxConnections());
        vertx.setTimer(10_000, again -> refusedLogged.set(false));
      }
      connection.close();
      return;
    }
    connection.closeHandler(closed -> connections.decrementAndGet());
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
    // the WebSocket route comes before the body handler: an upgrade request's body must stay unread
    router.get("/ws/availability").handler(sockets::open);
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
    router.post("/availability").handler(this::availability);
    router.get("/events").handler(this::feed);
    router.get("/reports/demand").handler(this::demand);
    router.get("/projections").handler(ctx -> ask(ctx, Addresses.PROJECTIONS, new JsonObject().put("kind", "status"),
        200));
    router.post("/projections/:name/rebuild").handler(ctx -> ask(ctx, Addresses.PROJECTIONS,
        new JsonObject().put("kind", "rebuild").put("name", ctx.pathParam("name")), 202));
    router.get("/cluster").handler(ctx -> json(ctx, 200, cluster.get()));
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(ctx -> notReady.get().ifPresentOrElse(
        reason -> error(ctx, 503, "not_ready", reason),
        () -> json(ctx, 200, new JsonObject().put("status", "ready"))));

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
    String at = ctx.queryParams().get("at");
    if (at == null) {
      command(ctx, "get", withPool(ctx, new JsonObject()));
      return;
    }
    try {
      OffsetDateTime.parse(at);
    } catch (DateTimeParseException e) {
      throw new BadRequest("invalid_at", "at must be an ISO-8601 date-time with an offset, such as "
          + "2026-12-01T10:00:00Z");
    }
    ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "at").put("poolId", ctx.pathParam("poolId"))
        .put("at", at), 200);
  }

  private void history(RoutingContext ctx) {
    long after = longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
    long limit = longParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "history").put("poolId", ctx.pathParam("poolId"))
        .put("after", after).put("limit", limit), 200);
  }

  /** The event feed: every committed event after a checkpoint, in {@code (tx_id, position)} order. */
  private void feed(RoutingContext ctx) {
    String after = ctx.queryParams().get("after");
    if (after == null) {
      after = FeedPosition.START.toString();
    } else if (FeedPosition.parse(after).isEmpty()) {
      throw new BadRequest("invalid_after", "after must be a checkpoint from a previous page, such as 0:0");
    }
    long limit = longParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "feed").put("after", after).put("limit", limit),
        200);
  }

  private void demand(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("kind", "demand");
    for (String name : List.of("region", "from", "to")) {
      String value = ctx.queryParams().get(name);
      if (value == null) {
        throw new BadRequest("invalid_" + (name.equals("region") ? "region" : "window"),
            "region, from and to are required, e.g. ?region=SW1A&from=2026-12-01&to=2026-12-08");
      }
      query.put(name, value);
    }
    ask(ctx, Addresses.PROJECTIONS, query, 200);
  }

  /** {@code POST /availability}, answered from this node's own index with a body it encoded. */
  private void availability(RoutingContext ctx) {
    vertx.eventBus().<AvailabilityAnswer>request(Addresses.AVAILABILITY_HTTP, body(ctx)).onComplete(result -> {
      if (result.failed()) {
        log.warn("Availability query failed: {}", result.cause().toString());
        error(ctx, 503, "unavailable", "this node has no availability index; send the query to a query node");
      } else if (!ctx.response().ended()) {
        AvailabilityAnswer answer = result.result().body();
        ctx.response().setStatusCode(answer.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(answer.body());
      }
    });
  }

  /**
   * Asks a read-side verticle and answers with its reply; its failures carry the HTTP status as failure code and
   * the error code as message.
   */
  private void ask(RoutingContext ctx, String address, JsonObject query, int status) {
    vertx.eventBus().<JsonObject>request(address, query, reads).onComplete(result -> {
      if (result.succeeded()) {
        json(ctx, status, result.result().body());
      } else if (result.cause() instanceof ReplyException reply && reply.failureCode() >= 400
          && reply.failureCode() < 500) {
        error(ctx, reply.failureCode(), reply.getMessage(), describe(reply.getMessage(), ctx));
      } else {
        log.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(), result.cause().toString());
        error(ctx, 503, "unavailable", "the journal could not be read; retry");
      }
    });
  }

  private static String describe(String code, RoutingContext ctx) {
    return switch (code) {
      case "pool_not_found" -> "pool '" + ctx.pathParam("poolId") + "' does not exist"
          + (ctx.queryParams().contains("at") ? " at that moment" : "");
      case "invalid_pool_id" -> "poolId must match [A-Za-z0-9._:-]{1,128}";
      case "invalid_after" -> "after must be a checkpoint from a previous page, such as 0:0";
      case "invalid_at" -> "at must be an ISO-8601 date-time with an offset";
      case "invalid_region" -> "region must be 1-64 printable characters";
      case "invalid_window" -> "from and to must be dates (to exclusive), from before to";
      case "projection_not_found" -> "no projection named '" + ctx.pathParam("name") + "'";
      default -> code;
    };
  }

  private void command(RoutingContext ctx, String type, JsonObject request) {
    request.put("type", type);
    sender.send(request).onComplete(result -> {
      if (result.succeeded()) {
        Reply reply = result.result();
        if (!ctx.response().ended()) {
          ctx.response().setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .end(reply.encoded());
        }
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
