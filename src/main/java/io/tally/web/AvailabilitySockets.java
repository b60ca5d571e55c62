package io.tally.web;

import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.AvailabilityRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live availability over WebSocket ({@code GET /ws/availability?region=…}): a snapshot of the region's slots,
 * then one message whenever a slot's offer changes (it becomes available or unavailable, opens or closes, or a
 * new pool appears). Changes come from this node's availability index. A client that cannot keep up (its write
 * queue is full) is disconnected, so no client slows another down; the number of sockets per node is bounded.
 */
final class AvailabilitySockets {

  private static final Logger log = LoggerFactory.getLogger(AvailabilitySockets.class);
  private static final int DEFAULT_DAYS = 14;

  private final Vertx vertx;
  private final QueryConfig config;
  private final AtomicInteger open;
  private final WebMeters meters;
  private final Map<String, Set<Subscriber>> byRegion = new HashMap<>();

  AvailabilitySockets(Vertx vertx, QueryConfig config, WebMeters meters) {
    this.vertx = vertx;
    this.config = config;
    this.meters = meters;
    this.open = meters.sockets();
  }

  Future<Void> start() {
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.AVAILABILITY_CHANGED_LOCAL, this::changed)
        .completion();
  }

  /** Checks the query, upgrades to a WebSocket and sends the snapshot; refusals are plain JSON HTTP errors. */
  void open(RoutingContext ctx) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(query(ctx));
    } catch (Refusal refusal) {
      refuse(ctx, refusal);
      return;
    }
    if (open.incrementAndGet() > config.maxWebSockets()) {
      open.decrementAndGet();
      meters.socketRefused();
      refuse(ctx, new Refusal(503, "too_many_sockets",
          "this node serves no more availability sockets; try another node"));
      return;
    }
    ctx.request().toWebSocket().onFailure(failed -> open.decrementAndGet()).onSuccess(socket -> {
      socket.setWriteQueueMaxSize(config.webSocketQueueBytes());
      Subscriber subscriber = new Subscriber(socket, request);
      byRegion.computeIfAbsent(request.region(), region -> new LinkedHashSet<>()).add(subscriber);
      socket.closeHandler(closed -> forget(subscriber));
      socket.exceptionHandler(failure -> {
        log.debug("Availability socket for {} failed: {}", request.region(), failure.toString());
        socket.close((short) 1011, "failed");
      });
      socket.textMessageHandler(ignored -> { });
      JsonObject question = new JsonObject().put("region", request.region()).put("from", request.from().toString())
          .put("to", request.to().toString()).put("units", request.units());
      vertx.eventBus().<Reply>request(Addresses.AVAILABILITY_LOCAL, question)
          .map(answer -> answer.body().succeeded() ? answer.body().body() : null)
          .onSuccess(snapshot -> {
            if (snapshot != null) {
              subscriber.snapshot(snapshot);
            } else {
              socket.close((short) 1011, "the availability question was refused");
            }
          })
          .onFailure(failure -> socket.close((short) 1011, "no availability index on this node"));
    });
  }

  private static JsonObject query(RoutingContext ctx) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String from = ctx.queryParams().get("from");
    JsonObject query = new JsonObject()
        .put("region", ctx.queryParams().get("region"))
        .put("from", from == null ? today.toString() : from);
    String to = ctx.queryParams().get("to");
    if (to == null) {
      try {
        to = LocalDate.parse(query.getString("from")).plusDays(DEFAULT_DAYS).toString();
      } catch (RuntimeException e) {
        to = today.plusDays(DEFAULT_DAYS).toString();
      }
    }
    query.put("to", to);
    String units = ctx.queryParams().get("units");
    if (units != null) {
      query.put("units", units.matches("\\d{1,6}") ? (Object) Integer.valueOf(units) : units);
    }
    return query;
  }

  /** Refuses a WebSocket request before its upgrade, with the JSON error body every refusal has. */
  static void refuse(RoutingContext ctx, Refusal refusal) {
    ctx.response().setStatusCode(refusal.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(refusal.toJson().toBuffer());
  }

  private void changed(Message<JsonObject> message) {
    JsonObject change = message.body();
    for (Object region : change.getJsonArray("regions", new JsonArray())) {
      Set<Subscriber> subscribers = byRegion.get((String) region);
      if (subscribers != null) {
        for (Subscriber subscriber : new ArrayList<>(subscribers)) {
          subscriber.change(change);
        }
      }
    }
  }

  private void forget(Subscriber subscriber) {
    Set<Subscriber> subscribers = byRegion.get(subscriber.request.region());
    if (subscribers != null && subscribers.remove(subscriber)) {
      open.decrementAndGet();
      if (subscribers.isEmpty()) {
        byRegion.remove(subscriber.request.region());
      }
    }
  }

  /** One client: what it was last told about each slot, so that it hears only of changes it can see. */
  private final class Subscriber {
    private final ServerWebSocket socket;
    private final AvailabilityRequest request;
    private final Map<String, Long> seqs = new HashMap<>();
    private final Map<String, String> told = new HashMap<>();
    private List<JsonObject> early = new ArrayList<>();
    private boolean dropped;

    Subscriber(ServerWebSocket socket, AvailabilityRequest request) {
      this.socket = socket;
      this.request = request;
    }

    void snapshot(JsonObject answer) {
      JsonArray slots = new JsonArray();
      for (Object item : answer.getJsonArray("slots")) {
        JsonObject slot = (JsonObject) item;
        String poolId = slot.getString("poolId");
        seqs.put(poolId, slot.getLong("seq"));
        told.put(poolId, slot.getBoolean("available") ? "available" : "unavailable");
        JsonObject shown = slot.copy();
        shown.remove("seq");
        slots.add(shown);
      }
      send(new JsonObject().put("type", "snapshot").put("region", request.region())
          .put("from", request.from().toString()).put("to", request.to().toString()).put("slots", slots));
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
      // a cut-off passing changes what is offered without an event: it comes with the seq the client already has
      boolean cutOff = change.getBoolean("cutOff", false);
      if (known != null && (cutOff ? seq < known : seq <= known)) {
        return;
      }
      seqs.put(poolId, seq);
      boolean isOpen = change.getBoolean("open");
      boolean available = isOpen && change.getLong("remaining") >= request.units();
      String state = !isOpen ? "closed" : available ? "available" : "unavailable";
      if (state.equals(told.put(poolId, state)) || (!isOpen && known == null)) {
        return; // nothing the client can see has changed, or a pool it never saw closed
      }
      send(new JsonObject().put("type", "slot").put("poolId", poolId).put("start", change.getString("start"))
          .put("end", change.getString("end")).put("available", available).put("open", isOpen));
    }

    private void send(JsonObject message) {
      if (dropped || socket.isClosed()) {
        return;
      }
      if (socket.writeQueueFull()) {
        log.info("Dropping an availability socket for {}: it does not keep up", request.region());
        dropped = true;
        meters.socketDropped();
        forget(this);
        socket.close((short) 1008, "too slow: the client did not keep up with the updates");
        return;
      }
      socket.writeTextMessage(message.encode());
    }
  }
}
