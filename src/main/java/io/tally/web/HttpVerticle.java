package io.tally.web;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.tally.config.HttpConfig;
import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.Commands;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the HTTP contract (the routes and answers the README lists) into the contract's requests and their
 * {@link Reply replies} back into HTTP: a reply's status and body are written as they are. It holds no state and
 * decides nothing: malformed input is refused here or by the request's own parsing, always with a 4xx and a JSON
 * error body.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
  private static final int DEFAULT_PAGE = 100;
  /** Where the console's files are in the jar. */
  private static final String CONSOLE_ROOT = "io/tally/web/console";
  /** The console loads nothing from anywhere but this node, and is never framed. */
  private static final String CONSOLE_POLICY = "default-src 'self'; connect-src 'self'; img-src 'self' data:;"
      + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  private static final int MAX_PAGE = 1_000;

  private final HttpConfig config;
  private final Commands commands;
  private final Health health;
  private final Supplier<JsonObject> cluster;
  private final QueryConfig query;
  private final WebMeters meters;
  private final AtomicInteger connections;
  private final AtomicBoolean refusedLogged = new AtomicBoolean();
  private final DeliveryOptions reads;
  private final AdminAccess admin;
  private AvailabilitySockets sockets;
  private ConsoleSockets consoles;
  private HttpServer server;

  /**
   * @param meters the node's web meters and counters of open connections and sockets, shared by every instance
   * @param localReads whether this node has the query role: journal reads and projections are then asked of this
   *     node's own verticles, never of another node's
   * @param admin who may use the admin routes
   */
  public HttpVerticle(HttpConfig config, QueryConfig query, Commands commands, Health health,
      Supplier<JsonObject> cluster, WebMeters meters, boolean localReads, AdminAccess admin) {
    this.admin = admin;
    this.meters = meters;
    this.connections = meters.connections();
    this.reads = new DeliveryOptions().setLocalOnly(localReads);
    this.config = config;
    this.query = query;
    this.commands = commands;
    this.health = health;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    LiveSockets live = new LiveSockets(meters);
    sockets = new AvailabilitySockets(vertx, query, live);
    consoles = new ConsoleSockets(vertx, query, admin, live);
    HttpServerOptions options = new HttpServerOptions();
    if (config.sendBufferBytes() > 0) {
      options.setSendBufferSize(config.sendBufferBytes());
    }
    server = vertx.createHttpServer(options).connectionHandler(this::bound)
        .invalidRequestHandler(request -> undecodable(request, options));
    return Future.join(vertx.eventBus().<JsonObject>localConsumer(Addresses.AVAILABILITY_CHANGED_LOCAL,
            change -> live.changed(change.body())).completion(),
        server.requestHandler(router()).listen(config.port(), config.host()));
  }

  /**
   * A request the HTTP decoder could not read, which no route sees: a request line or headers over their limits, or
   * bytes that are not HTTP. Answered like every refusal, with the JSON error, and the connection closed, since what
   * follows on it cannot be trusted to start a request.
   */
  private static void undecodable(HttpServerRequest request, HttpServerOptions options) {
    Throwable cause = request.decoderResult().cause();
    Refusal refusal = cause instanceof TooLongHttpLineException
        ? new Refusal(414, "uri_too_long", "the request line is longer than " + options.getMaxInitialLineLength()
            + " bytes")
        : cause instanceof TooLongHttpHeaderException
            ? new Refusal(431, "headers_too_large", "the request's headers are longer than "
                + options.getMaxHeaderSize() + " bytes")
            : Refusal.invalid("bad_request", "the request could not be read as HTTP");
    request.response().setStatusCode(refusal.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close").end(refusal.toJson().toBuffer())
        .onComplete(sent -> request.connection().close());
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
    router.get("/ws/console").handler(consoles::open); // an admin socket: its first message is the token
    router.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));

    // storefront routes: open to every client
    router.post("/pools/:poolId/reservations").handler(ctx -> command(ctx, "reserve",
        withPool(ctx, body(ctx))));
    router.delete("/reservations/:reservationId").handler(ctx -> command(ctx, "release",
        new JsonObject().put("reservationId", ctx.pathParam("reservationId"))));
    router.post("/pools/:poolId/holds").handler(ctx -> command(ctx, "hold", withPool(ctx, body(ctx))));
    router.post("/holds/:holdId/confirm").handler(ctx -> command(ctx, "confirm", withHold(ctx, new JsonObject())));
    router.patch("/holds/:holdId").handler(ctx -> command(ctx, "extend", withHold(ctx, body(ctx))));
    router.delete("/holds/:holdId").handler(ctx -> command(ctx, "cancel", withHold(ctx, new JsonObject())));
    router.post("/baskets").handler(ctx -> command(ctx, "basket", body(ctx)));
    router.get("/baskets/:basketId").handler(ctx -> command(ctx, "getBasket", withBasket(ctx)));
    router.delete("/baskets/:basketId").handler(ctx -> command(ctx, "releaseBasket", withBasket(ctx)));
    router.post("/availability").handler(this::availability);

    // admin routes: they change pools or reveal more than the storefront needs
    router.post("/pools").handler(admin).handler(ctx -> command(ctx, "define", body(ctx)));
    router.get("/pools/:poolId").handler(admin).handler(this::getPool);
    router.patch("/pools/:poolId").handler(admin).handler(ctx -> command(ctx, "change", withPool(ctx, body(ctx))));
    router.get("/pools/:poolId/events").handler(admin).handler(this::history);
    router.get("/console/board").handler(admin).handler(ctx -> ask(ctx, Addresses.CONSOLE_BOARD_LOCAL,
        new JsonObject().put("region", ctx.queryParams().get("region")).put("from", ctx.queryParams().get("from"))
            .put("to", ctx.queryParams().get("to"))));
    router.get("/console/cluster").handler(admin).handler(this::consoleCluster);
    // the console's page and scripts: static and not secret, every number behind them needs the admin token
    router.get("/console").handler(ctx -> {
      if (ctx.request().path().equals("/console")) {
        ctx.redirect("/console/"); // the page's relative links need the slash
      } else {
        ctx.next();
      }
    });
    router.get("/console/*").handler(ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CONSOLE_POLICY).putHeader("X-Content-Type-Options",
          "nosniff");
      ctx.next();
    }).handler(StaticHandler.create(CONSOLE_ROOT).setCachingEnabled(false));
    router.post("/pools/:poolId/reset").handler(admin).handler(ctx -> command(ctx, "reset",
        withPool(ctx, body(ctx)).put("dryRun", dryRun(ctx))));
    router.get("/events").handler(admin).handler(this::feed);
    router.get("/reports/demand").handler(admin).handler(this::demand);
    router.get("/projections").handler(admin)
        .handler(ctx -> ask(ctx, Addresses.PROJECTIONS, new JsonObject().put("kind", "status")));
    router.post("/projections/:name/rebuild").handler(admin).handler(ctx -> ask(ctx, Addresses.PROJECTIONS,
        new JsonObject().put("kind", "rebuild").put("name", ctx.pathParam("name"))));
    router.post("/projections/:name/pause").handler(admin).handler(ctx -> ask(ctx, Addresses.PROJECTIONS,
        new JsonObject().put("kind", "pause").put("name", ctx.pathParam("name"))
            .put("reason", pauseReason(ctx))));
    router.post("/projections/:name/resume").handler(admin).handler(ctx -> ask(ctx, Addresses.PROJECTIONS,
        new JsonObject().put("kind", "resume").put("name", ctx.pathParam("name"))));
    router.get("/cluster").handler(admin).handler(ctx -> respond(ctx, Reply.ok(cluster.get())));
    meters.scrape().ifPresent(scrape -> router.get("/metrics").handler(admin).handler(scrape));

    // health: for load balancers and orchestrators
    router.get("/health/live").handler(ctx -> health.notLive().get().ifPresentOrElse(
        reason -> refuse(ctx, new Refusal(503, "not_live", reason)),
        () -> respond(ctx, Reply.ok(new JsonObject().put("status", "up")))));
    router.get("/health/ready").handler(ctx -> health.notReady().get().ifPresentOrElse(
        reason -> refuse(ctx, new Refusal(503, "not_ready", reason)),
        () -> respond(ctx, Reply.ok(new JsonObject().put("status", "ready")))));

    router.errorHandler(400, ctx -> refuse(ctx, Refusal.invalid("bad_request", "the request could not be understood")));
    router.errorHandler(404, ctx -> refuse(ctx, Refusal.notFound("route_not_found",
        "no route " + ctx.request().method() + " " + ctx.request().path())));
    router.errorHandler(405, ctx -> refuse(ctx, new Refusal(405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path())));
    router.errorHandler(413, ctx -> refuse(ctx, new Refusal(413, "payload_too_large",
        "request bodies are limited to " + config.maxBodyBytes() + " bytes")));
    router.errorHandler(415, ctx -> refuse(ctx, new Refusal(415, "unsupported_media_type", "send application/json")));
    router.errorHandler(500, ctx -> {
      if (ctx.failure() instanceof Refusal refusal) {
        refuse(ctx, refusal); // thrown while reading the request
        return;
      }
      log.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      refuse(ctx, Refusal.internal());
    });
    return router;
  }

  private void getPool(RoutingContext ctx) {
    String at = ctx.queryParams().get("at");
    if (at == null) {
      command(ctx, "get", withPool(ctx, new JsonObject()));
    } else {
      ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "at").put("poolId", ctx.pathParam("poolId"))
          .put("at", at));
    }
  }

  private void history(RoutingContext ctx) {
    long after = longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
    long limit = longParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "history").put("poolId", ctx.pathParam("poolId"))
        .put("after", after).put("limit", limit));
  }

  /** The event feed: every committed event after a checkpoint, in {@code (tx_id, position)} order. */
  private void feed(RoutingContext ctx) {
    long limit = longParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    ask(ctx, Addresses.JOURNAL_READ, new JsonObject().put("kind", "feed").put("after", ctx.queryParams().get("after"))
        .put("limit", limit));
  }

  /** Demand for {@code region}, or with {@code regionUnknown=true} for reservations whose region is not known. */
  private void demand(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("kind", "demand");
    String unknown = ctx.queryParams().get("regionUnknown");
    if (unknown != null && !unknown.equals("true")) {
      throw Refusal.invalid("invalid_region", "regionUnknown may only be true");
    }
    List<String> required = unknown == null ? List.of("region", "from", "to") : List.of("from", "to");
    for (String name : required) {
      String value = ctx.queryParams().get(name);
      if (value == null) {
        throw Refusal.invalid("invalid_" + (name.equals("region") ? "region" : "window"), "region (or"
            + " regionUnknown=true), from and to are required, e.g. ?region=SW1A&from=2026-12-01&to=2026-12-08");
      }
      query.put(name, value);
    }
    if (unknown != null) {
      if (ctx.queryParams().get("region") != null) {
        throw Refusal.invalid("invalid_region", "ask for a region or for regionUnknown=true, not both");
      }
      query.put("regionUnknown", true);
    }
    ask(ctx, Addresses.PROJECTIONS, query);
  }

  /** {@code POST /availability}, answered from this node's own index with a body it encoded. */
  private void availability(RoutingContext ctx) {
    vertx.eventBus().<Reply>request(Addresses.AVAILABILITY_HTTP, body(ctx))
        .map(Message::body)
        .onFailure(failure -> log.warn("Availability query failed: {}", failure.toString()))
        .otherwise(Reply.refused(Refusal.unavailable(
            "this node has no availability index; send the query to a query node")))
        .onSuccess(reply -> respond(ctx, reply));
  }

  /**
   * {@code GET /cluster} with each member's numbers of the last minute ({@code stats}, null for a member that did
   * not answer within a second), for the console's cluster panel.
   */
  private void consoleCluster(RoutingContext ctx) {
    JsonObject view = cluster.get();
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(1_000);
    List<Future<Object>> asked = new ArrayList<>();
    for (Object item : view.getJsonArray("members", new JsonArray())) {
      JsonObject member = (JsonObject) item;
      asked.add(vertx.eventBus().<JsonObject>request(Addresses.stats(member.getString("nodeId")), null, quick)
          .<Object>map(reply -> member.put("stats", reply.body()))
          .otherwise(failure -> member.putNull("stats")));
    }
    Future.join(asked).onComplete(done -> respond(ctx, Reply.ok(view)));
  }

  /** Asks a read-side verticle and answers with its reply; a read side that does not answer is a 503. */
  private void ask(RoutingContext ctx, String address, JsonObject query) {
    vertx.eventBus().<Reply>request(address, query, reads)
        .map(Message::body)
        .onFailure(failure -> log.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(),
            failure.toString()))
        .otherwise(Reply.refused(Refusal.unavailable("the journal could not be read; retry")))
        .onSuccess(reply -> respond(ctx, reply));
  }

  private void command(RoutingContext ctx, String type, JsonObject request) {
    request.put("type", type);
    commands.send(request).onSuccess(reply -> respond(ctx, reply)).onFailure(ctx::fail);
  }

  private static JsonObject withPool(RoutingContext ctx, JsonObject body) {
    return body.put("poolId", ctx.pathParam("poolId"));
  }

  private static JsonObject withBasket(RoutingContext ctx) {
    return new JsonObject().put("basketId", ctx.pathParam("basketId"));
  }

  private static JsonObject withHold(RoutingContext ctx, JsonObject body) {
    return body.put("holdId", ctx.pathParam("holdId"));
  }

  /** The request body as a JSON object; anything else is a 400. */
  private static JsonObject body(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw Refusal.invalid("malformed_json", "the request body must be a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(buffer);
    } catch (DecodeException e) {
      throw Refusal.invalid("malformed_json", "the request body is not valid JSON");
    }
    if (!(value instanceof JsonObject object)) {
      throw Refusal.invalid("malformed_json", "the request body must be a JSON object");
    }
    return object;
  }

  /** The optional {@code reason} of a pause: a body is optional, but if there is one it says why, as a string. */
  private static String pauseReason(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return null;
    }
    Object reason = body(ctx).getValue("reason");
    if (reason != null && !(reason instanceof String)) {
      throw Refusal.invalid("invalid_reason", "reason must be a string");
    }
    return (String) reason;
  }

  /** {@code ?dryRun=true}: say what a reset would do without doing it. */
  private static boolean dryRun(RoutingContext ctx) {
    String value = ctx.queryParams().get("dryRun");
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw Refusal.invalid("invalid_dry_run", "dryRun must be true or false");
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
    throw Refusal.invalid("invalid_" + name, name + " must be a whole number from " + min + " to " + max);
  }

  static void refuse(RoutingContext ctx, Refusal refusal) {
    respond(ctx, Reply.refused(refusal));
  }

  /** Writes a reply as it is: its status and its body's JSON text. */
  private static void respond(RoutingContext ctx, Reply reply) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(reply.encoded());
    }
  }
}
