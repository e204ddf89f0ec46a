import { parentPort } from 'node:worker_threads';
import { parseWorkbook } from './import.js';

// The workbook parser's thread: ExcelJS runs here, so a heavy workbook costs this thread's time
// and memory (bounded by the pool's timeout and resourceLimits), never the server's event loop.
parentPort!.on('message', (job: { id: number; buffer: Uint8Array }) => {
  parseWorkbook(Buffer.from(job.buffer.buffer, job.buffer.byteOffset, job.buffer.byteLength)).then(
    (sheets) => parentPort!.postMessage({ id: job.id, ok: true, sheets }),
    (err: unknown) => parentPort!.postMessage({ id: job.id, ok: false, message: (err as Error)?.message ?? String(err) }),
  );
});
parentPort!.postMessage({ ready: true });
