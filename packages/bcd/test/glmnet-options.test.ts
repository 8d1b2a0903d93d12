import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FirstOrderError } from '@firstorder/core';
import { CscMatrix, Matrix } from '@firstorder/linalg';
import { coefficientsAt, elasticNetObjective, lassoPath, type LassoPathOptions } from '@firstorder/bcd';
import { boston } from './boston.js';

// Fixtures from fixtures/generate_glmnet_options.R (R glmnet 4.1.6, thresh 1e-14, Boston housing).
interface OptionFixture {
  name: string;
  args: Record<string, number | boolean | (number | null)[]>;
  lambda: number[];
  a0: number[];
  devRatio: number[];
  beta: { indices: number[]; values: number[] }[];
}
const dir = new URL('./fixtures/', import.meta.url);
const load = (name: string): OptionFixture => JSON.parse(readFileSync(new URL(`glmnet_opt_${name}.json`, dir), 'utf8')) as OptionFixture;

/** glmnet arguments → lassoPath options (JSON null stands for ∓Inf). */
function optionsOf(fx: OptionFixture): LassoPathOptions {
  const a = fx.args;
  const vec = (v: unknown, inf: number): number[] => (v as (number | null)[]).map((x) => (x === null ? inf : x));
  return {
    alpha: (a.alpha as number | undefined) ?? 1,
    standardize: (a.standardize as boolean | undefined) ?? true,
    intercept: (a.intercept as boolean | undefined) ?? true,
    ...(a.weights !== undefined ? { weights: a.weights as number[] } : {}),
    ...(a['penalty.factor'] !== undefined ? { penaltyFactor: vec(a['penalty.factor'], Infinity) } : {}),
    ...(a.exclude !== undefined ? { exclude: a.exclude as number[] } : {}),
    ...(a['lower.limits'] !== undefined ? { lowerLimits: vec(a['lower.limits'], -Infinity) } : {}),
    ...(a['upper.limits'] !== undefined ? { upperLimits: vec(a['upper.limits'], Infinity) } : {}),
  };
}

const CASES = [
  'penalty_factor',
  'penalty_factor_enet',
  'exclude',
  'limits',
  'limits_enet_nostandardize',
  'all_options',
  'weights',
  'weights_enet_nointercept',
  'weights_all_options',
];

