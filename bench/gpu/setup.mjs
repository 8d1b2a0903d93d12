// Shared set-up of the GPU benchmarks: SwiftShader's Vulkan driver when no ICD is chosen (Dawn reads
// VK_ICD_FILENAMES when the adapter is requested, so setting it here, before any probe, is enough), the
// committed checkpoint's folder, `--name value` arguments, and the adapter or a clean exit without one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

/** The committed lm checkpoint (trailing slash). */
export const CHECKPOINT_DIR = fileURLToPath(new URL('../../packages/lm/checkpoints/moby-dick-byte-opt/', import.meta.url));

/** The number after `--name` on the command line, or `fallback`. */
export function numberArg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The GPU context (printed), registered as the 'gpu' | 'auto' provider when `register`; exits 0 without an adapter. */
export async function gpuContextOrExit(gpuLib, { register = false } = {}) {
  const probe = await gpuLib.probeGpu();
  if (probe.context === null) {
    console.log(`no GPU adapter: ${probe.reason}`);
    process.exit(0);
  }
  if (register) gpuLib.registerGpuBackends({ context: probe.context });
  console.log(`adapter: ${gpuLib.formatGpuInfo(probe.context.info)}`);
  return probe.context;
}
