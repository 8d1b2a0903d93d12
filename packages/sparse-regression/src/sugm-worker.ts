// Worker entry of sugmAsync: solves the columns it is sent with the same code as sugm (./columns.js).
import { parentPort } from 'node:worker_threads';
import { type ColumnProblem, columnScratch, solveColumn } from './columns.js';

interface Job {
  problem: ColumnProblem;
  columns: Int32Array;
}

parentPort?.on('message', (job: Job) => {
  try {
    const scratch = columnScratch(job.problem);
    const results = Array.from(job.columns, (j) => solveColumn(job.problem, j, scratch));
    const transfer = results.flatMap((r) => [r.raw.buffer, r.beta.buffer, r.iterations.buffer, r.met.buffer] as ArrayBuffer[]);
    parentPort!.postMessage({ ok: true, results }, transfer);
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
