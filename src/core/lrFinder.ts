/**
 * The learning-rate range test ("LR finder") of fastai v2, reproduced literally from
 * `fastai/callback/schedule.py` (classes/functions `LRFinder`, `valley`, `steep`, `minimum` and
 * `Learner.lr_find`; the current fastai v2 source, whose `lr_find` truncates at the first NaN; older v2
 * releases lack that step):
 *
 * - the sweep: `LRFinder(start_lr=1e-7, end_lr=10, num_it=100, stop_div=True)` sets, before the i-th batch
 *   (i = `train_iter` = 0, 1, …), lr_i = `SchedExp(start_lr, end_lr)(i / num_it)`
 *   = start_lr · (end_lr/start_lr)^(i/num_it), with `num_it` raised to at least 6;
 * - the stop rule, after each batch (with `train_iter` already incremented to i + 1):
 *   `if smooth_loss < best_loss: best_loss = smooth_loss`;
 *   `if smooth_loss > 4*best_loss and stop_div: stop`; `if train_iter >= num_it: stop`;
 * - the recorded series: `recorder.lrs` (lr_i) and `recorder.losses` (fastai's `AvgSmoothLoss`, β = 0.98,
 *   see `smoothing.ts`), including the batch that triggered the stop;
 * - `lr_find`'s preprocessing: `lrs[num_it//10:-5]`, `losses[num_it//10:-5]`, then truncation at the
 *   first NaN loss;
 * - the suggestion rules `valley` (the default), `steep` and `minimum`.
 *
 * Deliberate divergences, all documented where they occur:
 *
 * 1. fastai turns the recorded lists into torch tensors with `fastai.torch_core.tensor`, which makes them
 *    **float32**; the comparisons, the log-slopes and the returned lr (`float(lrs[idx])`, e.g.
 *    1e-3 → 0.0010000000474974513) are float32 there. We keep float64 throughout, so our suggested lr
 *    is the exact recorded lr; results can only differ when two values are equal in float32 but not in
 *    float64.
 * 2. fastai's divergence rule `smooth_loss > 4*best_loss` is False for a NaN loss, so fastai keeps training
 *    (NaN smoothed losses stay NaN) until `num_it`. `lrFinderStep` can stop at the first NaN instead
 *    (`stopDiv`); `lrFindSeries` then treats the record as fastai would see it (padded with NaN losses to
 *    `num_it` entries), so the suggestions are unchanged by stopping early.
 * 3. Inputs that fastai would crash on (an empty series: `IndexError`/`RuntimeError`) throw a RangeError
 *    with a clear message here, and `suggestLrs` returns null for a series too short for all three rules.
 *
 * `slide` (the fourth fastai rule) is not reproduced.
 */

// ---------------------------------------------------------------------------------------------------------
// Sweep and stop rule
// ---------------------------------------------------------------------------------------------------------

/** The range test's settings (JSON-able); fastai's `lr_find` defaults are `LR_FINDER_DEFAULTS`. */
export interface LrFinderConfig {
  readonly startLr: number;
  readonly endLr: number;
  /** Number of iterations requested (`num_it`); the sweep uses max(numIt, 6), as `LRFinder.__init__`. */
  readonly numIt: number;
  /** Stop when the smoothed loss diverges (> 4× best) or becomes NaN. */
  readonly stopDiv: boolean;
}

/** fastai `Learner.lr_find(start_lr=1e-7, end_lr=10, num_it=100, stop_div=True)`. */
export const LR_FINDER_DEFAULTS: LrFinderConfig = { startLr: 1e-7, endLr: 10, numIt: 100, stopDiv: true };

function checkSweep(startLr: number, endLr: number, numIt: number): void {
  if (!Number.isFinite(startLr) || !(startLr > 0)) {
    throw new RangeError(`lrFinder: startLr must be a finite number > 0, got ${startLr}`);
  }
  if (!Number.isFinite(endLr) || !(endLr > 0)) {
    throw new RangeError(`lrFinder: endLr must be a finite number > 0, got ${endLr}`);
  }
  if (!Number.isSafeInteger(numIt) || numIt < 1) {
    throw new RangeError(`lrFinder: numIt must be a positive integer, got ${numIt}`);
  }
}

/** fastai `LRFinder.__init__`: `if num_it < 6: num_it = 6`. The number of batches the sweep runs. */
export function lrFinderIterations(numIt: number): number {
  return Math.max(numIt, 6);
}

