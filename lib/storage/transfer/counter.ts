import { PassThrough, Transform } from 'node:stream';

/** Told the bytes of one file moved so far in the current attempt (a retry starts again at 0). */
export type TransferProgress = (bytesSoFar: number) => void;

/** A pass-through that reports the running byte count of what flows through it (if anyone listens). */
export function byteCounter(onProgress?: TransferProgress): Transform {
  if (!onProgress) return new PassThrough();
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onProgress(bytes);
      done(null, chunk);
    },
  });
}

/**
 * Turns per-attempt running counts into increments for a whole-transfer counter, taking back what a
 * failed attempt had counted when the next one starts over.
 */
export function incrementsOf(
  add: (bytes: number) => void,
): TransferProgress & { settle(total: number): void } {
  let counted = 0;
  const report = (bytesSoFar: number) => {
    add(bytesSoFar - counted);
    counted = bytesSoFar;
  };
  return Object.assign(report, {
    /** The file is done: whatever the counts said, exactly `total` bytes are now counted. */
    settle(total: number) {
      report(total);
    },
  });
}
