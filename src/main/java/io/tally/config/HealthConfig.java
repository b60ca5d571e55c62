package io.tally.config;

import java.time.Duration;

/**
 * When {@code /health/live} says the node cannot do its job, so that an orchestrator restarts it. The bounds are
 * long on purpose: a restart clears a wedged event loop or a broken connection pool, but not a database that is
 * down, so liveness fails only well after readiness would have taken the node out of the load balancer.
 *
 * @param loopBlocked how long an event loop may go without running its heartbeat
 * @param journalUnreachable how long the node may go without reaching PostgreSQL
 * @param probe how often the node asks PostgreSQL {@code SELECT 1}, and how long one probe may take
 */
public record HealthConfig(Duration loopBlocked, Duration journalUnreachable, Duration probe) {

  static HealthConfig from(Section section) {
    Duration probe = section.millis("probeMs", Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMinutes(1));
    Duration journal = section.millis("journalUnreachableMs", Duration.ofSeconds(30), Duration.ofMillis(100),
        Duration.ofHours(1));
    if (journal.compareTo(probe) <= 0) {
      throw new ConfigException(section.key("journalUnreachableMs"), "must be longer than health.probeMs ("
          + probe.toMillis() + ")");
    }
    return new HealthConfig(
        section.millis("loopBlockedMs", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(10)),
        journal, probe);
  }
}