/**
 * The lr fastai's LRFinder sets before batch `iter` (0-based `train_iter`):
 * `SchedExp(start, end)(iter / num_it)` = start · (end/start) ** (iter/num_it), with num_it = max(numIt, 6)
 * (fastai `sched_exp(start, end, pos) = start * (end/start) ** pos`, same operation order).
 *
 * Note the exponent is iter/num_it, not iter/(num_it − 1): the sweep starts at start_lr exactly and
 * never reaches end_lr (its last lr is start·(end/start)^((n−1)/n)). `**` is JS `Math.pow`, which may
 * differ from C's `pow` in the last ulp.
 */
export function lrFinderLrAt(startLr: number, endLr: number, numIt: number, iter: number): number {
  checkSweep(startLr, endLr, numIt);
  if (!Number.isSafeInteger(iter) || iter < 0) {
    throw new RangeError(`lrFinder: iter must be a non-negative integer, got ${iter}`);
  }
  const n = lrFinderIterations(numIt);
  return startLr * (endLr / startLr) ** (iter / n);
}

/**
 * The full exponential sweep fastai's range test runs if it never diverges: `lrFinderLrAt(…, i)` for
 * i = 0..max(numIt, 6) − 1 (`Float64Array`, length max(numIt, 6)).
 */
export function lrSweep(startLr: number, endLr: number, numIt: number): Float64Array {
  checkSweep(startLr, endLr, numIt);
  const n = lrFinderIterations(numIt);
  const out = new Float64Array(n);
  const ratio = endLr / startLr;
  for (let i = 0; i < n; i++) out[i] = startLr * ratio ** (i / n);
  return out;
}

/** Why a range test stopped; null while it is running. */
export type LrFinderStop = 'diverged' | 'nan' | 'done';

/** The LRFinder callback's state (plain data). */
export interface LrFinderState {
  /** Batches completed (fastai's `train_iter` after the batch). */
  readonly iter: number;
  /** Lowest smoothed loss so far (`best_loss`, +∞ initially). */
  readonly bestLoss: number;
  readonly stop: LrFinderStop | null;
}

/** fastai `LRFinder.before_fit`: `best_loss = inf`, no batches yet. Validates the config. */
export function lrFinderInit(config: LrFinderConfig): LrFinderState {
  checkSweep(config.startLr, config.endLr, config.numIt);
  return { iter: 0, bestLoss: Number.POSITIVE_INFINITY, stop: null };
}

/**
 * fastai `LRFinder.after_batch` for one batch whose smoothed loss (fastai `AvgSmoothLoss`, after this
 * batch) is `smoothLoss`; the batch's lr was `lrFinderLrAt(…, state.iter)` and is part of the record
 * even when this batch stops the test. Returns the new state (input unchanged):
 *
 *     iter += 1
 *     if smooth < best: best = smooth
 *     if smooth > 4*best and stopDiv: stop 'diverged'
 *     elif smooth is NaN and stopDiv: stop 'nan'        # our addition, see below
 *     elif iter >= max(numIt, 6): stop 'done'
 *
 * NaN: fastai's comparison is False for NaN, so fastai itself never stops on NaN and runs on to num_it
 * with NaN losses. Stopping early does not change the suggestions (`lrFindSeries` pads such a record),
 * it only saves the pointless batches. Note fastai's rule assumes positive losses: with a negative best
 * loss, 4·best is below best and any non-improving batch "diverges" (literal fastai behaviour).
 * Calling it on a stopped state throws.
 */
export function lrFinderStep(
  config: LrFinderConfig,
  state: LrFinderState,
  smoothLoss: number,
): LrFinderState {
  if (state.stop !== null) throw new Error(`lrFinder: the range test already stopped (${state.stop})`);
  const iter = state.iter + 1;
  const bestLoss = smoothLoss < state.bestLoss ? smoothLoss : state.bestLoss;
  let stop: LrFinderStop | null = null;
  if (smoothLoss > 4 * bestLoss && config.stopDiv) stop = 'diverged';
  else if (Number.isNaN(smoothLoss) && config.stopDiv) stop = 'nan';
  else if (iter >= lrFinderIterations(config.numIt)) stop = 'done';
  return { iter, bestLoss, stop };
}

// ---------------------------------------------------------------------------------------------------------
// lr_find preprocessing
// ---------------------------------------------------------------------------------------------------------

/** An (lr, loss) series. */
export interface LrLossSeries {
  readonly lrs: Float64Array;
  readonly losses: Float64Array;
}

