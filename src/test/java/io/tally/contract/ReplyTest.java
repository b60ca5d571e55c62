package io.tally.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tally.pool.Rejection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Replies pass by reference on one node and keep their status and body's bytes between nodes. */
class ReplyTest {

  private final Reply.Codec codec = new Reply.Codec();

  @Test
  void onOneNodeAReplyIsPassedAsItIs() {
    Reply reply = Reply.ok(Buffer.buffer("{\"slots\":[]}"));

    assertSame(reply, codec.transform(reply));
  }

  @Test
  void onTheWireStatusAndBodySurviveAfterWhatCameBefore() {
    Reply reply = Reply.refused(Refusal.invalid("invalid_region", "region must be 1-64 printable characters"));
    Buffer wire = Buffer.buffer("header");

    codec.encodeToWire(wire, reply);
    Reply decoded = codec.decodeFromWire("header".length(), wire);

    assertEquals(400, decoded.status());
    assertEquals(reply.encoded().toString(), decoded.encoded().toString(), "the body's bytes pass through unparsed");
    assertEquals(reply, decoded);
    assertEquals("invalid_region", decoded.error());
  }

  @Test
  void aRejectionOfTheDomainIsAnsweredWithTheStatusOfItsKind() {
    assertEquals(400, Reply.rejected(Rejection.invalid("invalid_units", "units must be positive")).status());
    assertEquals(404, Reply.rejected(Rejection.poolNotFound("p")).status());
    Reply conflict = Reply.refused(Refusal.of(new Rejection("capacity_exhausted", Rejection.Kind.CONFLICT, "full")));
    assertEquals(409, conflict.status());
    assertEquals(new JsonObject().put("error", "capacity_exhausted").put("message", "full"), conflict.body());
  }

  @Test
  void onlyTheRoutingAnswersAskTheSenderToTryAgain() {
    Reply moved = Reply.notOwner("n2", "tally.node.n2.abc");
    assertTrue(moved.misdirected());
    assertEquals("tally.node.n2.abc", moved.owner());

    assertTrue(Reply.retry("the pool moved").retryable());
    assertFalse(Reply.refused(Refusal.unavailable("no owner answered in time")).retryable(),
        "a sender's own deadline is final");
    assertFalse(Reply.ok(new JsonObject()).misdirected());
  }
}
