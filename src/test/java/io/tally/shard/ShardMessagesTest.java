package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tally.pool.InvalidCommand;
import io.tally.pool.PoolCommand.Reserve;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Shard traffic passes by reference on one node and as the contract's JSON between nodes. */
class ShardMessagesTest {

  @Test
  void aRequestCrossesTheWireAsJsonAndIsParsedAgainOnArrival() {
    JsonObject json = new JsonObject().put("type", "reserve").put("poolId", "p").put("orderId", "o-1").put("units", 2);
    ShardMessages.Envelope sent = new ShardMessages.Envelope(ShardRequest.fromJson(json), json);
    MessageCodec<ShardMessages.Envelope, ShardMessages.Envelope> codec = new ShardMessages.EnvelopeCodec();

    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, sent);
    ShardMessages.Envelope received = codec.decodeFromWire("prefix".length(), wire);

    assertEquals(json, received.json());
    assertEquals(new ShardRequest.Decide(new Reserve("p", "o-1", 2)), received.request());
    assertSame(sent, codec.transform(sent), "on one node the immutable envelope is not copied");
  }

  @Test
  void aMalformedRequestFromAnotherProcessIsRefusedOnArrival() {
    JsonObject good = new JsonObject().put("type", "get").put("poolId", "p");
    ShardMessages.Envelope sent = new ShardMessages.Envelope(ShardRequest.fromJson(good), good);
    MessageCodec<ShardMessages.Envelope, ShardMessages.Envelope> codec = new ShardMessages.EnvelopeCodec();
    ShardMessages.Envelope forged = new ShardMessages.Envelope(sent.request(),
        new JsonObject().put("type", "reserve").put("poolId", "p").put("units", 0));

    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, forged);
    assertThrows(InvalidCommand.class, () -> codec.decodeFromWire(0, wire));
  }

  @Test
  void aReplyKeepsItsStatusAndBodyOnTheWire() {
    Reply reply = Reply.created(new JsonObject().put("reservationId", "p~1").put("remaining", 3));
    MessageCodec<Reply, Reply> codec = new ShardMessages.ReplyCodec();

    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, reply);

    assertEquals(reply, codec.decodeFromWire(0, wire));
  }
}
