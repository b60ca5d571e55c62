package io.tally.web;

import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.AvailabilityRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live availability over WebSocket ({@code GET /ws/availability?region=…}): a snapshot of the region's slots,
 * then one message whenever a slot's offer changes (it becomes available or unavailable, opens or closes, or a
 * new pool appears). Changes come from this node's availability index ({@link LiveSockets}, which also bounds the
 * node's sockets and drops clients that do not keep up).
 */
final class AvailabilitySockets {

  private static final Logger log = LoggerFactory.getLogger(AvailabilitySockets.class);
  private static final int DEFAULT_DAYS = 14;

  private final Vertx vertx;
  private final QueryConfig config;
  private final LiveSockets live;

  AvailabilitySockets(Vertx vertx, QueryConfig config, LiveSockets live) {
    this.vertx = vertx;
    this.config = config;
    this.live = live;
  }

  /** Checks the query, upgrades to a WebSocket and sends the snapshot; refusals are plain JSON HTTP errors. */
  void open(RoutingContext ctx) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(LiveSockets.query(ctx, DEFAULT_DAYS));
    } catch (Refusal refusal) {
      refuse(ctx, refusal);
      return;
    }
    if (!upgrading(ctx)) {
      return;
    }
    if (!live.admit(config.maxWebSockets())) {
      refuse(ctx, new Refusal(503, "too_many_sockets",
          "this node serves no more availability sockets; try another node"));
      return;
    }
    ctx.request().toWebSocket().onFailure(failed -> live.release(null)).onSuccess(socket -> {
      socket.setWriteQueueMaxSize(config.webSocketQueueBytes());
      Subscriber subscriber = new Subscriber(socket, request);
      live.join(subscriber);
      socket.closeHandler(closed -> live.release(subscriber));
      socket.exceptionHandler(failure -> {
        log.debug("Availability socket for {} failed: {}", request.region(), failure.toString());
        LiveSockets.failed(socket, failure);
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

  /**
   * Whether the request asks for a WebSocket; a plain request to a socket's path is refused here with 426 and the
   * JSON error, where the upgrade would answer a plain-text 400.
   */
  static boolean upgrading(RoutingContext ctx) {
    if ("websocket".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.UPGRADE))) {
      return true;
    }
    ctx.response().putHeader(HttpHeaders.UPGRADE, "websocket").putHeader(HttpHeaders.CONNECTION, "Upgrade");
    refuse(ctx, new Refusal(426, "upgrade_required", ctx.request().path() + " is a WebSocket: connect with"
        + " Upgrade: websocket"));
    return false;
  }

  /** Refuses a WebSocket request before its upgrade, with the JSON error body every refusal has. */
  static void refuse(RoutingContext ctx, Refusal refusal) {
    ctx.response().setStatusCode(refusal.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(refusal.toJson().toBuffer());
  }

  /** One storefront client: what it was last told of each slot, so that it hears only of changes it can see. */
  private final class Subscriber extends LiveSockets.Live {
    private final Map<String, String> told = new HashMap<>();

    Subscriber(ServerWebSocket socket, AvailabilityRequest request) {
      super(live, socket, request);
    }

    @Override
    String kind() {
      return "an availability";
    }

    void snapshot(JsonObject answer) {
      JsonArray slots = new JsonArray();
      for (Object item : answer.getJsonArray("slots")) {
        JsonObject slot = (JsonObject) item;
        String poolId = slot.getString("poolId");
        heard(poolId, slot.getLong("seq"));
        told.put(poolId, slot.getBoolean("available") ? "available" : "unavailable");
        JsonObject shown = slot.copy();
        shown.remove("seq");
        slots.add(shown);
      }
      send(new JsonObject().put("type", "snapshot").put("region", request.region())
          .put("from", request.from().toString()).put("to", request.to().toString()).put("slots", slots));
      snapshotSent();
    }

    @Override
    void tell(JsonObject change, Long known) {
      String poolId = change.getString("poolId");
      boolean isOpen = change.getBoolean("open");
      boolean available = isOpen && change.getLong("remaining") >= request.units();
      String state = !isOpen ? "closed" : available ? "available" : "unavailable";
      if (state.equals(told.put(poolId, state)) || (!isOpen && known == null)) {
        return; // nothing the client can see has changed, or a pool it never saw closed
      }
      send(new JsonObject().put("type", "slot").put("poolId", poolId).put("start", change.getString("start"))
          .put("end", change.getString("end")).put("available", available).put("open", isOpen));
    }
  }
}
