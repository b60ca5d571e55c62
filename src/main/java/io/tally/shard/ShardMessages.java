package io.tally.shard;

import io.tally.contract.ByReference;
import io.tally.contract.PoolRequest;
import io.tally.contract.Refusal;
import io.tally.contract.Reply;
import io.tally.pool.Channel;
import io.tally.pool.InvalidCommand;
import io.tally.pool.PoolCommand.Release;
import io.tally.pool.PoolCommand.Reserve;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The codec of requests to owner nodes. On one node a request passes by reference, so the shard does not parse it
 * again; between nodes it travels in the form the codec describes. Replies are the contract's {@link Reply}.
 */
public final class ShardMessages {

  private ShardMessages() {
  }

  /**
   * A request on its way to a shard: the parsed form for the owner, and the contract's JSON for requests that cross
   * the wire as JSON (null for one that arrived in the binary form).
   */
  record Envelope(PoolRequest request, JsonObject json) {
  }

  /** Registers the codec on an event bus; every node of a cluster does this at start-up. */
  public static void register(EventBus bus) {
    bus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
  }

  /**
   * Reservations and releases, nearly every request, cross the wire in a compact binary form (their fields,
   * length-prefixed); the rest as the contract's JSON. Either way the command is built, and so validated, again on
   * arrival: a request from another process is input like any other.
   *
   * <p>A reservation's region and channel, when given, follow its units at the end of the message, where a node of
   * the first release, which reads no further than the units, does not see them: it reserves with the region
   * unknown rather than refusing the request during a rolling upgrade.
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
        case PoolRequest.Decide(Reserve reserve) -> {
          buffer.appendByte(RESERVE);
          appendText(buffer, reserve.poolId());
          appendText(buffer, reserve.orderId());
          buffer.appendInt(reserve.units());
          if (reserve.region() != null || reserve.channel() != null) {
            appendText(buffer, reserve.region() == null ? "" : reserve.region());
            appendText(buffer, reserve.channel() == null ? "" : reserve.channel().wireName());
          }
        }
        case PoolRequest.Decide(Release release) -> {
          buffer.appendByte(RELEASE);
          appendText(buffer, release.reservationId());
        }
        default -> {
          Buffer json = envelope.json().toBuffer();
          buffer.appendByte(JSON).appendInt(json.length()).appendBuffer(json);
        }
      }
    }

    /** @throws Refusal when the request is not a valid one */
    @Override
    public Envelope decodeFromWire(int pos, Buffer buffer) {
      try {
        return decode(pos, buffer);
      } catch (InvalidCommand invalid) {
        throw Refusal.of(invalid.rejection());
      }
    }

    private Envelope decode(int pos, Buffer buffer) {
      byte kind = buffer.getByte(pos);
      int at = pos + 1;
      return switch (kind) {
        case RESERVE -> {
          String poolId = text(buffer, at);
          at += 4 + buffer.getInt(at);
          String orderId = text(buffer, at);
          at += 4 + buffer.getInt(at);
          int units = buffer.getInt(at);
          at += 4;
          String region = null;
          Channel channel = null;
          if (at < buffer.length()) { // the message's body is the last thing in the buffer
            region = text(buffer, at);
            at += 4 + buffer.getInt(at);
            String channelName = text(buffer, at);
            region = region.isEmpty() ? null : region;
            channel = channelName.isEmpty() ? null : Channel.fromWireName(channelName)
                .orElseThrow(() -> new InvalidCommand("invalid_channel", "channel must be \"delivery\" or \"pickup\""));
          }
          yield new Envelope(new PoolRequest.Decide(new Reserve(poolId, orderId, units, region, channel)), null);
        }
        case RELEASE -> new Envelope(new PoolRequest.Decide(new Release(text(buffer, at))), null);
        case JSON -> {
          int length = buffer.getInt(at);
          JsonObject json = new JsonObject(buffer.getBuffer(at + 4, at + 4 + length));
          yield new Envelope(PoolRequest.fromJson(json), json);
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
}
