package io.tally.shard;

import io.tally.pool.Pool;
import io.tally.pool.Reservation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The JSON bodies of the HTTP contract for pools and reservations, the same on the event bus. */
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

  static JsonObject reservation(Pool pool, Reservation reservation) {
    return new JsonObject()
        .put("reservationId", reservation.reservationId())
        .put("poolId", pool.poolId())
        .put("orderId", reservation.orderId())
        .put("units", reservation.units())
        .put("remaining", pool.remaining());
  }

  static JsonObject released(String reservationId) {
    return new JsonObject().put("reservationId", reservationId).put("released", true);
  }
}
