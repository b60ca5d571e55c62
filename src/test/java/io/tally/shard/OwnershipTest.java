package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import org.junit.jupiter.api.Test;

/** Rendezvous ownership: every node computes the same owners, load is spread, and changes move little. */
class OwnershipTest {

  private static final int SHARDS = 128;
  private static final List<String> THREE = List.of("n1", "n2", "n3");

  @Test
  void everyShardHasExactlyOneOwnerWhateverTheOrderOfTheMemberList() {
    List<String> shuffled = new ArrayList<>(THREE);
    Collections.reverse(shuffled);
    Set<Integer> seen = new HashSet<>();
    for (String node : THREE) {
      SortedSet<Integer> owned = Ownership.owned(node, THREE, SHARDS);
      assertEquals(owned, Ownership.owned(node, shuffled, SHARDS), "the order members are listed in is irrelevant");
      for (int shard : owned) {
        assertTrue(seen.add(shard), "shard " + shard + " has two owners");
      }
    }
    assertEquals(SHARDS, seen.size());
  }

  @Test
  void shardsSpreadRoughlyEvenly() {
    List<String> ten = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ten.add("node-" + i);
    }
    for (String node : ten) {
      int owned = Ownership.owned(node, ten, 1024).size();
      assertTrue(owned > 60 && owned < 150, node + " owns " + owned + " of 1024 shards among 10 nodes");
    }
  }

  @Test
  void aMemberLeavingMovesOnlyItsOwnShards() {
    List<String> two = List.of("n1", "n3");
    for (int shard = 0; shard < SHARDS; shard++) {
      String before = Ownership.ownerOf(shard, THREE).orElseThrow();
      String after = Ownership.ownerOf(shard, two).orElseThrow();
      if (!before.equals("n2")) {
        assertEquals(before, after, "shard " + shard + " moved although its owner stayed");
      }
    }
  }

  @Test
  void aMemberJoiningTakesShardsOnlyForItself() {
    List<String> four = List.of("n1", "n2", "n3", "n4");
    int taken = 0;
    for (int shard = 0; shard < SHARDS; shard++) {
      String before = Ownership.ownerOf(shard, THREE).orElseThrow();
      String after = Ownership.ownerOf(shard, four).orElseThrow();
      if (!before.equals(after)) {
        assertEquals("n4", after);
        taken++;
      }
    }
    assertTrue(taken > 0);
  }

  @Test
  void noOwnersMeansNoOwner() {
    assertEquals(Optional.empty(), Ownership.ownerOf(3, List.of()));
    assertTrue(Ownership.owned("n1", List.of(), SHARDS).isEmpty());
  }
}
