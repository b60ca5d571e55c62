package io.tally.shard;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The owner of every shard in one view of the membership: the first of the live owners in rendezvous order
 * ({@link Ownership}). Computed once per view, so that routing a command is an array lookup rather than a hash per
 * owner per command.
 */
final class Owners {

  private final List<Member> members;
  private final Member[] byShard;

  private Owners(List<Member> members, Member[] byShard) {
    this.members = members;
    this.byShard = byShard;
  }

  /** The owners of {@code shardCount} shards among {@code members}; a member that may not own counts for none. */
  static Owners of(List<Member> members, int shardCount) {
    List<Member> owners = members.stream().filter(Member::owner).toList();
    List<String> names = owners.stream().map(Member::name).distinct().toList();
    Member[] byShard = new Member[shardCount];
    for (int shard = 0; shard < shardCount; shard++) {
      Optional<String> name = Ownership.ownerOf(shard, names);
      if (name.isPresent()) {
        byShard[shard] = owners.stream().filter(member -> member.name().equals(name.get())).findFirst()
            .orElseThrow();
      }
    }
    return new Owners(members, byShard);
  }

  /** Whether this table was computed from exactly {@code view} (views are replaced, never changed). */
  boolean of(List<Member> view) {
    return members == view;
  }

  /** The owner of {@code shard}, if any member may own shards. */
  Optional<Member> owner(int shard) {
    return Optional.ofNullable(byShard[shard]);
  }

  /** The shards {@code member} owns. */
  SortedSet<Integer> ownedBy(Member member) {
    SortedSet<Integer> owned = new TreeSet<>();
    for (int shard = 0; shard < byShard.length; shard++) {
      if (byShard[shard] != null && byShard[shard].name().equals(member.name())) {
        owned.add(shard);
      }
    }
    return owned;
  }
}
