package io.tally.contract;

import io.tally.pool.Hold;
import io.tally.pool.HoldOutcome;
import io.tally.pool.Pool;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.Reservation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** The JSON bodies of the contract for pools, reservations and stored events, the same over HTTP and the event bus. */
public final class Views {

  private Views() {
  }

  /** A pool; its cut-off appears only when it has one. */
  public static JsonObject pool(Pool pool, long version) {
    JsonObject view = new JsonObject()
        .put("poolId", pool.poolId())
        .put("capacity", pool.capacity())
        .put("reserved", pool.reserved())
        .put("held", pool.held())
        .put("remaining", pool.remaining())
        .put("status", pool.status().wireName())
        .put("slot", new JsonObject().put("start", pool.slot().start().toString())
            .put("end", pool.slot().end().toString()))
        .put("regions", new JsonArray(pool.regions()));
    if (pool.cutoff() != null) {
      view.put("cutoff", pool.cutoff().toString());
    }
    return view.put("version", version);
  }

  /**
   * What a reset did, or with {@code dryRun} would do: the reservations it voids, the releases it undoes (the
   * reservations live again), the holds it cancels, and the pool as it leaves it. {@code reset} is {@code null} when
   * the pool already is as it was then, so nothing changes.
   */
  public static JsonObject reset(Pool pool, long version, PoolReset reset, Instant at, long asOfSeq, String reason,
      boolean dryRun) {
    return new JsonObject()
        .put("poolId", pool.poolId())
        .put("at", at.toString())
        .put("asOfSeq", asOfSeq)
        .put("reason", reason)
        .put("dryRun", dryRun)
        .put("changed", reset != null)
        .put("voided", claims(reset == null ? List.of() : reset.voided(), "reservationId"))
        .put("restored", claims(reset == null ? List.of() : reset.restored(), "reservationId"))
        .put("cancelledHolds", claims(reset == null ? List.of() : reset.cancelledHolds(), "holdId"))
        .put("pool", pool(pool, version));
  }

  private static JsonArray claims(List<PoolReset.Claim> claims, String idField) {
    JsonArray items = new JsonArray();
    for (PoolReset.Claim claim : claims) {
      JsonObject item = new JsonObject().put(idField, claim.id()).put("orderId", claim.orderId())
          .put("units", claim.units());
      if (claim.region() != null) {
        item.put("region", claim.region());
      }
      items.add(item);
    }
    return items;
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

  /** A live hold: what it holds and until when. */
  public static JsonObject hold(Pool pool, Hold hold) {
    JsonObject view = new JsonObject()
        .put("holdId", hold.holdId())
        .put("poolId", pool.poolId())
        .put("orderId", hold.orderId())
        .put("units", hold.units())
        .put("status", "held")
        .put("placedAt", hold.placedAt().toString())
        .put("expiresAt", hold.expiresAt().toString());
    if (hold.region() != null) {
      view.put("region", hold.region());
    }
    if (hold.channel() != null) {
      view.put("channel", hold.channel().wireName());
    }
    return view.put("remaining", pool.remaining());
  }

  /** A hold that was confirmed: the reservation it became, which has the hold's id. */
  public static JsonObject confirmed(Pool pool, Reservation reservation) {
    return new JsonObject().put("holdId", reservation.reservationId()).put("status", "confirmed")
        .mergeIn(reservation(pool, reservation));
  }

  /** A hold that ended without becoming a reservation. */
  public static JsonObject ended(String holdId, HoldOutcome outcome) {
    return new JsonObject().put("holdId", holdId).put("status", outcome.wireName());
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
