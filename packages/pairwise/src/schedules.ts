import { checkChoiceOption, checkNumberOption, invalidOption } from '@firstorder/core';

/**
 * Step-size schedules η_t (t = 1, 2, … counts updates). The three "setting" presets follow the step-size
 * conditions of the uniform-stability theorems for SGD of Hardt, Recht & Singer (ICML 2016): convex β-smooth
 * losses with η_t ≤ 2/β (their Thm 3.8), γ-strongly convex ones with η_t ≤ 1/β (Thm 3.9, and the decreasing
 * 1/(γt) form of their §3.4), non-convex ones with η_t ≤ c/t (Thm 3.12). Shen, Yang, Ying & Yuan (arXiv
 * 1904.11316) carry these settings over to pairwise losses (abstract); their theorem statements could not be
 * read here, so no condition below is claimed to be theirs.
 *
 * - `convex`: η_t = c/√T over a horizon of T updates (default c = √n/β, so η = 1/(β√epochs) ≤ 2/β;
 *   without a horizon, as in streaming, c/√t).
 * - `strongly-convex`: η_t = 1/(σ(t + t₀)) with σ = the ℓ2 weight μ and t₀ = β/σ so that η_1 ≤ 1/β.
 * - `nonconvex`: η_t = c/t with c = 1/β by default.
 * - `inv-sqrt`: η_t = c/√t (SOLAM's and SPAM's schedule; default c = 1/β).
 * - `constant`: η_t = eta.
 */
export type StepSchedule =
  | { readonly type: 'constant'; readonly eta: number }
  | { readonly type: 'convex'; readonly c?: number }
  | { readonly type: 'strongly-convex'; readonly sigma?: number; readonly t0?: number }
  | { readonly type: 'nonconvex'; readonly c?: number }
  | { readonly type: 'inv-sqrt'; readonly c?: number };

/** A step size: a constant, a schedule preset, or a function of the update count t ≥ 1. */
export type StepSize = number | StepSchedule | ((t: number) => number);

export const STEP_SCHEDULES = Object.freeze(['constant', 'convex', 'strongly-convex', 'nonconvex', 'inv-sqrt'] as const);

/** What a schedule needs to know about the problem. */
export interface ScheduleContext {
  /** Smoothness bound β of the pair loss (plus μ). */
  readonly beta: number;
  /** ℓ2 regularization weight μ. */
  readonly mu: number;
  /** Number of training examples (batch) or undefined (streaming). */
  readonly n: number | undefined;
  /** Total number of updates T (batch) or undefined (streaming). */
  readonly horizon: number | undefined;
}

/** The setting a loss and regularization put us in; selects the default schedule. */
export function defaultSchedule(convex: boolean, mu: number): StepSchedule {
  if (!convex) return { type: 'nonconvex' };
  return mu > 0 ? { type: 'strongly-convex' } : { type: 'convex' };
}

/** Resolves a step size into η(t), validating it. */
export function resolveStepSize(step: StepSize, context: ScheduleContext): (t: number) => number {
  const beta = context.beta > 0 && Number.isFinite(context.beta) ? context.beta : 1;
  if (typeof step === 'number') {
    const eta = checkNumberOption('stepSize', step, { min: 0, exclusiveMin: true });
    return () => eta;
  }
  if (typeof step === 'function') {
    return (t) => {
      const eta = step(t);
      if (typeof eta !== 'number' || !(eta >= 0) || !Number.isFinite(eta)) {
        throw invalidOption('stepSize', `a function returning finite η ≥ 0 (at t = ${t})`, eta);
      }
      return eta;
    };
  }
  if (step === null || typeof step !== 'object') throw invalidOption('stepSize', 'a number, a schedule object or a function', step);
  const type = checkChoiceOption('stepSize.type', step.type, STEP_SCHEDULES);
  switch (type) {
    case 'constant': {
      const eta = checkNumberOption('stepSize.eta', (step as { eta?: number }).eta, { min: 0, exclusiveMin: true });
      return () => eta;
    }
    case 'convex': {
      const given = (step as { c?: number }).c;
      const { n, horizon } = context;
      if (horizon === undefined || n === undefined) {
        const c = given === undefined ? 1 / beta : checkNumberOption('stepSize.c', given, { min: 0, exclusiveMin: true });
        return (t) => c / Math.sqrt(t);
      }
      const c = given === undefined ? Math.sqrt(n) / beta : checkNumberOption('stepSize.c', given, { min: 0, exclusiveMin: true });
      const eta = Math.min(2 / beta, c / Math.sqrt(horizon));
      return () => eta;
    }
    case 'strongly-convex': {
      const s = step as { sigma?: number; t0?: number };
      const sigma = checkNumberOption('stepSize.sigma', s.sigma ?? context.mu, { min: 0, exclusiveMin: true });
      const t0 = checkNumberOption('stepSize.t0', s.t0 ?? beta / sigma, { min: 0 });
      return (t) => 1 / (sigma * (t + t0));
    }
    case 'nonconvex': {
      const given = (step as { c?: number }).c;
      const c = given === undefined ? 1 / beta : checkNumberOption('stepSize.c', given, { min: 0, exclusiveMin: true });
      return (t) => c / t;
    }
    case 'inv-sqrt': {
      const given = (step as { c?: number }).c;
      const c = given === undefined ? 1 / beta : checkNumberOption('stepSize.c', given, { min: 0, exclusiveMin: true });
      return (t) => c / Math.sqrt(t);
    }
  }
}
