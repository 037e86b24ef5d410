/**
 * Gradient-norm clipping, reproducing `torch.nn.utils.clip_grad_norm_` (torch 1.13, float64,
 * `error_if_nonfinite=False`, `foreach=None`) on a list of flat gradient arrays, one per parameter
 * tensor (row-major data; the shape does not matter for any of the maths here).
 *
 * torch 1.13:
 *
 *     norms      = [torch.norm(g, p) for g in grads]           # per tensor
 *     total_norm = torch.norm(torch.stack(norms), p)            # p = 2: L2 of L2s;  p = inf: max of max|g|
 *     clip_coef  = max_norm / (total_norm + 1e-6)
 *     clip_coef_clamped = torch.clamp(clip_coef, max=1.0)       # NaN stays NaN
 *     for g in grads: g.mul_(clip_coef_clamped)                 # ALWAYS, even when the coefficient is 1
 *     return total_norm                                         # the PRE-clip norm
 *
 * Consequences reproduced exactly (see the fixture notes): a norm exactly at max_norm is still scaled by
 * max_norm/(max_norm + 1e-6); zero gradients stay zero; a NaN entry makes the norm, the coefficient and
 * every clipped entry NaN; a ±Infinity entry gives norm Infinity, coefficient 0, finite entries ±0 and the
 * infinite entry NaN (Infinity·0). The sign of zero is IEEE's (e.g. −2·0 = −0), which is also torch's.
 *
 * A training loop must check `finite` (equivalently `Number.isFinite(totalNorm)`) before stepping: with
 * non-finite gradients torch 1.13 silently returns NaN/zeroed gradients instead of raising.
 */

/** The norm order: `2` (Euclidean) or `'inf'` (max-abs), the two orders torch users clip with. */
export type ClipNormType = 2 | 'inf';

/** The ε torch adds to the total norm in the clip coefficient (`total_norm + 1e-6`). */
export const CLIP_EPS = 1e-6;

/** Everything `clip_grad_norm_` computes, plus the clipped gradients as new arrays. */
export interface ClipResult {
  /** The global norm BEFORE clipping (what `clip_grad_norm_` returns). */
  readonly totalNorm: number;
  /** max_norm / (totalNorm + 1e-6), unclamped (can be ≫ 1; NaN when totalNorm is NaN). */
  readonly clipCoef: number;
  /** min(clipCoef, 1), NaN when clipCoef is NaN: the factor every gradient is multiplied by. */
  readonly clipCoefClamped: number;
  /** Each input array times `clipCoefClamped`, as new Float64Arrays in the same order. */
  readonly clipped: Float64Array[];
  /** Whether totalNorm is finite, i.e. every gradient entry is finite; step only when true. */
  readonly finite: boolean;
  /** Whether clipping shrank the gradients, i.e. clipCoefClamped < 1 (false for NaN). */
  readonly fired: boolean;
}

/** Below this a plain sum of squares may have lost precision to subnormals; rescale instead. */
const SMALL_SUM_SQ = 2 ** -900;

/**
 * Euclidean norm of one flat array: sqrt(Σ vᵢ²) accumulated in float64, the value `torch.norm(g, 2)`
 * gives for float64 data. Entries whose squares overflow (|v| ≳ 1.3e154) or underflow are handled by
 * rescaling by max|v| (LAPACK/BLAS nrm2 style), so the result is the true norm where torch's own float64
 * accumulation would overflow to Infinity — a deliberate divergence for such extreme inputs only (the
 * fixture's largest entries are ~230, far from it). Any NaN entry gives NaN; otherwise any ±Infinity
 * entry gives Infinity.
 */
function l2Norm(a: ArrayLike<number>): number {
  const n = a.length;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i] as number;
    sumSq += v * v;
  }
  if (Number.isNaN(sumSq)) return Number.NaN;
  if (Number.isFinite(sumSq) && sumSq >= SMALL_SUM_SQ) return Math.sqrt(sumSq);
  // Overflow (or an infinite entry), or a sum small enough to have lost bits to underflow (including
  // squares that flushed to 0): scale by max|v|. All-zero input ends here with m = 0.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i] as number);
    if (v > m) m = v;
  }
  if (m === Number.POSITIVE_INFINITY || m === 0) return m;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = (a[i] as number) / m;
    s += v * v;
  }
  return m * Math.sqrt(s);
}

