package io.tally.shard;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * The one codec for internal shard traffic. On one node a request and its reply pass by reference: they are
 * immutable once sent, so there is nothing to copy and the shard does not parse the request again. Between nodes
 * they travel as the JSON of the public contract.
 */
public final class ShardMessages {

  private ShardMessages() {
  }

  /** A request on its way to a shard: the parsed form for the owner, the JSON form for the wire. */
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

  static final class EnvelopeCodec extends ByReference<Envelope> {
    EnvelopeCodec() {
      super("tally.shard.request");
    }

    @Override
    public void encodeToWire(Buffer buffer, Envelope envelope) {
      Buffer json = envelope.json().toBuffer();
      buffer.appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public Envelope decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      JsonObject json = new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
      // validated again on arrival: a request from another process is input like any other
      return new Envelope(ShardRequest.fromJson(json), json);
    }
  }

  static final class ReplyCodec extends ByReference<Reply> {
    ReplyCodec() {
      super("tally.shard.reply");
    }

    @Override
    public void encodeToWire(Buffer buffer, Reply reply) {
      Buffer json = reply.body().toBuffer();
      buffer.appendInt(reply.status()).appendInt(json.length()).appendBuffer(json);
    }

    @Override
    public Reply decodeFromWire(int pos, Buffer buffer) {
      int status = buffer.getInt(pos);
      int length = buffer.getInt(pos + 4);
      return new Reply(status, new JsonObject(buffer.getBuffer(pos + 8, pos + 8 + length)));
    }
  }
}
