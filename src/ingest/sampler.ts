/**
 * FNV-1a, 32 bits, over bytes: fast, stable across processes and versions, and spread well
 * enough for a keep/drop decision. Not a security hash.
 */
export function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const encoder = new TextEncoder();

/** The fraction in [0, 1) that a key hashes to. */
export function hashFraction(key: Uint8Array | string): number {
  // A final avalanche (murmur3's fmix32) so keys that differ in their last byte spread over [0, 1).
  let h = fnv1a(typeof key === 'string' ? encoder.encode(key) : key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Keep or drop an event: a pure function of its key and the rate, so the same event is kept
 * after a restart or a replay, and a test can compute the expected set.
 * @example keepSample('order-42', 0.1) // the same answer every time
 */
export function keepSample(key: Uint8Array | string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return hashFraction(key) < rate;
}

/** The key of an event with no message key: its position in the log. */
export function offsetKey(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

/**
 * What `sampling.by` 'key' or 'offset' hashes for one message: its key when it has one and the
 * sampling is by key, its position in the log otherwise ('id' needs the parsed payload).
 */
export function samplingKey(
  by: 'key' | 'offset',
  topic: string,
  partition: number,
  offset: string,
  key: Uint8Array | null,
): Uint8Array | string {
  return by === 'key' && key && key.length > 0 ? key : offsetKey(topic, partition, offset);
}
