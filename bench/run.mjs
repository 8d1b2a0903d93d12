// Runs the benchmark suites and prints/writes a markdown report of mean times and ratios vs each peer.
//   pnpm bench                 all suites, full sizes
//   pnpm bench gemm svd        selected suites
//   pnpm bench --quick         smaller sizes, shorter timing (a smoke run, not for RESULTS.md)
//   --out <file>               where to write the markdown (default bench/out/latest.md)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineInfo, machineMarkdown, runBenchmark, summaryTable } from './lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const outPath = outIndex >= 0 ? args[outIndex + 1] : join(here, 'out', 'latest.md');
const wanted = args.filter((a, k) => !a.startsWith('--') && !(outIndex >= 0 && k === outIndex + 1));

// Suites are bench/<area>/<routine>.bench.mjs; select them by routine ("gemm"), area ("linalg") or "area/routine".
const SKIP = new Set(['lib', 'numpy', 'out', 'node_modules']);
const available = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !SKIP.has(entry.name))
  .flatMap((entry) =>
    readdirSync(join(here, entry.name))
      .filter((f) => f.endsWith('.bench.mjs'))
      .map((f) => `${entry.name}/${f.replace(/\.bench\.mjs$/, '')}`),
  )
  .sort();
const matches = (suite, w) => suite === w || suite.startsWith(`${w}/`) || suite.endsWith(`/${w}`);
const unknown = wanted.filter((w) => !available.some((suite) => matches(suite, w)));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const suites = wanted.length > 0 ? available.filter((suite) => wanted.some((w) => matches(suite, w))) : available;

const info = machineInfo();
const command = `pnpm bench${wanted.length ? ` ${wanted.join(' ')}` : ''}${quick ? ' --quick' : ''}`;
console.log(`firstorder benchmarks (${quick ? 'quick' : 'full'}): ${suites.join(', ')}`);
console.log(machineMarkdown(info, command));

const defs = [];
const rows = [];
for (const name of suites) {
  const mod = await import(pathToFileURL(join(here, `${name}.bench.mjs`)).href);
  defs.push(mod.default);
  rows.push(...(await runBenchmark(mod.default, { quick })));
}

const failedChecks = rows.filter((r) => r.check && !(r.check.relative <= r.check.tolerance));
const report = [
  `## Run ${info.date.slice(0, 10)}${quick ? ' (quick)' : ''}`,
  '',
  machineMarkdown(info, command),
  '- times: mean ms per call ± relative margin of error (benchmark.js, 95%); ratio = peer time / firstorder time (> 1: firstorder is faster)',
  '- check: each implementation is run once before timing and compared with firstorder (max |difference|, and that divided by the largest |value|)',
  '',
  summaryTable(defs, rows),
].join('\n');

console.log(`\n${report}`);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${report}\n`);
console.log(`markdown written to ${relative(process.cwd(), outPath)}`);
if (failedChecks.length > 0) {
  console.error(`\nWARNING: ${failedChecks.length} correctness check(s) above their tolerance (1e-8 relative unless the suite states one):`);
  for (const r of failedChecks) console.error(`  ${r.routine} n=${r.n} vs ${r.impl}: ${r.check.relative} > ${r.check.tolerance}`);
  process.exitCode = 1;
}
