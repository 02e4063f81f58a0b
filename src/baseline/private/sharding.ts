import { createHash } from 'crypto';

/**
 * Deterministic placement of repositories on shard stacks (not exported from the package).
 *
 * A key (the repository name, or its `shardKey`) is hashed with SHA-256; the first 8 bytes feed
 * Lamping and Veach's jump consistent hash ("A Fast, Minimal Memory, Consistent Hash Algorithm",
 * 2014). Two properties matter:
 *
 * - the shard of a key depends on the key and the shard count only: adding or removing other
 *   repositories never moves it;
 * - when the shard count grows from n to m, a key either stays or moves to one of the new shards
 *   n..m-1, and only about (m - n) / m of the keys move (the fewest any scheme can move).
 */

const LCG_MULTIPLIER = 2862933555777941757n;
const TWO_POW_31 = 2 ** 31;
const TWO_POW_33 = 2n ** 33n;

/** The 64-bit hash of a key: the first 8 bytes of its SHA-256, big-endian. */
export function keyHash(key: string): bigint {
  return createHash('sha256').update(key, 'utf8').digest().readBigUInt64BE(0);
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let k = key;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * LCG_MULTIPLIER + 1n);
    j = Math.floor((b + 1) * (TWO_POW_31 / (Number(k / TWO_POW_33) + 1)));
  }
  return b;
}

/** The shard of a key among `shardCount` shards. */
export function shardOf(key: string, shardCount: number): number {
  return jumpHash(keyHash(key), shardCount);
}
