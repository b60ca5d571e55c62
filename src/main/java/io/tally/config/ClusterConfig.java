package io.tally.config;

import java.time.Duration;
import java.util.List;

/**
 * How a node joins a cluster. Clustering is on when {@code members} names at least one Hazelcast member; members
 * find each other by TCP on the listed addresses only (multicast is off).
 *
 * @param name the cluster's name; nodes with another name never join it
 * @param host the address this node binds and announces for Hazelcast and the event bus
 * @param port this node's Hazelcast port
 * @param members {@code host:port} of the Hazelcast members to join (this node may be among them)
 * @param eventBusPort this node's event-bus port, 0 for any free port
 * @param heartbeat how often members tell each other they are alive
 * @param failureTimeout how long without a heartbeat before a member is declared dead and its shards move
 * @param handoffTimeout how long a stopping node waits for others to take over its shards before it lets go
 * @param unsubscribeGrace how long a stopping node keeps its node address after every peer has acknowledged that it
 *     hosts nothing, so that a command already on its way is answered ("not owner") rather than dropped
 */
public record ClusterConfig(String name, String host, int port, List<String> members, int eventBusPort,
    Duration heartbeat, Duration failureTimeout, Duration handoffTimeout, Duration unsubscribeGrace) {

  public ClusterConfig {
    members = List.copyOf(members);
  }

  public boolean enabled() {
    return !members.isEmpty();
  }

  static ClusterConfig from(Section section) {
    List<String> members = section.list("members", List.of());
    for (String member : members) {
      if (!member.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new ConfigException(section.key("members"), "each member must be host:port, got '" + member + "'");
      }
    }
    Duration heartbeat = section.millis("heartbeatMs", Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofMinutes(1));
    Duration failureTimeout = section.millis("failureTimeoutMs", Duration.ofSeconds(4), Duration.ofSeconds(2),
        Duration.ofMinutes(10));
    if (failureTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new ConfigException(section.key("failureTimeoutMs"), "must be at least twice cluster.heartbeatMs");
    }
    return new ClusterConfig(
        section.text("name", "tally"),
        section.text("host", "127.0.0.1"),
        section.integer("port", 5701, 1, 65_535),
        members,
        section.integer("eventBusPort", 0, 0, 65_535),
        heartbeat,
        failureTimeout,
        section.millis("handoffTimeoutMs", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(5)),
        section.millis("unsubscribeGraceMs", Duration.ofMillis(250), Duration.ZERO, Duration.ofMinutes(1)));
  }
}
