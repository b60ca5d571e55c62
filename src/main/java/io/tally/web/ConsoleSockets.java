package io.tally.web;

import io.tally.config.QueryConfig;
import io.tally.contract.Addresses;
import io.tally.contract.AvailabilityRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
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
 * bound, and a client that cannot keep up is disconnected, as on the availability socket ({@link LiveSockets}).
 */
final class ConsoleSockets {

  private static final Logger log = LoggerFactory.getLogger(ConsoleSockets.class);
  private static final int AUTH_SECONDS = 10;
  private static final int DEFAULT_DAYS = 7;

  private final Vertx vertx;
  private final QueryConfig config;
  private final AdminAccess admin;
  private final LiveSockets live;

  ConsoleSockets(Vertx vertx, QueryConfig config, AdminAccess admin, LiveSockets live) {
    this.vertx = vertx;
    this.config = config;
    this.admin = admin;
    this.live = live;
  }

  /** Checks the query, upgrades, and waits for the token; refusals before the upgrade are JSON HTTP errors. */
  void open(RoutingContext ctx) {
    AvailabilityRequest request;
    try {
      request = AvailabilityRequest.fromJson(LiveSockets.query(ctx, DEFAULT_DAYS));
    } catch (Refusal refusal) {
      AvailabilitySockets.refuse(ctx, refusal);
      return;
    }
    if (!AvailabilitySockets.upgrading(ctx)) {
      return;
    }
    if (!live.admit(config.maxWebSockets())) {
      AvailabilitySockets.refuse(ctx, new Refusal(503, "too_many_sockets",
          "this node serves no more WebSockets; try another node"));
      return;
    }
    ctx.request().toWebSocket().onFailure(failed -> live.release(null)).onSuccess(socket -> {
      socket.setWriteQueueMaxSize(config.webSocketQueueBytes());
      Console console = new Console(socket, request);
      socket.closeHandler(closed -> live.release(console));
      socket.exceptionHandler(failure -> {
        log.debug("Console socket for {} failed: {}", request.region(), failure.toString());
        LiveSockets.failed(socket, failure);
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
    live.join(console);
    JsonObject question = new JsonObject().put("region", console.request.region())
        .put("from", console.request.from().toString()).put("to", console.request.to().toString());
    vertx.eventBus().<Reply>request(Addresses.CONSOLE_BOARD_LOCAL, question)
        .map(answer -> answer.body().succeeded() ? answer.body().body() : null)
        .onSuccess(board -> {
          if (board != null) {
            console.board(board);
          } else {
            console.socket.close((short) 1011, "the board question was refused");
          }
        })
        .onFailure(failure -> console.socket.close((short) 1011, "no availability index on this node"));
  }

  /** One console: every change of a pool on its board, with the pool's numbers. */
  private final class Console extends LiveSockets.Live {
    private boolean admitted;

    Console(ServerWebSocket socket, AvailabilityRequest request) {
      super(live, socket, request);
    }

    @Override
    String kind() {
      return "a console";
    }

    void board(JsonObject board) {
      for (Object item : board.getJsonArray("slots")) {
        JsonObject slot = (JsonObject) item;
        heard(slot.getString("poolId"), slot.getLong("seq"));
      }
      send(board.put("type", "board"));
      snapshotSent();
    }

    @Override
    void tell(JsonObject change, Long known) {
      send(new JsonObject().put("type", "pool").put("poolId", change.getString("poolId"))
          .put("start", change.getString("start")).put("end", change.getString("end"))
          .put("capacity", change.getInteger("capacity")).put("reserved", change.getLong("reserved"))
          .put("held", change.getLong("held")).put("status", change.getString("status"))
          .put("pastCutoff", change.getBoolean("pastCutoff")).put("seq", change.getLong("seq")));
    }
  }
}
