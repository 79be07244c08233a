/**
 * Upload data path on S3 (MinIO): N files of M MB uploaded through Storage at concurrency C;
 * prints wall time, MB/s, CPU seconds, CPU s/GB and peak RSS, and checks every stored ETag
 * equals the multipart ETag lib/storage/hashing.ts computes (the one Medusa expects).
 *
 *   npx tsx bench/upload-rss.ts --endpoint http://127.0.0.1:19000 --key-file creds \
 *     --files 4 --mb 200 --concurrency 4 [--lib ./lib] [--bandwidth 50MB/s]
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const infos = await Promise.all(paths.map((path, i) => storage.uploadFile(`bench/f${i}.db`, path)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  let etagsOk = true;
  for (const [i, info] of infos.entries()) {
    const digests = await fileDigests(paths[i]!, Number.parseInt(values.chunksize) * 1024 * 1024);
    const expected = Object.values(digests).map(String);
    if (!expected.includes(String(info.hash))) {
      etagsOk = false;
      console.error(`f${i}: stored ${info.hash}, computed ${JSON.stringify(digests)}`);
    }
  }
  await storage.deleteMany(infos.map((info) => info.key));
  await storage.close();
  const gb = (files * bytes) / 1024 ** 3;
  console.log(
    JSON.stringify({
      files,
      mbEach: Number(values.mb),
      concurrency: Number(values.concurrency),
      wallSeconds: +wall.toFixed(2),
      mbPerSecond: +((files * bytes) / 1024 ** 2 / wall).toFixed(1),
      cpuSeconds: +cpuSeconds.toFixed(2),
      cpuSecondsPerGb: +(cpuSeconds / gb).toFixed(2),
      peakRssMb: Math.round(Number(hwm) / 1024),
      etagsOk,
      loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
