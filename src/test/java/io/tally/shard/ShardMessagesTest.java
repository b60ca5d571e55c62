package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.contract.PoolRequest;
import io.tally.contract.Refusal;
import io.tally.pool.Channel;
import io.tally.pool.PoolCommand.Reserve;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Shard traffic passes by reference on one node and in a compact form between nodes, validated on arrival. */
class ShardMessagesTest {

  private final MessageCodec<ShardMessages.Envelope, ShardMessages.Envelope> codec =
      new ShardMessages.EnvelopeCodec();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "{\"type\":\"reserve\",\"poolId\":\"p\",\"orderId\":\"o-1 \u00e9\",\"units\":2}",
      "{\"type\":\"reserve\",\"poolId\":\"p\",\"orderId\":\"o\",\"units\":2,\"region\":\"SW1A \u00e9\",\"channel\":\"pickup\"}",
      "{\"type\":\"reserve\",\"poolId\":\"p\",\"orderId\":\"o\",\"region\":\"SW1A\"}",
      "{\"type\":\"reserve\",\"poolId\":\"p\",\"orderId\":\"o\",\"channel\":\"delivery\"}",
      "{\"type\":\"release\",\"reservationId\":\"p~7\"}",
      "{\"type\":\"get\",\"poolId\":\"p\"}",
      "{\"type\":\"change\",\"poolId\":\"p\",\"capacity\":5}",
      "{\"type\":\"define\",\"poolId\":\"p\",\"capacity\":5,\"slot\":{\"start\":\"2026-12-01T10:00:00Z\","
          + "\"end\":\"2026-12-01T12:00:00Z\"},\"regions\":[\"SW1A\"]}"})
  void aRequestCrossesTheWireAndIsTheSameRequestOnArrival(String text) {
    JsonObject json = new JsonObject(text);
    ShardMessages.Envelope sent = new ShardMessages.Envelope(PoolRequest.fromJson(json), json);

    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, sent);
    ShardMessages.Envelope received = codec.decodeFromWire("prefix".length(), wire);

    assertEquals(sent.request(), received.request());
    assertSame(sent, codec.transform(sent), "on one node the immutable envelope is not copied");
  }

  @Test
  void aReservationCrossesTheWireInItsCompactForm() {
    JsonObject json = new JsonObject().put("type", "reserve").put("poolId", "p").put("orderId", "o-1").put("units", 2);
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, new ShardMessages.Envelope(PoolRequest.fromJson(json), json));

    assertEquals(new PoolRequest.Decide(new Reserve("p", "o-1", 2)), codec.decodeFromWire(0, wire).request());
    assertTrue(wire.length() < json.toBuffer().length(), "smaller than its JSON: " + wire.length() + " bytes");
  }

  @Test
  void aReservationsRegionAndChannelFollowTheFirstReleasesLayout() {
    // a node of the first release reads poolId, orderId and units and stops: it sees a reservation of unknown region
    Buffer first = Buffer.buffer();
    codec.encodeToWire(first, envelope(new Reserve("p", "o-1", 2)));
    Buffer second = Buffer.buffer();
    codec.encodeToWire(second, envelope(new Reserve("p", "o-1", 2, "SW1A", Channel.PICKUP)));

    assertEquals(first, second.getBuffer(0, first.length()));
    assertEquals(new PoolRequest.Decide(new Reserve("p", "o-1", 2)), codec.decodeFromWire(0, first).request());
    Buffer forgedChannel = first.copy().appendInt(0).appendInt(3).appendString("van");
    assertThrows(Refusal.class, () -> codec.decodeFromWire(0, forgedChannel));
  }

  private static ShardMessages.Envelope envelope(Reserve reserve) {
    return new ShardMessages.Envelope(new PoolRequest.Decide(reserve), null);
  }

  @Test
  void aMalformedRequestFromAnotherProcessIsRefusedOnArrival() {
    Buffer forgedReservation = Buffer.buffer().appendByte((byte) 1)
        .appendInt(1).appendString("p").appendInt(1).appendString("o").appendInt(0);
    assertThrows(Refusal.class, () -> codec.decodeFromWire(0, forgedReservation));

    Buffer forgedRelease = Buffer.buffer().appendByte((byte) 2).appendInt(3).appendString("p~x");
    assertThrows(Refusal.class, () -> codec.decodeFromWire(0, forgedRelease));

    JsonObject forged = new JsonObject().put("type", "reserve").put("poolId", "p").put("units", 0);
    Buffer forgedJson = Buffer.buffer().appendByte((byte) 0).appendInt(forged.toBuffer().length())
        .appendBuffer(forged.toBuffer());
    assertThrows(Refusal.class, () -> codec.decodeFromWire(0, forgedJson));
  }
}
