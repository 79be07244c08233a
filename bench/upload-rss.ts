/**
 * Data path on S3 (MinIO): N files of M MB uploaded through Storage at concurrency C, then
 * downloaded back with Storage.downloadFile verifying each against its stored ETag (as restore
 * does); prints wall time, MB/s, CPU seconds, CPU s/GB and peak RSS for each phase (the peak is
 * reset between them through /proc/self/clear_refs), and checks every stored ETag equals the
 * multipart ETag lib/storage/hashing.ts computes (the one Medusa expects).
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/upload-rss.ts --endpoint http://127.0.0.1:19000 --key-file creds \
 *     --files 4 --mb 200 --concurrency 4 [--lib ./lib] [--bandwidth 50MB/s]
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type * as StorageModule from '../lib/storage/storage.js';
import type * as HashingModule from '../lib/storage/hashing.js';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string', default: 'http://127.0.0.1:19000' },
    'key-file': { type: 'string' },
    bucket: { type: 'string', default: 'bench-upload' },
    files: { type: 'string', default: '4' },
    mb: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    chunksize: { type: 'string', default: '50MB' },
    bandwidth: { type: 'string', default: '0' },
    lib: { type: 'string', default: resolve(import.meta.dirname, '../lib') },
  },
});

const lib = resolve(values.lib);
const { Storage } = (await import(
  pathToFileURL(join(lib, 'storage/storage.ts')).href
)) as typeof StorageModule;
const { fileDigests } = (await import(
  pathToFileURL(join(lib, 'storage/hashing.ts')).href
)) as typeof HashingModule;

const url = new URL(values.endpoint);
const files = Number(values.files);
const bytes = Number(values.mb) * 1024 * 1024;
const chunkBytes = Number.parseInt(values.chunksize) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
try {
  const paths = Array.from({ length: files }, (_, i) => join(dir, `f${i}.db`));
  const block = randomBytes(1024 * 1024);
  // Written block by block so the generator does not raise the peak RSS being measured.
  for (const [i, path] of paths.entries()) {
    const fd = openSync(path, 'w');
    for (let o = 0; o < bytes; o += block.length) {
      block.writeUInt32LE(o ^ i, 0);
      writeSync(fd, block, 0, Math.min(block.length, bytes - o));
    }
    closeSync(fd);
  }
  const storage = await Storage.open({
    provider: 's3_compatible',
    bucket: values.bucket,
    host: url.hostname,
    port: Number(url.port),
    secure: url.protocol === 'https:',
    keyFile: values['key-file'],
    concurrentTransfers: Number(values.concurrency),
    multipartChunksize: values.chunksize,
    transferMaxBandwidth: values.bandwidth,
  });
  await storage.ensureBucket();
  const gb = (files * bytes) / 1024 ** 3;
  /** Runs one phase and measures it; the peak RSS is reset first, so each phase has its own. */
  const measure = async <T>(phase: () => Promise<T>) => {
    // Garbage of the previous phase goes first (run with --expose-gc), then the peak is reset.
    (globalThis as { gc?: () => void }).gc?.();
    writeFileSync('/proc/self/clear_refs', '5');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await phase();
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const figures = {
      wallSeconds: +wall.toFixed(2),
      mbPerSecond: +((files * bytes) / 1024 ** 2 / wall).toFixed(1),
      cpuSeconds: +cpuSeconds.toFixed(2),
      cpuSecondsPerGb: +(cpuSeconds / gb).toFixed(2),
      peakRssMb: Math.round(Number(hwm) / 1024),
    };
    return { result, figures };
  };
  const baseline = Math.round(process.memoryUsage().rss / 1024 ** 2);
  const upload = await measure(() =>
    Promise.all(paths.map((path, i) => storage.uploadFile(`bench/f${i}.db`, path))),
  );
  const infos = upload.result;
  const download = await measure(() =>
    Promise.all(
      infos.map((info, i) =>
        storage.downloadFile(info.key, `${paths[i]!}.back`, undefined, {
          size: bytes,
          hash: info.hash,
          partSize: chunkBytes,
        }),
      ),
    ),
  );
  let etagsOk = true;
  for (const [i, info] of infos.entries()) {
    const digests = await fileDigests(paths[i]!, chunkBytes);
    const expected = Object.values(digests).map(String);
    if (!expected.includes(String(info.hash)) || download.result[i]!.md5 !== digests.md5) {
      etagsOk = false;
      console.error(`f${i}: stored ${info.hash}, computed ${JSON.stringify(digests)}`);
    }
  }
  await storage.deleteMany(infos.map((info) => info.key));
  await storage.close();
  console.log(
    JSON.stringify({
      files,
      mbEach: Number(values.mb),
      concurrency: Number(values.concurrency),
      lib,
      baselineRssMb: baseline,
      upload: upload.figures,
      download: download.figures,
      etagsOk,
      loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
