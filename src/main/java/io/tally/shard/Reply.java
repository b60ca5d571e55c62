package io.tally.shard;

import io.tally.pool.Rejection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * An answer to a pool request: the HTTP status it maps to and the JSON body of the contract. Two answers never
 * reach a client: {@link #notOwner} (421, a node that does not host the pool's shard naming the owner it knows) and
 * {@link #retry} (503, the pool could not be decided here just now); senders act on them and try again.
 *
 * <p>A reply that crossed the wire keeps the body's bytes and parses them only if asked: the web verticle writes
 * them to its client as they came, and a sender needs the body only of a 503.
 */
public final class Reply {

  /** The status of {@link #notOwner}: HTTP's "misdirected request", internal to the cluster. */
  public static final int NOT_OWNER = 421;
  static final String RETRY = "retry";

  private final int status;
  private volatile JsonObject body;
  private volatile Buffer encoded;

  public Reply(int status, JsonObject body) {
    this.status = status;
    this.body = Objects.requireNonNull(body);
  }

  private Reply(int status, Buffer encoded) {
    this.status = status;
    this.encoded = encoded;
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

  /** Whether this node does not host the pool's shard; {@link #owner()} names the node that should. */
  public boolean misdirected() {
    return status == NOT_OWNER;
  }

  /** Whether the owner could not decide the command just now (its pool moved, or an append's outcome is unknown). */
  public boolean retryable() {
    return status == 503 && RETRY.equals(body().getString("error"));
  }

  /** The node address a {@link #notOwner} answer names, or null. */
  public String owner() {
    return body().getString("address");
  }

  public static Reply ok(JsonObject body) {
    return new Reply(200, body);
  }

  public static Reply created(JsonObject body) {
    return new Reply(201, body);
  }

  public static Reply rejected(Rejection rejection) {
    int status = switch (rejection.kind()) {
      case INVALID -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
    };
    return error(status, rejection.code(), rejection.message());
  }

  public static Reply error(int status, String code, String message) {
    return new Reply(status, new JsonObject().put("error", code).put("message", message));
  }

  /** This node does not host the shard; {@code name} at {@code address} is its owner in this node's view. */
  static Reply notOwner(String name, String address) {
    return new Reply(NOT_OWNER, new JsonObject().put("error", "not_owner")
        .put("message", "this node does not host the pool; its owner is " + name).put("owner", name)
        .put("address", address));
  }

  /** The pool could not be decided here just now; sending the command again is safe. */
  static Reply retry(String message) {
    return error(503, RETRY, message);
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
}