/** max|v| of one flat array; NaN if any entry is NaN (torch's max propagates NaN); 0 when empty. */
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i] as number);
    if (Number.isNaN(v)) return Number.NaN;
    if (v > m) m = v;
  }
  return m;
}

/**
 * The global gradient norm over a list of tensors, as `clip_grad_norm_` computes it (torch 1.13):
 *
 * - `2`: ‖(‖g₁‖₂, …, ‖g_k‖₂)‖₂ — the L2 norm of the per-tensor L2 norms, i.e.
 *   `torch.norm(torch.stack([torch.norm(g, 2) for g in grads]), 2)`. Mathematically the L2 norm of all
 *   entries; computed in that two-level order, in float64, so it matches torch to ~1 ulp (fixture:
 *   rel 1e-12). Huge/tiny entries are rescaled instead of overflowing (see {@link l2Norm}); torch would
 *   return Infinity where Σg² overflows float64 — a deliberate divergence for |g| ≳ 1e154 only.
 * - `'inf'`: max over tensors of max|g| (`torch.norm(g, inf)` then the max of those).
 *
 * NaN anywhere gives NaN (for both orders); otherwise ±Infinity anywhere gives Infinity. An empty list or
 * all-empty tensors give 0 (torch 1.13 returns `tensor(0.)` for no gradients). Inputs are not mutated.
 */
export function globalNorm(grads: readonly ArrayLike<number>[], normType: ClipNormType): number {
  if (normType === 'inf') {
    let m = 0;
    for (const g of grads) {
      const v = maxAbs(g);
      if (Number.isNaN(v)) return Number.NaN;
      if (v > m) m = v;
    }
    return m;
  }
  const perTensor = grads.map((g) => l2Norm(g));
  return l2Norm(perTensor);
}

/**
 * The clamped clip coefficient min(1, maxNorm/(totalNorm + 1e-6)), torch 1.13's
 * `torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)`. NaN in gives NaN out (`Math.min` and
 * `torch.clamp` both propagate NaN); totalNorm = Infinity gives 0. No validation of maxNorm, like torch.
 */
export function clipCoefficient(totalNorm: number, maxNorm: number): number {
  return Math.min(maxNorm / (totalNorm + CLIP_EPS), 1);
}

/** True iff every entry of every array is finite (no NaN, no ±Infinity). */
export function isFiniteAll(grads: readonly ArrayLike<number>[]): boolean {
  for (const g of grads) {
    for (let i = 0; i < g.length; i++) {
      if (!Number.isFinite(g[i])) return false;
    }
  }
  return true;
}

/**
 * `torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)` (torch 1.13, error_if_nonfinite=False)
 * as a pure function: computes the pre-clip {@link globalNorm}, clip_coef = maxNorm/(totalNorm + 1e-6),
 * clip_coef_clamped = min(clip_coef, 1), and returns every gradient multiplied by clip_coef_clamped
 * (always multiplied, as torch does, so NaN/Infinity propagate exactly as in torch: see the module doc).
 *
 * The caller's arrays are not modified; `clipped` holds new Float64Arrays. Check `finite` before applying
 * an optimizer step — torch does not raise here, it just returns a non-finite norm.
 */
export function clipGradNorm(
  grads: readonly ArrayLike<number>[],
  maxNorm: number,
  normType: ClipNormType,
): ClipResult {
  const totalNorm = globalNorm(grads, normType);
  const clipCoef = maxNorm / (totalNorm + CLIP_EPS);
  const clipCoefClamped = Math.min(clipCoef, 1);
  const clipped = grads.map((g) => {
    const out = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = (g[i] as number) * clipCoefClamped;
    return out;
  });
  return {
    totalNorm,
    clipCoef,
    clipCoefClamped,
    clipped,
    finite: Number.isFinite(totalNorm),
    fired: clipCoefClamped < 1,
  };
}
