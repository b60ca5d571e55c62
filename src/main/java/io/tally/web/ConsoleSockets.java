package io.tally.web;

import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.AvailabilityRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console's live board over WebSocket ({@code GET /ws/console?region=&from=&to=}): every pool of the
 * region and days with its numbers (capacity, reserved, held, status, past its cut-off or not), then one message per
 * change. Unlike the storefront's availability socket, it shows numbers, so it is an admin socket.
 *
 * <p>A browser cannot put a bearer token on a WebSocket's upgrade request, so the socket is opened first and the
 * token is its first message, {@code {"token":"..."}}, checked like the admin routes' header. Nothing is sent before
 * it is accepted; a wrong or missing token closes the socket with 4401 (and 4403 on a node that refuses admin
 * access), and so does silence for {@value #AUTH_SECONDS} seconds. Sockets count against the node's WebSocket
 * bound, and a client that cannot keep up is disconnected, as on the availability socket.
 */
final class ConsoleSockets {

  private static final Logger log = LoggerFactory.getLogger(ConsoleSockets.class);
  private static final int AUTH_SECONDS = 10;
  private static final int DEFAULT_DAYS = 7;

  private final Vertx vertx;
  private final QueryConfig config;
  private final AdminAccess admin;
  private final WebMeters meters;
  private final AtomicInteger open;
  private final Map<String, Set<Console>> byRegion = new HashMap<>();

  ConsoleSockets(Vertx vertx, QueryConfig config, AdminAccess admin, WebMeters meters) {
    this.vertx = vertx;
    this.config = config;
    this.admin = admin;
    this.meters = meters;
    this.open = meters.sockets();
  }

  Future<Void> start() {
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.AVAILABILITY_CHANGED_LOCAL, this::changed)
        .completion();
  }

  /** Checks the query, upgrades, and waits for the token; refusals before the upgrade are JSON HTTP errors. */
  void open(RoutingContext ctx) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(query(ctx));
    } catch (Refusal refusal) {
      AvailabilitySockets.refuse(ctx, refusal);
      return;
    }
    if (open.incrementAndGet() > config.maxWebSockets()) {
      open.decrementAndGet();
      meters.socketRefused();
      AvailabilitySockets.refuse(ctx, new Refusal(503, "too_many_sockets",
          "this node serves no more WebSockets; try another node"));
      return;
    }
    ctx.request().toWebSocket().onFailure(failed -> open.decrementAndGet()).onSuccess(socket -> {
      socket.setWriteQueueMaxSize(config.webSocketQueueBytes());
      Console console = new Console(socket, request);
      socket.closeHandler(closed -> forget(console));
      socket.exceptionHandler(failure -> {
        log.debug("Console socket for {} failed: {}", request.region(), failure.toString());
        socket.close((short) 1011, "failed");
      });
      long timer = vertx.setTimer(Duration.ofSeconds(AUTH_SECONDS).toMillis(), late -> {
        if (!console.admitted) {
          socket.close((short) 4401, "send {\"token\":\"<admin token>\"} first");
        }
      });
      socket.textMessageHandler(text -> {
        if (!console.admitted) {
          vertx.cancelTimer(timer);
          admit(console, text);
        }
      });
    });
  }

  private void admit(Console console, String text) {
    String token = null;
    try {
      Object value = new JsonObject(text).getValue("token");
      token = value instanceof String string ? string : null;
    } catch (DecodeException | ClassCastException e) {
      // refused below, like a missing token
    }
    Optional<Refusal> refused = admin.refusal(token == null ? null : "Bearer " + token);
    if (refused.isPresent()) {
      console.socket.close((short) (refused.get().status() == 403 ? 4403 : 4401), refused.get().code());
      return;
    }
    console.admitted = true;
    byRegion.computeIfAbsent(console.request.region(), region -> new LinkedHashSet<>()).add(console);
    JsonObject question = new JsonObject().put("region", console.request.region())
        .put("from", console.request.from().toString()).put("to", console.request.to().toString());
    vertx.eventBus().<Reply>request(Addresses.CONSOLE_BOARD_LOCAL, question)
        .map(answer -> answer.body().succeeded() ? answer.body().body() : null)
        .onSuccess(board -> {
          if (board != null) {
            console.snapshot(board);
          } else {
            console.socket.close((short) 1011, "the board question was refused");
          }
        })
        .onFailure(failure -> console.socket.close((short) 1011, "no availability index on this node"));
  }

  private static JsonObject query(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("region", ctx.queryParams().get("region"));
    String from = ctx.queryParams().get("from");
    query.put("from", from == null ? LocalDate.now(java.time.ZoneOffset.UTC).toString() : from);
    String to = ctx.queryParams().get("to");
    if (to == null) {
      try {
        to = LocalDate.parse(query.getString("from")).plusDays(DEFAULT_DAYS).toString();
      } catch (RuntimeException e) {
        to = query.getString("from"); // refused as the malformed date it is
      }
    }
    return query.put("to", to);
  }

  private void changed(Message<JsonObject> message) {
    JsonObject change = message.body();
    for (Object region : change.getJsonArray("regions", new JsonArray())) {
      Set<Console> consoles = byRegion.get((String) region);
      if (consoles != null) {
        for (Console console : new ArrayList<>(consoles)) {
          console.change(change);
        }
      }
    }
  }

  private void forget(Console console) {
    open.decrementAndGet();
    Set<Console> consoles = byRegion.get(console.request.region());
    if (consoles != null && consoles.remove(console) && consoles.isEmpty()) {
      byRegion.remove(console.request.region());
    }
  }

  /** One console: the seq it last showed of each pool, so that it gets every change once and in order. */
  private final class Console {
    private final ServerWebSocket socket;
    private final AvailabilityRequest request;
    private final Map<String, Long> seqs = new HashMap<>();
    private List<JsonObject> early = new ArrayList<>();
    private boolean admitted;
    private boolean dropped;

    Console(ServerWebSocket socket, AvailabilityRequest request) {
      this.socket = socket;
      this.request = request;
    }

    void snapshot(JsonObject board) {
      for (Object item : board.getJsonArray("slots")) {
        JsonObject slot = (JsonObject) item;
        seqs.put(slot.getString("poolId"), slot.getLong("seq"));
      }
      send(board.put("type", "board"));
      List<JsonObject> waiting = early;
      early = null;
      waiting.forEach(this::change);
    }

    void change(JsonObject change) {
      if (early != null) {
        early.add(change);
        return;
      }
      LocalDate day = LocalDate.parse(change.getString("day"));
      if (day.isBefore(request.from()) || !day.isBefore(request.to())) {
        return;
      }
      String poolId = change.getString("poolId");
      long seq = change.getLong("seq");
      Long known = seqs.get(poolId);
      boolean cutOff = change.getBoolean("cutOff", false);
      if (known != null && (cutOff ? seq < known : seq <= known)) {
        return;
      }
      seqs.put(poolId, seq);
      send(new JsonObject().put("type", "pool").put("poolId", poolId).put("start", change.getString("start"))
          .put("end", change.getString("end")).put("capacity", change.getInteger("capacity"))
          .put("reserved", change.getLong("reserved")).put("held", change.getLong("held"))
          .put("status", change.getString("status")).put("pastCutoff", change.getBoolean("pastCutoff"))
          .put("seq", seq));
    }

    private void send(JsonObject message) {
      if (dropped || socket.isClosed()) {
        return;
      }
      if (socket.writeQueueFull()) {
        log.info("Dropping a console socket for {}: it does not keep up", request.region());
        dropped = true;
        meters.socketDropped();
        socket.close((short) 1008, "too slow: the client did not keep up with the updates");
        return;
      }
      socket.writeTextMessage(message.encode());
    }
  }
}
