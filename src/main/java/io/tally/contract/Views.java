package io.tally.contract;

import io.tally.pool.Pool;
import io.tally.pool.Reservation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;

/** The JSON bodies of the contract for pools, reservations and stored events, the same over HTTP and the event bus. */
public final class Views {

  private Views() {
  }

  public static JsonObject pool(Pool pool, long version) {
    return new JsonObject()
        .put("poolId", pool.poolId())
        .put("capacity", pool.capacity())
        .put("reserved", pool.reserved())
        .put("remaining", pool.remaining())
        .put("status", pool.status().wireName())
        .put("slot", new JsonObject().put("start", pool.slot().start().toString())
            .put("end", pool.slot().end().toString()))
        .put("regions", new JsonArray(pool.regions()))
        .put("version", version);
  }

  /** A reservation; its region and channel appear only when they are known. */
  public static JsonObject reservation(Pool pool, Reservation reservation) {
    JsonObject view = new JsonObject()
        .put("reservationId", reservation.reservationId())
        .put("poolId", pool.poolId())
        .put("orderId", reservation.orderId())
        .put("units", reservation.units());
    if (reservation.region() != null) {
      view.put("region", reservation.region());
    }
    if (reservation.channel() != null) {
      view.put("channel", reservation.channel().wireName());
    }
    return view.put("remaining", pool.remaining());
  }

  public static JsonObject released(String reservationId) {
    return new JsonObject().put("reservationId", reservationId).put("released", true);
  }

  /** One stored event of a pool's history or of the feed: its seq, type, payload as stored and time of recording. */
  public static JsonObject event(long seq, String type, String payload, OffsetDateTime recordedAt) {
    return new JsonObject()
        .put("seq", seq)
        .put("type", type)
        .put("payload", new JsonObject(payload))
        .put("recordedAt", recordedAt.toInstant().toString());
  }
}
