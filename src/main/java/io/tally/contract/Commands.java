package io.tally.contract;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Sends a pool request, the contract's JSON ({@code {"type": "reserve", ...}}), to the owner of its pool and returns
 * the owner's answer. The web takes requests to this port; the shard runtime implements it, so that the web needs
 * to know nothing of shards or where they are.
 */
@FunctionalInterface
public interface Commands {

  /** Never fails: a malformed request is a refused reply, and an owner that cannot be reached a 503 reply. */
  Future<Reply> send(JsonObject request);
}
