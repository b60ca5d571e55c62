package io.tally.contract;

import io.vertx.core.eventbus.MessageCodec;

/**
 * The base of Tally's own event-bus codecs. On one node a body passes by reference: every body sent with such a
 * codec is immutable once sent, so there is nothing to copy and nothing to parse again. Between nodes it travels in
 * the form its subclass writes.
 */
public abstract class ByReference<T> implements MessageCodec<T, T> {

  private final String name;

  protected ByReference(String name) {
    this.name = name;
  }

  @Override
  public final T transform(T body) {
    return body;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
