// Shared benchmark harness: one definition per routine (bench/linalg/*.bench.mjs), timed with
// benchmark.js, every implementation checked against the others once before it is timed.
import { execSync } from 'node:child_process';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';

/** Relative difference above which a correctness check is reported as failed, unless the suite states its own. */
export const DEFAULT_CHECK_TOLERANCE = 1e-8;

/** Keeps results alive so the engine cannot drop the benchmarked call. */
export const sink = { value: undefined };

/**
 * A benchmark definition.
 * - name: routine name (gemm, gemv, …); ours: label of our implementation; peers: peer labels in column order.
 * - sizes: { full: number[], quick: number[] } (log-spaced).
 * - peerLimits: { [peer]: largest n to run it at } for peers that are too slow at big n.
 * - missing: { [peer]: 'why this peer has no such routine' } printed instead of a time.
 * - setup(n): returns { impls: { [label]: () => result }, check(results) → { [peer]: { maxAbsDiff, scale, what, tolerance? } } }
 *   (tolerance: the relative difference a suite expects from that peer; DEFAULT_CHECK_TOLERANCE when absent).
 */
export function defineBenchmark(definition) {
  return definition;
}

export function formatMs(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.01) return ms.toFixed(3);
  return ms.toExponential(2);
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs(a[k] - b[k]);
    if (!(d <= m)) m = d; // NaN propagates as the maximum
  }
  return m;
}

export function maxAbs(a) {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

/** Times one function with benchmark.js; returns mean ms, relative margin of error (%) and sample count. */
function timeOne(label, fn, { quick }) {
  // Warm up outside the timed region so JIT tiering does not land in the first samples.
  const warmUntil = performance.now() + (quick ? 50 : 200);
  let calls = 0;
  while (calls < 3 || performance.now() < warmUntil) {
    fn();
    calls++;
  }
  let result;
  const bench = new Benchmark(label, fn, {
    maxTime: quick ? 0.5 : 2,
    minSamples: quick ? 3 : 5,
    initCount: 1,
    onComplete(event) {
      const s = event.target.stats;
      result = { meanMs: s.mean * 1e3, rme: s.rme, samples: s.sample.length };
    },
    onError(event) {
      result = { error: String(event.target.error) };
    },
  });
  bench.run({ async: false });
  return result;
}

/**
 * Runs one definition at every size and returns result rows:
 * { routine, n, impl, meanMs?, rme?, samples?, skipped?, error? } plus check rows.
 */
export async function runBenchmark(def, { quick = false, log = console.log } = {}) {
  const sizes = quick ? def.sizes.quick : def.sizes.full;
  const labels = [def.ours, ...def.peers];
  const rows = [];
  log(`\n## ${def.name} — ${def.description}`);
  for (const [peer, why] of Object.entries(def.missing ?? {})) log(`   ${peer}: ${why}`);
  for (const n of sizes) {
    const ctx = await def.setup(n);
    if (ctx.unavailable) {
      log(`   n=${n}: ${def.ours} unavailable (${ctx.unavailable})`);
      rows.push({ routine: def.name, n, impl: def.ours, skipped: ctx.unavailable });
      continue;
    }
    const active = labels.filter((label) => {
      if (ctx.impls[label] === undefined) return false;
      const limit = def.peerLimits?.[label];
      return limit === undefined || n <= limit;
    });
    // Correctness first: run each implementation once and compare with ours.
    const outputs = {};
    for (const label of active) outputs[label] = ctx.impls[label]();
    const checks = ctx.check ? ctx.check(outputs) : {};
    for (const [peer, c] of Object.entries(checks)) {
      const rel = c.scale > 0 ? c.maxAbsDiff / c.scale : c.maxAbsDiff;
      log(`   n=${n} check vs ${peer}: max |diff| of ${c.what} = ${c.maxAbsDiff.toExponential(2)} (÷ max |value| ${c.scale.toExponential(2)} = ${rel.toExponential(2)})`);
      rows.push({ routine: def.name, n, impl: peer, check: { ...c, relative: rel, tolerance: c.tolerance ?? DEFAULT_CHECK_TOLERANCE } });
    }
    for (const label of active) {
      const fn = ctx.impls[label];
      const r = timeOne(`${def.name} n=${n} ${label}`, () => {
        sink.value = fn();
      }, { quick });
      rows.push({ routine: def.name, n, impl: label, ...r });
      log(`   n=${n} ${label.padEnd(14)} ${r.error ? `error: ${r.error}` : `${formatMs(r.meanMs)} ms ±${r.rme.toFixed(1)}% (${r.samples} samples)`}`);
    }
    for (const label of labels) {
      if (!active.includes(label)) {
        const limit = def.peerLimits?.[label];
        const why = def.missing?.[label] ?? (limit !== undefined && n > limit ? `skipped above n=${limit}` : 'not available');
        rows.push({ routine: def.name, n, impl: label, skipped: why });
      }
    }
  }
  return rows;
}

/** Node, CPU, cores, memory, load and commit: what a reader needs to weigh the numbers. */
export function machineInfo() {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    commit,
    date: new Date().toISOString(),
  };
}

