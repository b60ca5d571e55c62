package io.tally.contract;

import io.tally.pool.Rejection;
import io.vertx.core.json.JsonObject;

/**
 * Why a request was not carried out, as the contract states it: the HTTP status it is answered with, a stable
 * machine-readable {@code code} and a message for people. It is the one error type of every room: requests that
 * cannot be parsed throw it, read-side handlers fail their futures with it, and a {@link Reply} carries it to the
 * web, which writes it as {@code {"error": code, "message": message}} with its status.
 *
 * <p>Only this class (and {@link Reply}) choose statuses below the web: the domain says which {@link Rejection} it
 * is, and {@link #of} maps it.
 */
public final class Refusal extends RuntimeException {

  private final int status;
  private final String code;

  public Refusal(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** The request is malformed; sending it again cannot succeed. */
  public static Refusal invalid(String code, String message) {
    return new Refusal(400, code, message);
  }

  /** What the request names does not exist. */
  public static Refusal notFound(String code, String message) {
    return new Refusal(404, code, message);
  }

  /** No node could answer just now; sending the request again is safe. */
  public static Refusal unavailable(String message) {
    return new Refusal(503, "unavailable", message);
  }

  /**
   * The pool's journal holds an event this release cannot read (a newer release wrote it during a rolling upgrade):
   * the pool is refused rather than replayed wrongly, until a node that reads it owns the pool.
   */
  public static Refusal unreadable(UnreadableEvent event) {
    return new Refusal(503, "unreadable_event", event.getMessage());
  }

  /** Something failed that the request did not cause; the details are in the node's log. */
  public static Refusal internal() {
    return new Refusal(500, "internal_error", "the request could not be processed");
  }

  /** The domain's rejection of a command, with the status of its kind. */
  public static Refusal of(Rejection rejection) {
    int status = switch (rejection.kind()) {
      case INVALID -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
    };
    return new Refusal(status, rejection.code(), rejection.message());
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Whether the fault is the client's (a 4xx): logged by nobody, answered as it is. */
  public boolean clientError() {
    return status >= 400 && status < 500;
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", code).put("message", getMessage());
  }

  @Override
  public String toString() {
    return status + " " + code + ": " + getMessage();
  }
}
