package io.tally.shard;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The one clustered consumer of a node: {@code tally.node.<name>.<incarnation>}, registered once before the node
 * may own shards and kept until the process ends, so that the event bus's routes change only when nodes come and
 * go, never when shards move. It takes pool commands (handed to the shard's host, or answered "not owner"), pings
 * from peers (state for state), and peers' claims of shards they now own.
 */
public final class NodeEndpoint extends VerticleBase {

  private final String address;
  private final ShardManager shards;
  private final Membership membership;

  public NodeEndpoint(String address, ShardManager shards, Membership membership) {
    this.address = address;
    this.shards = shards;
    this.membership = membership;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().consumer(address, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    if (body instanceof ShardMessages.Envelope envelope) {
      shards.dispatch(envelope.request(), message::reply);
    } else if (body instanceof JsonObject control) {
      switch (control.getString("kind", "")) {
        case "ping" -> message.reply(membership.exchange(control.getJsonObject("state")));
        case "claim" -> shards.claim(control).onSuccess(message::reply);
        default -> message.fail(400, "invalid_request");
      }
    } else {
      message.fail(400, "invalid_request");
    }
  }
}
