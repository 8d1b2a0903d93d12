/**
 * Resident arrays: Float64Arrays (and Matrices over them) whose storage lies in the WebAssembly kernels'
 * own shared linear memory, so gemm, gemv, dot, axpy, nrm2, the Cholesky factorization's working copy
 * and the triangular solves use them in place instead of copying them in and out on every call.
 * They behave like any Float64Array; they must be released explicitly (like a GPU buffer): a released
 * block is reused by later allocations, so views of it must no longer be used.
 */
import { invalidArgument } from '@firstorder/core';
import { Matrix } from './matrix.js';
import { heapAlloc, heapFree, heapView, isWholeBlock, residentOffset } from './wasm/heap.js';

function lengthArgument(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(name, 'a non-negative integer', n);
  return n;
}

/**
 * A zero-filled Float64Array of length n in the kernel memory. Where shared WebAssembly memory is
 * unavailable (or the 1 GiB heap is full) an ordinary Float64Array is returned: code stays portable,
 * only the copies come back (`isResident` tells which).
 */
export function residentVector(n: number): Float64Array {
  lengthArgument('n', n);
  const off = heapAlloc(8 * n);
  if (off < 0) return new Float64Array(n);
  const v = heapView(off, n);
  v.fill(0);
  return v;
}

/** A zero rows×cols Matrix whose storage is a {@link residentVector}. */
export function residentMatrix(rows: number, cols: number): Matrix {
  lengthArgument('rows', rows);
  lengthArgument('cols', cols);
  return new Matrix(rows, cols, residentVector(rows * cols));
}

/** Whether x (or x.data) lies in the kernel memory. */
export function isResident(x: Float64Array | Matrix): boolean {
  return residentOffset(x instanceof Matrix ? x.data : x) >= 0;
}

/**
 * Returns the storage of a residentVector / residentMatrix to the kernel heap. A no-op for ordinary
 * arrays (so the fallback above needs no special case); throws for a sub-view or a block already released.
 */
export function releaseResident(x: Float64Array | Matrix): void {
  const data = x instanceof Matrix ? x.data : x;
  const off = residentOffset(data);
  if (off < 0) return;
  if (!isWholeBlock(off, data.length) || !heapFree(off)) {
    throw invalidArgument('x', 'an array returned by residentVector/residentMatrix and not yet released', 'a sub-view or a released block');
  }
}
