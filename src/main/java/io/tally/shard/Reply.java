package io.tally.shard;

import io.tally.pool.Rejection;
import io.vertx.core.json.JsonObject;

/**
 * An answer to a pool request: the HTTP status it maps to and the JSON body of the contract. Two answers never
 * reach a client: {@link #notOwner} (421, a node that does not host the pool's shard naming the owner it knows) and
 * {@link #retry} (503, the pool could not be decided here just now); senders act on them and try again.
 */
public record Reply(int status, JsonObject body) {

  /** The status of {@link #notOwner}: HTTP's "misdirected request", internal to the cluster. */
  public static final int NOT_OWNER = 421;
  static final String RETRY = "retry";

  public boolean succeeded() {
    return status < 400;
  }

  /** Whether this node does not host the pool's shard; {@link #owner()} names the node that should. */
  public boolean misdirected() {
    return status == NOT_OWNER;
  }

  /** Whether the owner could not decide the command just now (its pool moved, or an append's outcome is unknown). */
  public boolean retryable() {
    return status == 503 && RETRY.equals(body.getString("error"));
  }

  /** The node address a {@link #notOwner} answer names, or null. */
  public String owner() {
    return body.getString("address");
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
}