/** Table of means and ratios (peer time / our time: > 1 means ours is faster). */
export function summaryTable(defs, rows) {
  const lines = [];
  for (const def of defs) {
    const own = rows.filter((r) => r.routine === def.name);
    if (own.length === 0) continue;
    const sizes = [...new Set(own.map((r) => r.n))];
    const header = ['n', `${def.ours} (ms)`];
    for (const peer of def.peers) header.push(`${peer} (ms)`, `${peer} / ours`);
    header.push('check: max abs diff (relative)');
    lines.push(`### ${def.name}`, '', `${def.description}`, '');
    const missing = Object.entries(def.missing ?? {});
    for (const [peer, why] of missing) lines.push(`- ${peer}: ${why}`);
    if (missing.length > 0) lines.push('');
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const n of sizes) {
      const at = (impl) => own.find((r) => r.n === n && r.impl === impl && r.check === undefined);
      const ours = at(def.ours);
      const cells = [String(n), ours?.meanMs !== undefined ? `${formatMs(ours.meanMs)} ±${ours.rme.toFixed(0)}%` : (ours?.skipped ?? ours?.error ?? '—')];
      for (const peer of def.peers) {
        const p = at(peer);
        if (p?.meanMs !== undefined) {
          cells.push(`${formatMs(p.meanMs)} ±${p.rme.toFixed(0)}%`);
          cells.push(ours?.meanMs !== undefined ? `${(p.meanMs / ours.meanMs).toFixed(2)}×` : '—');
        } else {
          cells.push(def.missing?.[peer] ? 'no such routine' : (p?.skipped ?? p?.error ?? '—'), '—');
        }
      }
      const checks = own.filter((r) => r.n === n && r.check !== undefined);
      cells.push(checks.length === 0 ? '—' : checks.map((c) => `${c.impl}: ${c.check.maxAbsDiff.toExponential(1)} (${c.check.relative.toExponential(1)})`).join('; '));
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function machineMarkdown(info, command) {
  return [
    `- command: \`${command}\``,
    `- date: ${info.date}, commit ${info.commit}`,
    `- machine: ${info.cpu}, ${info.cores} logical cores, ${info.memoryGiB} GiB, ${info.platform}`,
    `- runtime: Node ${info.node} (V8 ${info.v8}); load average at start ${info.loadAverage}`,
  ].join('\n');
}

/** Lets each bench file run on its own: `node bench/linalg/gemm.bench.mjs [--quick]`. */
export async function runIfMain(moduleUrl, def) {
  if (process.argv[1] === undefined || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  const quick = process.argv.includes('--quick');
  const rows = await runBenchmark(def, { quick });
  console.log(`\n${summaryTable([def], rows)}`);
}
