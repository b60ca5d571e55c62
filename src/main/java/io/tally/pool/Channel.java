package io.tally.pool;

import java.util.Optional;

/** How an order reaches its customer: the van brings it, or the customer collects it. */
public enum Channel {
  DELIVERY("delivery"),
  PICKUP("pickup");

  private final String wireName;

  Channel(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<Channel> fromWireName(String name) {
    for (Channel channel : values()) {
      if (channel.wireName.equals(name)) {
        return Optional.of(channel);
      }
    }
    return Optional.empty();
  }
}
