package io.tally.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class AvailabilityAnswerTest {

  private final AvailabilityAnswer.Codec codec = new AvailabilityAnswer.Codec();

  @Test
  void onOneNodeTheAnswerIsPassedAsItIs() {
    AvailabilityAnswer answer = new AvailabilityAnswer(200, Buffer.buffer("{\"slots\":[]}"));

    assertSame(answer, codec.transform(answer));
  }

  @Test
  void onTheWireStatusAndBodySurviveAfterWhatCameBefore() {
    AvailabilityAnswer answer = new AvailabilityAnswer(400, Buffer.buffer("{\"error\":\"invalid_region\"}"));
    Buffer wire = Buffer.buffer("header");

    codec.encodeToWire(wire, answer);
    AvailabilityAnswer decoded = codec.decodeFromWire("header".length(), wire);

    assertEquals(400, decoded.status());
    assertEquals(answer.body().toString(), decoded.body().toString());
  }
}
