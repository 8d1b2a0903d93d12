// Node's end of flare-server.R: starts one R process with flare loaded and talks to it synchronously through
// two named pipes, so a benchmark can call flare like a local function (R start-up is paid once, not per call).
// flare is looked up in R's library paths (set R_LIBS, e.g. R_LIBS=/tmp/Rlib); without R or flare,
// startFlare() returns { available: false, reason } and the benchmarks time ours only.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** flare's version string, or why it cannot be used. */
export function flareVersion() {
  try {
    const v = execFileSync('Rscript', ['-e', 'suppressPackageStartupMessages({library(flare); library(jsonlite)}); cat(as.character(packageVersion("flare")))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { available: true, version: v.trim() };
  } catch (error) {
    const msg = String(error.stderr ?? error.message ?? error);
    if (/ENOENT/.test(String(error.code ?? '')) || /ENOENT/.test(msg)) return { available: false, reason: 'Rscript is not installed' };
    return {
      available: false,
      reason: `R cannot load flare (or jsonlite) from its library paths (R_LIBS=${process.env.R_LIBS ?? 'unset'}); build it as packages/sparse-regression/README.md describes`,
    };
  }
}

export function startFlare() {
  const probe = flareVersion();
  if (!probe.available) return probe;
  const dir = mkdtempSync(join(tmpdir(), 'flare-server-'));
  execFileSync('mkfifo', [join(dir, 'cmd'), join(dir, 'reply')]);
  const child = spawn('Rscript', [join(here, 'flare-server.R'), dir], { stdio: ['ignore', 'ignore', 'inherit'], detached: false });
  // Not keeping node alive: a script that never calls close() still exits, and the exit hook below stops R.
  child.unref();
  let closed = false;
  // Same opening order as the server (cmd, then reply), so neither side waits on the other.
  const cmd = openSync(join(dir, 'cmd'), 'w');
  const reply = openSync(join(dir, 'reply'), 'r');
  const buf = Buffer.alloc(1 << 16);
  let pending = '';
  const ask = (line) => {
    writeSync(cmd, `${line}\n`);
    for (;;) {
      const nl = pending.indexOf('\n');
      if (nl >= 0) {
        const out = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        return out;
      }
      const got = readSync(reply, buf, 0, buf.length, null);
      if (got === 0) throw new Error('flare-server.R ended unexpectedly (see its stderr above)');
      pending += buf.toString('utf8', 0, got);
    }
  };
  const onExit = () => api.close();
  process.once('exit', onExit);
  const writeBin = (name, a) => writeFileSync(join(dir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  const api = {
    available: true,
    version: probe.version,
    /** Hands R one case: { id, kind: 'slim'|'sugm', method, q?, nlambda, X: Matrix, y? }. */
    load(cs) {
      writeBin(`${cs.id}.x`, cs.X.data);
      const desc = { id: cs.id, kind: cs.kind, method: cs.method, q: cs.q ?? 2, nlambda: cs.nlambda, n: cs.X.rows, d: cs.X.cols, x: `${cs.id}.x` };
      if (cs.y) {
        writeBin(`${cs.id}.y`, cs.y);
        desc.y = `${cs.id}.y`;
      }
      const descPath = join(dir, `${cs.id}.case.json`);
      writeFileSync(descPath, JSON.stringify(desc));
      if (ask(`load ${cs.id} ${descPath}`) !== 'ok') throw new Error(`flare-server.R could not load ${cs.id}`);
    },
    /** Runs flare on a loaded case; returns R's own CPU and wall seconds (system.time). */
    run(id) {
      return JSON.parse(ask(`run ${id}`));
    },
    /** Runs once more and returns flare's λ path and solutions (β d × L column-major, or icov per λ). */
    result(id) {
      const t = JSON.parse(ask(`run ${id} save`));
      return { ...JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')), cpu: t.cpu, wall: t.wall };
    },
    close() {
      if (closed) return;
      closed = true;
      process.removeListener('exit', onExit);
      try {
        writeSync(cmd, 'quit\n');
      } catch {
        // already gone
      }
      closeSync(cmd);
      closeSync(reply);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return api;
}
