package io.tally.config;

import java.time.Duration;

/**
 * How pools are spread and kept in memory.
 *
 * @param count shards in the journal's life; fixed once pools exist, because a pool's shard is computed from it
 * @param idleEviction how long a pool may go unused before its state is dropped from memory (it reloads on use)
 * @param maxCommandsPerAppend the most commands of one pool decided into one append
 * @param requestTimeout how long a sender waits for one attempt's answer
 * @param retryDeadline how long a sender keeps retrying a command that found no owner or timed out
 */
public record ShardConfig(int count, Duration idleEviction, int maxCommandsPerAppend, Duration requestTimeout,
    Duration retryDeadline) {

  static ShardConfig from(Section section) {
    return new ShardConfig(
        section.integer("count", 128, 1, 4096),
        section.millis("idleEvictionMs", Duration.ofMinutes(10), Duration.ofMillis(10), Duration.ofDays(7)),
        section.integer("maxCommandsPerAppend", 1_000, 1, 100_000),
        section.millis("requestTimeoutMs", Duration.ofSeconds(3), Duration.ofMillis(10), Duration.ofMinutes(5)),
        section.millis("retryDeadlineMs", Duration.ofSeconds(10), Duration.ofMillis(10), Duration.ofMinutes(10)));
  }
}
