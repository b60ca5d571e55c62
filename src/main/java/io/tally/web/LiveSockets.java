package io.tally.web;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.tally.contract.AvailabilityRequest;
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
 * What the storefront's availability sockets and the console's sockets share: the node's bound on open sockets,
 * the sockets of each region, and for each socket the changes of this node's availability index that it should
 * hear, once each and in seq order, after its snapshot. A client that cannot keep up (its write queue is full) is
 * disconnected, so no client slows another down.
 */
final class LiveSockets {

  private static final Logger log = LoggerFactory.getLogger(LiveSockets.class);

  private final WebMeters meters;
  private final AtomicInteger open;
  private final Map<String, Set<Live>> byRegion = new HashMap<>();

  LiveSockets(WebMeters meters) {
    this.meters = meters;
    this.open = meters.sockets();
  }

  /** Takes one of the node's {@code max} socket places; false (and counted as refused) when none is left. */
  boolean admit(int max) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      meters.socketRefused();
      return false;
    }
    return true;
  }

  /**
   * Gives back the place of an admitted socket: once, when it closed, or with {@code live} null when its upgrade
   * failed.
   */
  void release(Live live) {
    if (live != null) {
      leave(live);
    }
    open.decrementAndGet();
  }

  /** From now on, {@code live} hears the changes of its region. */
  void join(Live live) {
    byRegion.computeIfAbsent(live.request.region(), region -> new LinkedHashSet<>()).add(live);
  }

  private void leave(Live live) {
    Set<Live> lives = byRegion.get(live.request.region());
    if (lives != null && lives.remove(live) && lives.isEmpty()) {
      byRegion.remove(live.request.region());
    }
  }

  /**
   * A socket's question from its query string: {@code region}, {@code from} (today, UTC, when absent), {@code to}
   * ({@code defaultDays} after {@code from} when absent) and {@code units}, to be checked as an availability request.
   */
  static JsonObject query(RoutingContext ctx, int defaultDays) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String from = ctx.queryParams().get("from");
    JsonObject query = new JsonObject()
        .put("region", ctx.queryParams().get("region"))
        .put("from", from == null ? today.toString() : from);
    String to = ctx.queryParams().get("to");
    if (to == null) {
      try {
        to = LocalDate.parse(query.getString("from")).plusDays(defaultDays).toString();
      } catch (RuntimeException e) {
        to = today.plusDays(defaultDays).toString();
      }
    }
    query.put("to", to);
    String units = ctx.queryParams().get("units");
    if (units != null) {
      query.put("units", units.matches("\\d{1,6}") ? (Object) Integer.valueOf(units) : units);
    }
    return query;
  }

  /**
   * Closes a socket whose client broke the protocol or the limits: with the status the WebSocket decoder chose (1009
   * for a frame or message over its limit, 1002 for a malformed frame), else 1011.
   */
  static void failed(ServerWebSocket socket, Throwable failure) {
    if (failure instanceof CorruptedWebSocketFrameException corrupted) {
      socket.close((short) corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
    } else if (failure instanceof IllegalStateException && String.valueOf(failure.getMessage())
        .contains("max message size")) {
      // Vert.x's frame aggregator refuses a frame that would take a message over maxWebSocketMessageSize this way
      socket.close((short) 1009, "message too big");
    } else {
      socket.close((short) 1011, "failed");
    }
  }

  /** A change from this node's availability index, for every socket of each region the pool serves. */
  void changed(JsonObject change) {
    for (Object region : change.getJsonArray("regions", new JsonArray())) {
      Set<Live> lives = byRegion.get((String) region);
      if (lives != null) {
        for (Live live : new ArrayList<>(lives)) {
          live.change(change);
        }
      }
    }
  }

  /**
   * One client of a region and days: the seq it last heard of each pool. Changes that come before its snapshot
   * is sent wait for it; then each change of a pool on its days that is newer than what it heard goes to
   * {@link #tell}.
   */
  abstract static class Live {
    final ServerWebSocket socket;
    final AvailabilityRequest request;
    private final LiveSockets sockets;
    private final Map<String, Long> seqs = new HashMap<>();
    private List<JsonObject> early = new ArrayList<>();
    private boolean dropped;

    Live(LiveSockets sockets, ServerWebSocket socket, AvailabilityRequest request) {
      this.sockets = sockets;
      this.socket = socket;
      this.request = request;
    }

    /** What the socket is, for a log line. */
    abstract String kind();

    /**
     * Tells the client of a change it has not heard; {@code known} is the seq it had of the pool, null for a pool it
     * has not seen.
     */
    abstract void tell(JsonObject change, Long known);

    /** The client has heard of {@code poolId} up to {@code seq} (from its snapshot). */
    final void heard(String poolId, long seq) {
      seqs.put(poolId, seq);
    }

    /** The snapshot was sent: the changes that came meanwhile follow. */
    final void snapshotSent() {
      List<JsonObject> waiting = early;
      early = null;
      waiting.forEach(this::change);
    }

    final void change(JsonObject change) {
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
      tell(change, known);
    }

    final void send(JsonObject message) {
      if (dropped || socket.isClosed()) {
        return;
      }
      if (socket.writeQueueFull()) {
        log.info("Dropping {} socket for {}: it does not keep up", kind(), request.region());
        dropped = true;
        sockets.meters.socketDropped();
        sockets.leave(this);
        socket.close((short) 1008, "too slow: the client did not keep up with the updates");
        return;
      }
      socket.writeTextMessage(message.encode());
    }
  }
}
