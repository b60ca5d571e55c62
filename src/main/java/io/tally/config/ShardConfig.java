package io.tally.config;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * How pools are spread and kept in memory.
 *
 * @param count shards in the journal's life; fixed once pools exist, because a pool's shard is computed from it
 * @param idleEviction how long a pool may go unused before its state is dropped from memory (it reloads on use)
 * @param maxCommandsPerAppend the most commands of one pool decided into one append
 * @param requestTimeout how long a sender waits for one attempt's answer before it sends the command again; a
 *     message that reached a node as it unsubscribed is never answered, so this bounds what such a loss costs
 * @param retryDeadline how long a sender keeps retrying a command that found no owner or timed out
 * @param maxConcurrentLoads how many pools a node loads from the journal at once; the journal reads them together,
 *     a few hundred per query, so that taking over a crashed node's shards costs a few round trips, not a storm
 * @param holdSweep how often an owner looks for holds whose time is up in pools it serves (in memory or not); a
 *     hold expires at most this long after its {@code expiresAt}, and is never confirmed after it
 * @param alsoServe shards this node consumes although it does not own them: a fault injection for testing that the
 *     journal keeps two owners of one shard from overbooking; never set in production
 */
public record ShardConfig(int count, Duration idleEviction, int maxCommandsPerAppend, Duration requestTimeout,
    Duration retryDeadline, int maxConcurrentLoads, Duration holdSweep, Set<Integer> alsoServe) {

  public ShardConfig {
    alsoServe = Set.copyOf(alsoServe);
  }

  /** The settings of a single node with {@code count} shards and the given timings, for tests and tools. */
  public static ShardConfig of(int count, Duration idleEviction, Duration requestTimeout, Duration retryDeadline) {
    return new ShardConfig(count, idleEviction, 1_000, requestTimeout, retryDeadline, 32, Duration.ofSeconds(1),
        Set.of());
  }

  static ShardConfig from(Section section) {
    int count = section.integer("count", 128, 1, 4096);
    Set<Integer> alsoServe = new TreeSet<>();
    for (String shard : section.list("alsoServe", java.util.List.of())) {
      if (!shard.matches("\\d{1,4}") || Integer.parseInt(shard) >= count) {
        throw new ConfigException(section.key("alsoServe"), "must list shard numbers below " + count);
      }
      alsoServe.add(Integer.parseInt(shard));
    }
    return new ShardConfig(
        count,
        section.millis("idleEvictionMs", Duration.ofMinutes(10), Duration.ofMillis(10), Duration.ofDays(7)),
        section.integer("maxCommandsPerAppend", 1_000, 1, 100_000),
        section.millis("requestTimeoutMs", Duration.ofMillis(500), Duration.ofMillis(10), Duration.ofMinutes(5)),
        section.millis("retryDeadlineMs", Duration.ofSeconds(10), Duration.ofMillis(10), Duration.ofMinutes(10)),
        section.integer("maxConcurrentLoads", 256, 1, 10_000),
        section.millis("holdSweepMs", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)),
        alsoServe);
  }
}
