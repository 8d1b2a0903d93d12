import { afterEach, describe, expect, it } from 'vitest';
import { threadsFromEnvironment } from '@firstorder/core';

describe('threadsFromEnvironment', () => {
  const saved = process.env['FIRSTORDER_THREADS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['FIRSTORDER_THREADS'];
    else process.env['FIRSTORDER_THREADS'] = saved;
  });

  it('reads a whole number ≥ 1 and rejects everything else', () => {
    const cases: Array<[string | undefined, number | undefined]> = [
      [undefined, undefined],
      ['', undefined],
      ['3', 3],
      ['1', 1],
      ['0', undefined],
      ['-2', undefined],
      ['2.5', undefined],
      ['four', undefined],
    ];
    for (const [value, expected] of cases) {
      if (value === undefined) delete process.env['FIRSTORDER_THREADS'];
      else process.env['FIRSTORDER_THREADS'] = value;
      expect(threadsFromEnvironment()).toBe(expected);
    }
  });
});
