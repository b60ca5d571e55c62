package io.tally.shard;

import java.nio.charset.StandardCharsets;

/**
 * Which shard a pool belongs to: {@code floorMod(murmur3_32(poolId), count)}, with MurmurHash3 x86 32-bit over the
 * id's UTF-8 bytes and seed 0. The function never changes for the life of a journal; a test pins known values.
 */
public final class Shards {

  private Shards() {
  }

  public static int shardOf(String poolId, int count) {
    return Math.floorMod(murmur3(poolId.getBytes(StandardCharsets.UTF_8), 0), count);
  }

  static int murmur3(byte[] data, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = seed;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int offset = i * 4;
      int k = (data[offset] & 0xff) | (data[offset + 1] & 0xff) << 8 | (data[offset + 2] & 0xff) << 16
          | (data[offset + 3] & 0xff) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int tail = blocks * 4;
    int k = 0;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xff) << 16;
      case 2:
        k ^= (data[tail + 1] & 0xff) << 8;
      case 1:
        k ^= data[tail] & 0xff;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
