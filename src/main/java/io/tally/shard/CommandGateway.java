package io.tally.shard;

import io.tally.contract.Addresses;
import io.tally.contract.Commands;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The public command address for sibling services ({@code tally.pool.command}). Answers with the HTTP
 * body on success; failures are {@code ReplyException}s whose failure code is the HTTP status and whose message is
 * the error code.
 */
public final class CommandGateway extends VerticleBase {

  /** The reply header that carries the HTTP status of a success (201 for a new pool or reservation). */
  public static final String STATUS_HEADER = "status";

  private final Commands sender;

  /** @param sender the requests' way to the pools' owners (and to the baskets' coordinator) */
  public CommandGateway(Commands sender) {
    this.sender = sender;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<Object>consumer(Addresses.POOL_COMMAND, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    if (!(message.body() instanceof JsonObject body)) {
      message.fail(400, "invalid_request");
      return;
    }
    sender.send(body).onSuccess(reply -> {
      if (reply.succeeded()) {
        message.reply(reply.body(), new DeliveryOptions().addHeader(STATUS_HEADER, Integer.toString(reply.status())));
      } else {
        message.fail(reply.status(), reply.error());
      }
    });
  }
}
