package io.tally.config;

import java.time.Duration;

/**
 * The read side of a node.
 *
 * @param catchUp how often the availability index re-reads the pools changed since its last read, repairing any
 *     change publication that was lost or arrived late
 * @param maxWebSockets the most availability WebSockets one node keeps open
 * @param webSocketQueueBytes how far a WebSocket client may fall behind before it is dropped
 * @param projectionPoll how often a caught-up async projection looks for new events
 */
public record QueryConfig(Duration catchUp, int maxWebSockets, int webSocketQueueBytes, Duration projectionPoll) {

  static QueryConfig from(Section section) {
    return new QueryConfig(
        section.millis("catchUpMs", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10)),
        section.integer("maxWebSockets", 10_000, 0, 1_000_000),
        section.integer("webSocketQueueBytes", 256 * 1024, 1024, 64 * 1024 * 1024),
        section.millis("projectionPollMs", Duration.ofMillis(200), Duration.ofMillis(10), Duration.ofMinutes(10)));
  }
}
