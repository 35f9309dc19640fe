import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';

/**
 * The compression codecs of record batches beyond gzip, which is all kafkajs ships. A producer
 * chooses its compression, not the topic's owner: one snappy, lz4 or zstd batch that the
 * consumer cannot read fails the whole Fetch response, so every partition on that broker would
 * stop. Registered once per process, before any consumer starts (see `createKafka`).
 *
 * - snappy: `kafkajs-snappy` (snappyjs, plain JavaScript), raw and xerial-framed blocks as the
 *   Java client writes them;
 * - lz4: `lz4-napi` (LZ4 frames, Kafka's format since 0.10; prebuilt binaries);
 * - zstd: `fzstd` (a plain JavaScript decoder). driftwatch only reads batches; it produces none
 *   with zstd, so compressing with it is refused with a clear message.
 */

/** The kafkajs codec shape: compress an encoder's buffer, decompress a batch's records. */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const lz4: () => Codec = () => ({
  compress: (encoder) => lz4CompressFrame(encoder.buffer),
  decompress: (buffer) => lz4DecompressFrame(buffer),
});

const zstd: () => Codec = () => ({
  compress: async () => {
    throw new Error('driftwatch reads zstd batches but does not write them');
  },
  decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
});

let registered = false;

/** Registers snappy, lz4 and zstd with kafkajs (idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  // kafkajs is CommonJS: its codec table is a property of the module object, not a named export.
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const codecs = CompressionCodecs as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = SnappyCodec;
  codecs[CompressionTypes.LZ4] = lz4;
  codecs[CompressionTypes.ZSTD] = zstd;
}
