package io.tally.config;

import java.util.Locale;

/** The parts a node plays; a single node plays all three. */
public enum Role {
  /** Serves HTTP and WebSocket clients and turns their requests into event-bus messages. */
  WEB,
  /** Owns shards of pools, decides their commands and appends to the journal. */
  AGGREGATE,
  /** Serves read models: pool histories, availability, feeds. */
  QUERY;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Role parse(String key, String value) {
    for (Role role : values()) {
      if (role.wireName().equals(value.toLowerCase(Locale.ROOT))) {
        return role;
      }
    }
    throw new ConfigException(key, "unknown role '" + value + "'; roles are web, aggregate and query");
  }
}
