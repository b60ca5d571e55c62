package io.tally.config;

/**
 * How the node writes to the journal.
 *
 * @param snapshotEvery the fewest events between two snapshots of a pool (larger pools wait longer, so that writing
 *     snapshots costs a bounded share of each event)
 * @param maxBatchEvents the most events one shared INSERT carries
 * @param maxConcurrentAppends how many shared INSERT transactions the node keeps in flight
 */
public record JournalConfig(int snapshotEvery, int maxBatchEvents, int maxConcurrentAppends) {

  static JournalConfig from(Section section) {
    return new JournalConfig(
        section.integer("snapshotEvery", 200, 1, 1_000_000),
        section.integer("maxBatchEvents", 2_000, 1, 50_000),
        section.integer("maxConcurrentAppends", 2, 1, 64));
  }
}
