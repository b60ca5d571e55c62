package io.tally.shard;

import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The codecs of internal shard traffic. On one node a request and its reply pass by reference: they are immutable
 * once sent, so there is nothing to copy and the shard does not parse the request again. Between nodes they travel
 * in the forms their codecs describe.
 */
public final class ShardMessages {

  private ShardMessages() {
  }

  /**
   * A request on its way to a shard: the parsed form for the owner, and the contract's JSON for requests that cross
   * the wire as JSON (null for one that arrived in the binary form).
   */
  record Envelope(ShardRequest request, JsonObject json) {
  }

  /** Registers the codecs on an event bus; every node of a cluster does this at start-up. */
  public static void register(EventBus bus) {
    bus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
    bus.registerDefaultCodec(Reply.class, new ReplyCodec());
  }

  /** Passes a body by reference on one node; subclasses say how it crosses the wire. */
  private abstract static class ByReference<T> implements MessageCodec<T, T> {
    private final String name;

    ByReference(String name) {
      this.name = name;
    }

    @Override
    public T transform(T body) {
      return body;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  /**
   * Reservations and releases, nearly every request, cross the wire in a compact binary form (their fields,
   * length-prefixed); the rest as the contract's JSON. Either way the command is built, and so validated, again on
   * arrival: a request from another process is input like any other.
   */
  static final class EnvelopeCodec extends ByReference<Envelope> {
    private static final byte JSON = 0;
    private static final byte RESERVE = 1;
    private static final byte RELEASE = 2;

    EnvelopeCodec() {
      super("tally.shard.request");
    }

    @Override
    public void encodeToWire(Buffer buffer, Envelope envelope) {
      switch (envelope.request()) {
        case ShardRequest.Decide(Reserve reserve) -> {
          buffer.appendByte(RESERVE);
          appendText(buffer, reserve.poolId());
          appendText(buffer, reserve.orderId());
          buffer.appendInt(reserve.units());
        }
        case ShardRequest.Decide(Release release) -> {
          buffer.appendByte(RELEASE);
          appendText(buffer, release.reservationId());
        }
        default -> {
          Buffer json = envelope.json().toBuffer();
          buffer.appendByte(JSON).appendInt(json.length()).appendBuffer(json);
        }
      }
    }

    @Override
    public Envelope decodeFromWire(int pos, Buffer buffer) {
      byte kind = buffer.getByte(pos);
      int at = pos + 1;
      return switch (kind) {
        case RESERVE -> {
          String poolId = text(buffer, at);
          at += 4 + buffer.getInt(at);
          String orderId = text(buffer, at);
          at += 4 + buffer.getInt(at);
          yield new Envelope(new ShardRequest.Decide(new Reserve(poolId, orderId, buffer.getInt(at))), null);
        }
        case RELEASE -> new Envelope(new ShardRequest.Decide(new Release(text(buffer, at))), null);
        case JSON -> {
          int length = buffer.getInt(at);
          JsonObject json = new JsonObject(buffer.getBuffer(at + 4, at + 4 + length));
          yield new Envelope(ShardRequest.fromJson(json), json);
        }
        default -> throw new IllegalArgumentException("unknown shard request encoding " + kind);
      };
    }

    private static void appendText(Buffer buffer, String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }

    private static String text(Buffer buffer, int at) {
      int length = buffer.getInt(at);
      return new String(buffer.getBytes(at + 4, at + 4 + length), StandardCharsets.UTF_8);
    }
  }

  /** A reply crosses the wire as its status and the JSON text of its body, which the receiver parses only if asked. */
  static final class ReplyCodec extends ByReference<Reply> {
    ReplyCodec() {
      super("tally.shard.reply");
    }

    @Override
    public void encodeToWire(Buffer buffer, Reply reply) {
      Buffer json = reply.encoded();
      buffer.appendInt(reply.status()).appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public Reply decodeFromWire(int pos, Buffer buffer) {
      int status = buffer.getInt(pos);
      int length = buffer.getInt(pos + 4);
      return Reply.fromWire(status, buffer.getBuffer(pos + 8, pos + 8 + length));
    }
  }
}
