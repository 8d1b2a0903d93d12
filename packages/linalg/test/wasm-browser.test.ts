import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Loads the built library (packages/*/dist, produced by `pnpm build`/`pnpm test`) into a page in headless
// Chromium, served from 127.0.0.1, and runs a gemm through the WebAssembly path there. The page imports the
// dense modules (matrix.js, blas.js) directly: the package index also loads the ml-matrix adapter, whose
// ESM entry wraps CommonJS and so needs a bundler in a browser.
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const built = existsSync(join(packagesDir, 'linalg/dist/index.js')) && existsSync(join(packagesDir, 'core/dist/index.js'));
const skipReason = CHROMIUM === undefined ? 'no chromium binary' : !built ? 'packages not built (run pnpm build)' : '';
if (skipReason !== '') console.warn(`wasm-browser test skipped: ${skipReason}`);

const PAGE = `<!doctype html><html><head>
<script type="importmap">{"imports":{"@firstorder/core":"/core/dist/index.js"}}</script>
<script type="module">
import { Matrix } from '/linalg/dist/matrix.js';
import { gemm, getBackend, setBackend } from '/linalg/dist/blas.js';
const out = { backend: getBackend() };
try {
  const m = 37, k = 300, n = 45;
  const A = new Matrix(m, k), B = new Matrix(k, n);
  for (let i = 0; i < m * k; i++) A.data[i] = Math.sin(i);
  for (let i = 0; i < k * n; i++) B.data[i] = Math.cos(0.7 * i);
  const C = gemm(A, B);
  let worst = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0, sAbs = 0;
    for (let p = 0; p < k; p++) { s += A.data[i * k + p] * B.data[p * n + j]; sAbs += Math.abs(A.data[i * k + p] * B.data[p * n + j]); }
    worst = Math.max(worst, Math.abs(C.data[i * n + j] - s) / sAbs);
  }
  out.worst = worst;
  setBackend('js');
  const Cjs = gemm(A, B);
  out.jsBackend = getBackend();
  out.mismatches = C.data.filter((v, i) => v !== Cjs.data[i]).length;
} catch (e) { out.error = String(e); }
document.getElementById('result').textContent = JSON.stringify(out);
</script></head><body><pre id="result">pending</pre></body></html>`;

// Served with COOP/COEP headers (cross-origin isolated, so SharedArrayBuffer and shared WebAssembly memory
// may be posted to workers): the pool starts two Web Workers and a threaded gemm and a split resident gemv
// must give the single-thread bits.
const THREADS_PAGE = `<!doctype html><html><head>
<script type="importmap">{"imports":{"@firstorder/core":"/core/dist/index.js"}}</script>
<script type="module">
import { Matrix } from '/linalg/dist/matrix.js';
import { gemm, gemv, getThreads, setThreads } from '/linalg/dist/blas.js';
import { isResident, residentMatrix } from '/linalg/dist/resident.js';
const out = { isolated: globalThis.crossOriginIsolated === true };
try {
  const m = 203, k = 190, n = 211;
  const A = new Matrix(m, k), B = new Matrix(k, n);
  for (let i = 0; i < m * k; i++) A.data[i] = Math.sin(i);
  for (let i = 0; i < k * n; i++) B.data[i] = Math.cos(0.7 * i);
  const G = residentMatrix(700, 523);
  for (let i = 0; i < G.data.length; i++) G.data[i] = Math.sin(0.3 * i);
  const x = new Float64Array(523).map((_, i) => Math.cos(i));
  out.resident = isResident(G);
  const one = [gemm(A, B).data, gemv(G, x)];
  out.threads = await setThreads(2);
  out.inUse = getThreads();
  const two = [gemm(A, B).data, gemv(G, x)];
  out.mismatches = one.map((r, q) => r.filter((v, i) => v !== two[q][i]).length);
  out.after = await setThreads(1);
} catch (e) { out.error = String(e); }
document.getElementById('result').textContent = JSON.stringify(out);
</script></head><body><pre id="result">pending</pre></body></html>`;

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json' };

let server: Server | undefined;
afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function serve(): Promise<number> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    if (url.pathname === '/threads.html') {
      res.writeHead(200, { 'content-type': 'text/html', ...ISOLATION }).end(THREADS_PAGE);
      return;
    }
    const file = normalize(join(packagesDir, url.pathname));
    if (!file.startsWith(packagesDir) || !/\/dist\//.test(file) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(readFileSync(file));
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port)));
}

function load(port: number, page: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      CHROMIUM!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--virtual-time-budget=20000', '--dump-dom', `http://127.0.0.1:${port}/${page}`],
      { timeout: 90_000, maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

describe.skipIf(skipReason !== '')('in headless Chromium', () => {
  let port = 0;
  it('loads the library and runs gemm through the WebAssembly SIMD kernel (same bits as the TS kernel)', async () => {
    port = await serve();
    const dom = await load(port, 'page.html');
    const text = /<pre id="result">([^<]*)<\/pre>/.exec(dom)?.[1] ?? dom;
    const result = JSON.parse(text.replace(/&quot;/g, '"')) as { backend: string; worst: number; jsBackend: string; mismatches: number; error?: string };
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.jsBackend).toBe('js');
    expect(result.worst).toBeLessThan(1e-12);
    expect(result.mismatches).toBe(0);
  }, 120_000);

  it('runs a threaded gemm and a split resident gemv on two Web Workers in a cross-origin isolated page (same bits as one thread)', async () => {
    const dom = await load(port, 'threads.html');
    const text = /<pre id="result">([^<]*)<\/pre>/.exec(dom)?.[1] ?? dom;
    const result = JSON.parse(text.replace(/&quot;/g, '"')) as { isolated: boolean; resident: boolean; threads: number; inUse: number; mismatches: number[]; after: number; error?: string };
    expect(result.error).toBeUndefined();
    expect(result.isolated).toBe(true);
    expect(result.resident).toBe(true);
    expect(result.threads).toBe(2);
    expect(result.inUse).toBe(2);
    expect(result.mismatches).toEqual([0, 0]);
    expect(result.after).toBe(1);
  }, 120_000);
});
