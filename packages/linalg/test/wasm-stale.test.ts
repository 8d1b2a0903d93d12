import { describe, expect, it } from 'vitest';
import { SOURCE_HASH } from '../src/wasm/kernels.generated.js';
import { SOURCE_HASH_F32 } from '../src/wasm/kernels-f32.generated.js';
// @ts-expect-error plain .mjs build script without type declarations
import { moduleHash } from '../scripts/build-wasm.mjs';

// The generated modules are committed (the package must build without compiling AssemblyScript); these fail
// when a module's sources (f64: assembly/*.ts, f32: assembly/f32/*.ts) or the compiler flags changed without
// regenerating it.
const hashOf = moduleHash as (name: 'f64' | 'f32') => string;

describe('generated WebAssembly modules', () => {
  it('f64 (src/wasm/kernels.generated.ts) matches assembly/*.ts (run node packages/linalg/scripts/build-wasm.mjs if not)', () => {
    expect(SOURCE_HASH).toBe(hashOf('f64'));
  });
  it('f32 (src/wasm/kernels-f32.generated.ts) matches assembly/f32/*.ts (run node packages/linalg/scripts/build-wasm.mjs if not)', () => {
    expect(SOURCE_HASH_F32).toBe(hashOf('f32'));
    expect(hashOf('f32')).not.toBe(hashOf('f64'));
  });
});