describe('penaltyFactor, exclude, lowerLimits/upperLimits and weights agree with R glmnet 4.1.6', () => {
  const { X, y } = boston();
  for (const name of CASES) {
    it(`${name}: same λ sequence and path length, objective within 1e-7 relative and coefficients within 1e-8 at every λ (covariance, naive, sparse)`, () => {
      const fx = load(name);
      const options = optionsOf(fx);
      const objectiveOptions = {
        alpha: options.alpha!,
        standardize: options.standardize!,
        intercept: options.intercept!,
        ...(options.weights !== undefined ? { weights: options.weights } : {}),
        ...(options.penaltyFactor !== undefined ? { penaltyFactor: options.penaltyFactor } : {}),
        ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
      };
      const designs: [string, Matrix | CscMatrix, 'covariance' | 'naive'][] = [
        ['dense', X, 'covariance'],
        ['dense', X, 'naive'],
      ];
      if (options.weights === undefined) designs.push(['sparse', CscMatrix.fromDense(X), 'covariance']);
      for (const [kind, design, type] of designs) {
        const generated = lassoPath(design, y, { ...options, type, thresh: 1e-14 });
        expect(generated.lambda.length, `${kind} ${type}: path length`).toBe(fx.lambda.length);
        for (let k = 0; k < fx.lambda.length; k++) expect(Math.abs(generated.lambda[k]! / fx.lambda[k]! - 1)).toBeLessThanOrEqual(1e-12);
        let worstObjective = 0;
        let worstBeta = 0;
        let outside = 0;
        for (let k = 0; k < fx.lambda.length; k++) {
          const ours = coefficientsAt(generated, k, 13);
          const theirs = new Float64Array(13);
          fx.beta[k]!.indices.forEach((j, t) => (theirs[j] = fx.beta[k]!.values[t]!));
          const fo = elasticNetObjective(X, y, generated.a0[k]!, ours, fx.lambda[k]!, objectiveOptions);
          const ft = elasticNetObjective(X, y, fx.a0[k]!, theirs, fx.lambda[k]!, objectiveOptions);
          worstObjective = Math.max(worstObjective, Math.abs(fo - ft) / Math.abs(ft));
          for (let j = 0; j < 13; j++) {
            worstBeta = Math.max(worstBeta, Math.abs(ours[j]! - theirs[j]!));
            const lo = (options.lowerLimits as number[] | undefined)?.[j] ?? -Infinity;
            const hi = (options.upperLimits as number[] | undefined)?.[j] ?? Infinity;
            if (ours[j]! < lo - 1e-15 || ours[j]! > hi + 1e-15) outside++;
          }
          for (const j of (options.exclude as number[] | undefined) ?? []) expect(ours[j]).toBe(0);
        }
        expect(worstObjective, `${kind} ${type}`).toBeLessThanOrEqual(1e-7);
        expect(worstBeta, `${kind} ${type}`).toBeLessThanOrEqual(1e-8);
        expect(outside).toBe(0);
        // KKT with penalty factors and the box (one-sided at a bound) on the internal scale.
        expect(Math.max(...generated.kktViolations)).toBeLessThan(1e-4);
      }
    });
  }

  it('a zero penalty factor leaves the variable unpenalized from the first λ; the gap is reported only for the plain weighted problem', () => {
    const fx = load('penalty_factor');
    const path = lassoPath(X, y, { ...optionsOf(fx), thresh: 1e-14 });
    expect(Array.from(path.beta[0]!.indices)).toEqual([0]); // crim (factor 0) is fitted at λ_max
    expect(path.dualityGaps.every((g) => Number.isNaN(g))).toBe(true);
    expect(path.penaltyFactor.reduce((a, b) => a + b, 0)).toBeCloseTo(13, 12);
    // Weighted duality gap: ≥ 0, and it shrinks with thresh (Boston's raw scales make it large at loose thresh).
    const pf = [1, 2, 1, 1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1];
    const loose = lassoPath(X, y, { penaltyFactor: pf, thresh: 1e-10 });
    const tight = lassoPath(X, y, { penaltyFactor: pf, thresh: 1e-18, lambda: loose.lambda });
    expect(loose.dualityGaps.every((g) => g >= 0)).toBe(true);
    expect(Math.max(...tight.dualityGaps)).toBeLessThan(1e-6);
    expect(Math.max(...tight.dualityGaps)).toBeLessThan(1e-3 * Math.max(...loose.dualityGaps));
  });

  it('rejects bad option values with typed errors', () => {
    expect(() => lassoPath(X, y, { penaltyFactor: [1, 2] })).toThrow(/penaltyFactor/);
    expect(() => lassoPath(X, y, { penaltyFactor: new Array(13).fill(0) })).toThrow(FirstOrderError);
    expect(() => lassoPath(X, y, { penaltyFactor: [-1, ...new Array(12).fill(1)] })).toThrow(/penaltyFactor\[0\]/);
    expect(() => lassoPath(X, y, { exclude: [13] })).toThrow(/exclude/);
    expect(() => lassoPath(X, y, { exclude: Array.from({ length: 13 }, (_, j) => j) })).toThrow(/exclude/);
    expect(() => lassoPath(X, y, { lowerLimits: 0.5 })).toThrow(/lowerLimits/);
    expect(() => lassoPath(X, y, { upperLimits: [-1, ...new Array(12).fill(1)] })).toThrow(/upperLimits\[0\]/);
    expect(() => lassoPath(X, y, { lowerLimits: 0, screening: 'gap-safe' })).toThrow(/screening/);
    expect(() => lassoPath(X, y, { weights: [1, 2] })).toThrow(/weights/);
    expect(() => lassoPath(X, y, { weights: new Array(X.rows).fill(-1) })).toThrow(/weights\[0\]/);
    expect(() => lassoPath(CscMatrix.fromDense(X), y, { weights: new Array(X.rows).fill(1) })).toThrow(/weights/);
  });
});
