// Worker entry of ganqAsync: runs the row blocks it is sent with the same code as the calling thread (./ganq-rows.js).
import { parentPort } from 'node:worker_threads';
import { type GanqRowsBlock, type GanqRowsShared, ganqRowsBlock } from './ganq-rows.js';

interface Job {
  shared: GanqRowsShared;
  blocks: GanqRowsBlock[];
}

parentPort?.on('message', (job: Job) => {
  try {
    const results = job.blocks.map((b) => ganqRowsBlock(job.shared, b));
    const transfer = results.flatMap((r) => [r.objective.buffer, r.codes.buffer, r.T.buffer] as ArrayBuffer[]);
    parentPort!.postMessage({ ok: true, results }, transfer);
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
