package io.tally.query;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The HTTP answer to {@code POST /availability}, already encoded by the node's query verticle: its status and JSON
 * body. It only travels on one node ({@code tally.availability.http} is node-local), so its codec passes it by
 * reference: an answer of a week's slots is about 10 KB, and copying it for every question was a third of what a
 * question allocated.
 */
public record AvailabilityAnswer(int status, Buffer body) {

  /** Registers the codec on an event bus; every node does this at start-up. */
  public static void register(EventBus bus) {
    bus.registerDefaultCodec(AvailabilityAnswer.class, new Codec());
  }

  static final class Codec implements MessageCodec<AvailabilityAnswer, AvailabilityAnswer> {

    @Override
    public void encodeToWire(Buffer buffer, AvailabilityAnswer answer) {
      buffer.appendInt(answer.status()).appendInt(answer.body().length()).appendBuffer(answer.body());
    }

    @Override
    public AvailabilityAnswer decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos + 4);
      return new AvailabilityAnswer(buffer.getInt(pos), buffer.getBuffer(pos + 8, pos + 8 + length));
    }

    @Override
    public AvailabilityAnswer transform(AvailabilityAnswer answer) {
      return answer;
    }

    @Override
    public String name() {
      return "tally.availability.answer";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
