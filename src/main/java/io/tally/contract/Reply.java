package io.tally.contract;

import io.tally.pool.Hold;
import io.tally.pool.HoldOutcome;
import io.tally.pool.Pool;
import io.tally.pool.PoolEvent.PoolReset;
import io.tally.pool.Rejection;
import io.tally.pool.Reservation;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * The one answer type of Tally's internal event-bus handlers (shard hosts, journal reads, projections,
 * availability): a status and the contract's JSON body. The factories name what happened (a pool was defined, a
 * reservation already existed, a request was refused) and choose the status for it, so that no room below the web
 * picks one; the web writes the status and body as they are.
 *
 * <p>Two answers never reach a client: {@link #notOwner} (a node that does not host the pool's shard naming the
 * owner it knows) and {@link #retry} (the pool could not be decided here just now); senders act on them and try
 * again.
 *
 * <p>A reply that crossed the wire, or was encoded by its maker, keeps the body's bytes and parses them only if
 * asked: the web writes them to its client as they came.
 */
public final class Reply {

  /** The status of {@link #notOwner}: HTTP's "misdirected request", internal to the cluster. */
  private static final int NOT_OWNER = 421;
  private static final int UNAVAILABLE = 503;
  private static final String RETRY = "retry";

  private final int status;
  private volatile JsonObject body;
  private volatile Buffer encoded;

  private Reply(int status, JsonObject body) {
    this.status = status;
    this.body = Objects.requireNonNull(body);
  }

  private Reply(int status, Buffer encoded) {
    this.status = status;
    this.encoded = Objects.requireNonNull(encoded);
  }

  /** Registers the reply's codec on an event bus; every node does this at start-up. */
  public static void register(EventBus bus) {
    bus.registerDefaultCodec(Reply.class, new Codec());
  }

  /** A successful read or change: the body as it is. */
  public static Reply ok(JsonObject body) {
    return new Reply(200, body);
  }

  /** A successful answer whose body its maker already encoded as JSON text. */
  public static Reply ok(Buffer encoded) {
    return new Reply(200, encoded);
  }

  /** Work was started that finishes later (a projection's rebuild). */
  public static Reply accepted(JsonObject body) {
    return new Reply(202, body);
  }

  /** A pool as it is now. */
  public static Reply pool(Pool pool, long version) {
    return ok(Views.pool(pool, version));
  }

  /** A pool that this request defined; a repeated definition of the same pool is {@link #pool}. */
  public static Reply defined(Pool pool, long version) {
    return new Reply(201, Views.pool(pool, version));
  }

  /** A reservation this request made. */
  public static Reply reserved(Pool pool, Reservation reservation) {
    return new Reply(201, Views.reservation(pool, reservation));
  }

  /** The reservation an order already holds, for a repeated reservation with the same {@code orderId}. */
  public static Reply alreadyReserved(Pool pool, Reservation reservation) {
    return ok(Views.reservation(pool, reservation));
  }

  /** A hold this request placed. */
  public static Reply held(Pool pool, Hold hold) {
    return new Reply(201, Views.hold(pool, hold));
  }

  /** A live hold as it is now: for a repeated hold with the same {@code orderId}, or an extended one. */
  public static Reply hold(Pool pool, Hold hold) {
    return ok(Views.hold(pool, hold));
  }

  /** A confirmed hold, as the reservation it became (confirming twice confirms once, and answers the same). */
  public static Reply confirmed(Pool pool, Reservation reservation) {
    return ok(Views.confirmed(pool, reservation));
  }

  /** A hold that ended without becoming a reservation: cancelled (by this request or before it) or expired. */
  public static Reply ended(String holdId, HoldOutcome outcome) {
    return ok(Views.ended(holdId, outcome));
  }

  /** What a reset did, or would do ({@link Views#reset}). */
  public static Reply reset(Pool pool, long version, PoolReset reset, PoolRequest.Reset request, long asOfSeq) {
    return ok(Views.reset(pool, version, reset, request.at(), asOfSeq, request.reason(), request.dryRun()));
  }

  /** A released reservation (releasing twice releases once, and answers the same). */
  public static Reply released(String reservationId) {
    return ok(Views.released(reservationId));
  }

  /** A basket this request took through: one reservation per item (a retried basket is {@link #ok}). */
  public static Reply basketConfirmed(JsonObject basket) {
    return new Reply(201, basket);
  }

  /** A basket that did not go through: {@code message} names the item that could not be had; nothing is kept. */
  public static Reply basketRefused(JsonObject basket, String message) {
    return new Reply(409, new JsonObject().put("error", "basket_refused").put("message", message).mergeIn(basket));
  }

  public static Reply refused(Refusal refusal) {
    return new Reply(refusal.status(), refusal.toJson());
  }

  public static Reply rejected(Rejection rejection) {
    return refused(Refusal.of(rejection));
  }

  /** This node does not host the shard; {@code name} at {@code address} is its owner in this node's view. */
  public static Reply notOwner(String name, String address) {
    return new Reply(NOT_OWNER, new JsonObject().put("error", "not_owner")
        .put("message", "this node does not host the pool; its owner is " + name).put("owner", name)
        .put("address", address));
  }

  /** The pool could not be decided here just now; sending the command again is safe. */
  public static Reply retry(String message) {
    return refused(new Refusal(UNAVAILABLE, RETRY, message));
  }

  /** A reply as it came from another node: its status and the JSON text of its body. */
  static Reply fromWire(int status, Buffer encoded) {
    return new Reply(status, encoded);
  }

  public int status() {
    return status;
  }

  public JsonObject body() {
    JsonObject parsed = body;
    if (parsed == null) {
      parsed = new JsonObject(encoded);
      body = parsed;
    }
    return parsed;
  }

  /** The body as JSON text, encoded once. */
  public Buffer encoded() {
    Buffer bytes = encoded;
    if (bytes == null) {
      bytes = body.toBuffer();
      encoded = bytes;
    }
    return bytes;
  }

  public boolean succeeded() {
    return status < 400;
  }

  /** The error code of a reply that did not succeed. */
  public String error() {
    return body().getString("error");
  }

  /** Whether this node does not host the pool's shard; {@link #owner()} names the node that should. */
  public boolean misdirected() {
    return status == NOT_OWNER;
  }

  /** Whether the owner could not decide the command just now (its pool moved, or an append's outcome is unknown). */
  public boolean retryable() {
    return status == UNAVAILABLE && RETRY.equals(error());
  }

  /** The node address a {@link #notOwner} answer names, or null. */
  public String owner() {
    return body().getString("address");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Reply reply && reply.status == status && reply.body().equals(body());
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, body());
  }

  @Override
  public String toString() {
    return status + " " + encoded().toString();
  }

  /** A reply crosses the wire as its status and the JSON text of its body, which the receiver parses only if asked. */
  static final class Codec extends ByReference<Reply> {
    Codec() {
      super("tally.shard.reply"); // the name travels with every message: nodes of other releases know it so
    }

    @Override
    public void encodeToWire(Buffer buffer, Reply reply) {
      Buffer json = reply.encoded();
      buffer.appendInt(reply.status()).appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public Reply decodeFromWire(int pos, Buffer buffer) {
      int status = buffer.getInt(pos);
      int length = buffer.getInt(pos + 4);
      return fromWire(status, buffer.getBuffer(pos + 8, pos + 8 + length));
    }
  }
}