function checkPair(lrs: ArrayLike<number>, losses: ArrayLike<number>): void {
  if (lrs.length !== losses.length) {
    throw new RangeError(`lrFinder: lrs (${lrs.length}) and losses (${losses.length}) differ in length`);
  }
}

/**
 * fastai `lr_find`'s preprocessing of the recorded series before the suggestion rules:
 *
 *     lrs, losses = tensor(recorder.lrs[num_it//10:-5]), tensor(recorder.losses[num_it//10:-5])
 *     if any NaN in losses: cut both at the first NaN
 *
 * i.e. keep indices [⌊numIt/10⌋, min(len − 5, first NaN)) (empty if that range is). `numIt` is the
 * value passed to lr_find (not raised to 6). Python slice semantics: with fewer than 5 + ⌊numIt/10⌋
 * points the result is empty.
 *
 * A record that ends in a NaN loss and is shorter than max(numIt, 6) can only come from stopping at the
 * first NaN (`lrFinderStep`'s 'nan' stop); fastai would have kept recording NaN losses up to
 * max(numIt, 6) entries, so the "−5" is taken from that length. This makes the result identical to
 * fastai's.
 *
 * Returns fresh float64 arrays (fastai's are float32; see the module doc).
 */
export function lrFindSeries(lrs: ArrayLike<number>, losses: ArrayLike<number>, numIt: number): LrLossSeries {
  checkPair(lrs, losses);
  if (!Number.isSafeInteger(numIt) || numIt < 1) {
    throw new RangeError(`lrFinder: numIt must be a positive integer, got ${numIt}`);
  }
  const len = losses.length;
  const endsInNaN = len > 0 && Number.isNaN(losses[len - 1]);
  const recordLen = endsInNaN ? Math.max(len, lrFinderIterations(numIt)) : len;
  const start = Math.floor(numIt / 10);
  let end = Math.max(0, recordLen - 5);
  for (let i = start; i < Math.min(end, len); i++) {
    if (Number.isNaN(losses[i])) {
      end = i;
      break;
    }
  }
  end = Math.min(end, len);
  if (end <= start) return { lrs: new Float64Array(0), losses: new Float64Array(0) };
  return {
    lrs: Float64Array.from({ length: end - start }, (_, k) => lrs[start + k] as number),
    losses: Float64Array.from({ length: end - start }, (_, k) => losses[start + k] as number),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Suggestion rules
// ---------------------------------------------------------------------------------------------------------

/**
 * A suggestion: the lr to use, and the point fastai marks on the plot (its second return value).
 * `index` is the index into the series of the marked point.
 */
export interface LrSuggestion {
  readonly lr: number;
  readonly point: { readonly lr: number; readonly loss: number };
  readonly index: number;
}

function checkSeries(rule: string, lrs: ArrayLike<number>, losses: ArrayLike<number>, minLen: number): void {
  checkPair(lrs, losses);
  if (losses.length < minLen) {
    throw new RangeError(
      `lrFinder.${rule}: needs at least ${minLen} point${minLen === 1 ? '' : 's'}, got ${losses.length} ` +
        '(fastai would raise here)',
    );
  }
  for (let i = 0; i < losses.length; i++) {
    if (Number.isNaN(losses[i]) || Number.isNaN(lrs[i])) {
      throw new RangeError(`lrFinder.${rule}: NaN at index ${i}; truncate the series first (lrFindSeries)`);
    }
  }
}

/** torch `argmin` of a 1-D float tensor: index of the first minimum; a NaN counts as the minimum. */
function argminTorch(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (Number.isNaN(x)) return i;
    if (x < (xs[best] as number)) best = i;
  }
  return best;
}

/** `min(range(len(lrs)), key=lambda i: abs(lrs[i]-lr))`: first index whose lr is closest to `lr`. */
function closestIndex(lrs: ArrayLike<number>, lr: number): number {
  let best = 0;
  let bestD = Math.abs((lrs[0] as number) - lr);
  for (let i = 1; i < lrs.length; i++) {
    const d = Math.abs((lrs[i] as number) - lr);
    if (d < bestD) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

/**
 * fastai `valley` (the default suggestion): the "longest valley". Literally:
 *
 *     lds = [1]*n; max_start, max_end = 0, 0
 *     for i in 1..n-1: for j in 0..i-1:
 *         if losses[i] < losses[j] and lds[i] < lds[j] + 1: lds[i] = lds[j] + 1
 *         if lds[max_end] < lds[i]: max_end = i; max_start = max_end - lds[max_end]
 *     sections = (max_end - max_start) / 3
 *     idx = max_start + int(sections) + int(sections/2)
 *     return lrs[idx], (lrs[idx], losses[idx])
 *
 * lds[i] is the length of the longest strictly decreasing subsequence of losses ending at i; the valley
 * is the one ending at the first index that attains the overall maximum length. The suggestion lies
 * int(s) + int(s/2) points (s = length/3) past max_start, i.e. about half-way down the valley.
 * Quirks reproduced: max_start = max_end − lds[max_end] is one before the valley's first point (it can
 * be −1 when the valley starts at index 0), and idx = −1 (e.g. n = 2 with losses[1] < losses[0]) is a
 * Python negative index: the *last* point.
 * Throws for an empty series (fastai: IndexError) or one containing NaN.
 */
export function valley(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkSeries('valley', lrs, losses, 1);
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if ((losses[i] as number) < (losses[j] as number) && (lds[i] as number) < (lds[j] as number) + 1) {
        lds[i] = (lds[j] as number) + 1;
      }
      if ((lds[maxEnd] as number) < (lds[i] as number)) {
        maxEnd = i;
        maxStart = maxEnd - (lds[maxEnd] as number);
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  let idx = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  if (idx < 0) idx += n; // Python negative indexing
  const lr = lrs[idx] as number;
  return { lr, point: { lr, loss: losses[idx] as number }, index: idx };
}

/**
 * fastai `steep`: the lr where the loss falls fastest against log(lr):
 *
 *     grads = (losses[1:] - losses[:-1]) / (lrs[1:].log() - lrs[:-1].log())
 *     lr_steep = lrs[grads.argmin()]
 *     point = (lr_steep, losses[index of the lr closest to lr_steep])
 *
 * The lr is the *left* end of the steepest segment. torch's argmin picks the first minimum (and a NaN
 * slope, from two equal lrs with equal losses, as the minimum). Needs ≥ 2 points (fastai: argmin of an
 * empty tensor raises); throws otherwise, or on NaN.
 */
export function steep(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkSeries('steep', lrs, losses, 2);
  const grads = new Float64Array(losses.length - 1);
  for (let i = 0; i < grads.length; i++) {
    grads[i] =
      ((losses[i + 1] as number) - (losses[i] as number)) /
      (Math.log(lrs[i + 1] as number) - Math.log(lrs[i] as number));
  }
  const lrSteep = lrs[argminTorch(grads)] as number;
  const idx = closestIndex(lrs, lrSteep);
  return { lr: lrSteep, point: { lr: lrSteep, loss: losses[idx] as number }, index: idx };
}

/**
 * fastai `minimum`: one tenth of the lr at the minimum loss:
 *
 *     lr_min = lrs[losses.argmin()]
 *     return lr_min/10, (lr_min, losses[index of the lr closest to lr_min])
 *
 * (first minimum on ties, as torch's argmin). The marked point is at lr_min, the suggestion is lr_min/10.
 * Throws for an empty series or one containing NaN.
 */
export function minimum(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkSeries('minimum', lrs, losses, 1);
  const lrMin = lrs[argminTorch(losses)] as number;
  const idx = closestIndex(lrs, lrMin);
  return { lr: lrMin / 10, point: { lr: lrMin, loss: losses[idx] as number }, index: idx };
}

/** All three suggestions on the preprocessed series, plus that series. */
export interface LrSuggestions {
  readonly valley: LrSuggestion;
  readonly steep: LrSuggestion;
  readonly minimum: LrSuggestion;
  /** The series after `lrFindSeries`; suggestion indices refer to it. */
  readonly series: LrLossSeries;
}

/**
 * fastai `lr_find(…, suggest_funcs=(valley, steep, minimum))` after the sweep: `lrFindSeries` on the
 * recorded (lrs, smoothed losses), then the three rules. Returns null when fewer than 2 points survive
 * the preprocessing (fastai would raise; e.g. a test that diverged within ⌊numIt/10⌋ + 6 batches).
 */
export function suggestLrs(
  lrs: ArrayLike<number>,
  losses: ArrayLike<number>,
  numIt: number,
): LrSuggestions | null {
  const series = lrFindSeries(lrs, losses, numIt);
  if (series.losses.length < 2) return null;
  return {
    valley: valley(series.lrs, series.losses),
    steep: steep(series.lrs, series.losses),
    minimum: minimum(series.lrs, series.losses),
    series,
  };
}
