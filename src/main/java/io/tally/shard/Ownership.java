package io.tally.shard;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Rendezvous (highest-random-weight) hashing of shards onto owner names. Every node computes the same answer from
 * the same member list, so no coordinator and no stored ownership exist to disagree or be corrupted; when a member
 * joins or leaves, only the shards it gains or loses move.
 */
public final class Ownership {

  private Ownership() {
  }

  /** The owner of {@code shard} among {@code owners}, if there is any owner at all. */
  public static Optional<String> ownerOf(int shard, Collection<String> owners) {
    String best = null;
    int bestScore = 0;
    for (String owner : owners) {
      int score = score(owner, shard);
      if (best == null || Integer.compareUnsigned(score, bestScore) > 0
          || (score == bestScore && owner.compareTo(best) < 0)) {
        best = owner;
        bestScore = score;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The shards among {@code 0..count-1} that {@code self} owns. */
  public static SortedSet<Integer> owned(String self, Collection<String> owners, int count) {
    SortedSet<Integer> owned = new TreeSet<>();
    for (int shard = 0; shard < count; shard++) {
      if (ownerOf(shard, owners).filter(self::equals).isPresent()) {
        owned.add(shard);
      }
    }
    return owned;
  }

  private static int score(String owner, int shard) {
    return Shards.murmur3((owner + '#' + shard).getBytes(StandardCharsets.UTF_8), 0x5EED);
  }
}
