package io.tally.shard;

import io.tally.pool.Rejection;
import io.vertx.core.json.JsonObject;

/** An answer to a pool request: the HTTP status it maps to and the JSON body of the contract. */
public record Reply(int status, JsonObject body) {

  public boolean succeeded() {
    return status < 400;
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
