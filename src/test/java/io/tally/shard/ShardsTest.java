package io.tally.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.util.HashUtil;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shard function is part of the journal's format: a pool's shard must be the same on every node and in every
 * release. {@link Shards#murmur3} is checked against Hazelcast's MurmurHash3 x86 32-bit, an independent
 * implementation already on the classpath, and against published test vectors.
 */
class ShardsTest {

  /** Hazelcast's public {@code MurmurHash3_x86_32(byte[], int, int)} always uses this seed. */
  private static final int HAZELCAST_DEFAULT_SEED = 0x01000193;
  private static final int MAX_LENGTH = 40;

  private static Method hazelcastSeeded;
  private static Object hazelcastByteArrayLoader;

  /** Hazelcast keeps the seeded variant private; it is the one Tally's seed 0 has to be compared with. */
  @BeforeAll
  static void findHazelcastsSeededHash() throws ReflectiveOperationException {
    Class<?> loadStrategy = Class.forName("com.hazelcast.internal.util.HashUtil$LoadStrategy");
    hazelcastSeeded = HashUtil.class.getDeclaredMethod("MurmurHash3_x86_32", loadStrategy, Object.class, long.class,
        int.class, int.class);
    hazelcastSeeded.setAccessible(true);
    Field loader = HashUtil.class.getDeclaredField("BYTE_ARRAY_LOADER");
    loader.setAccessible(true);
    hazelcastByteArrayLoader = loader.get(null);
  }

  private static int hazelcast(byte[] data, int seed) {
    try {
      return (int) hazelcastSeeded.invoke(null, hazelcastByteArrayLoader, data, 0L, data.length, seed);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new AssertionError("could not call Hazelcast's MurmurHash3_x86_32", e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 99, 123_456_789})
  void murmur3WithSeedZeroEqualsHazelcastsForEveryTailLength(long randomSeed) {
    Random random = new Random(randomSeed);
    for (int i = 0; i < 5_000; i++) {
      byte[] data = new byte[i % (MAX_LENGTH + 1)];
      random.nextBytes(data);
      assertEquals(hazelcast(data, 0), Shards.murmur3(data, 0), () -> "length " + data.length);
    }
  }

  @Test
  void murmur3EqualsHazelcastsForAnySeed() {
    Random random = new Random(5);
    for (int i = 0; i < 2_000; i++) {
      byte[] data = new byte[random.nextInt(MAX_LENGTH + 1)];
      random.nextBytes(data);
      int seed = random.nextInt();
      assertEquals(hazelcast(data, seed), Shards.murmur3(data, seed), () -> "length " + data.length + ", seed " + seed);
    }
  }

  @Test
  void murmur3EqualsHazelcastsPublicHashAtItsDefaultSeed() {
    Random random = new Random(11);
    for (int i = 0; i < 1_000; i++) {
      byte[] data = new byte[random.nextInt(MAX_LENGTH + 1)];
      random.nextBytes(data);
      assertEquals(HashUtil.MurmurHash3_x86_32(data, 0, data.length), Shards.murmur3(data, HAZELCAST_DEFAULT_SEED));
    }
  }

  @Test
  void murmur3DoesNotChangeItsInput() {
    byte[] data = utf8("depot-7:vans");
    Shards.murmur3(data, 0);
    assertArrayEquals(utf8("depot-7:vans"), data);
  }

  /** SMHasher's and the reference implementations' published MurmurHash3_x86_32 values. */
  @ParameterizedTest(name = "\"{0}\" seed {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      ""                                            | 0x00000000 | 0x00000000
      ""                                            | 0x00000001 | 0x514e28b7
      ""                                            | 0xffffffff | 0x81f16f39
      hello                                         | 0x00000000 | 0x248bfa47
      Hello, world!                                 | 0x00000000 | 0xc0363e43
      The quick brown fox jumps over the lazy dog   | 0x00000000 | 0x2e4ff723
      aaaa                                          | 0x9747b28c | 0x5a97808a
      Hello, world!                                 | 0x9747b28c | 0x24884cba
      The quick brown fox jumps over the lazy dog   | 0x9747b28c | 0x2fa826cd
      """)
  void murmur3MatchesPublishedVectors(String text, String seed, String expected) {
    byte[] data = utf8(text == null ? "" : text);
    int seedValue = Integer.parseUnsignedInt(seed.substring(2), 16);
    int expectedValue = Integer.parseUnsignedInt(expected.substring(2), 16);
    assertEquals(expectedValue, hazelcast(data, seedValue), "Hazelcast disagrees with the published vector");
    assertEquals(expectedValue, Shards.murmur3(data, seedValue));
  }

  @Test
  void fourZeroBytesHashAsPublished() {
    assertEquals(0x2362f9de, Shards.murmur3(new byte[4], 0));
    assertEquals(0x2362f9de, hazelcast(new byte[4], 0));
  }

  /** Values computed once with Hazelcast's MurmurHash3 (seed 0); they may never change while journals exist. */
  @ParameterizedTest(name = "{0} is in shard {1} of 128")
  @CsvSource(textBlock = """
      p,                      26
      pool-1,                 60
      depot-7:vans,           124
      2026-12-01T10:00Z:SW1A, 119
      london.east:bikes,      115
      slot-42,                92
      """)
  void shardsOfKnownPoolsArePinned(String poolId, int shard) {
    assertEquals(Math.floorMod(hazelcast(utf8(poolId), 0), 128), Shards.shardOf(poolId, 128));
    assertEquals(shard, Shards.shardOf(poolId, 128));
  }

  @Test
  void aPoolWhoseHashIsNegativeStillGetsAShardInRange() {
    assertTrue(Shards.murmur3(utf8("p"), 0) < 0);
    assertTrue(Shards.murmur3(utf8("depot-7:vans"), 0) < 0);
    int negatives = 0;
    for (int i = 0; i < 2_000; i++) {
      String poolId = "pool-" + i;
      int hash = Shards.murmur3(utf8(poolId), 0);
      if (hash < 0) {
        negatives++;
      }
      for (int count : new int[] {1, 2, 7, 128, 4096}) {
        int shard = Shards.shardOf(poolId, count);
        assertTrue(shard >= 0 && shard < count, poolId + " in shard " + shard + " of " + count);
        assertEquals(Math.floorMod(hash, count), shard);
      }
    }
    assertTrue(negatives > 0, "no pool id with a negative hash was tried");
  }
}
