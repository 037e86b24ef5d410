/**
 * The worker's loss-landscape jobs (the maths is src/engine/landscape.ts): a registry of running jobs
 * with their cancel flags, the job runner that answers 'landscape' messages, and the per-epoch sharpness
 * tracking.
 *
 * Every job measures the current run's model between two of its training steps (`runExclusive`) and
 * restores the weights bit-exactly, so a running run just waits and then continues with the same numbers.
 * A job never blocks message handling: it yields a macrotask between points, so a 'cancel-job' (or a
 * control message) is handled while it runs; the job sees the flag before its next point. When a new
 * start or resume replaces the run, its jobs are cancelled first (so the replacement does not wait for a
 * whole surface).
 */
import {
  initialWeights,
  interpolate,
  isJobCancelled,
  lossSurface,
  probe,
  sharpness,
  currentWeights,
  type JobHooks,
  type LandscapeResult,
  type SharpnessRequest,
  type Weights,
} from '../engine/landscape.ts';
import type { Trainer } from '../engine/trainer.ts';
import type { FromWorker, LandscapeJob, WeightSource } from './protocol.ts';
import { addRunListener, currentRun, keptWeights } from './training.ts';

type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

interface JobEntry {
  readonly runId: string;
  cancelled: boolean;
}

/** Jobs in flight (queued or running), by job id; tracking jobs have ids 'track:<runId>:<epoch>'. */
const jobs = new Map<string, JobEntry>();

/** Progress messages at most this often (plus the last point). */
const PROGRESS_EVERY_MS = 100;

/** The seed and ε of the per-epoch sharpness track (fixed, so epochs are comparable). */
export const TRACK_SEED = 0;
/** ε-sharpness is not tracked (it costs 5 more gradient passes per epoch and the chart shows λ_max only). */
export const TRACK_EPSILON = 0;
/** The job id under which tracking failures are reported ('job-error'). */
export const TRACK_JOB_ID = 'track';

let tracking: { iterations: number; rows: number } | null = null;
let trackPost: Post | null = null;

const NO_RUN: Record<LandscapeJob['kind'], string> = {
  probe: 'Train a model first: the timing probe runs the model of a run.',
  surface: 'Train a model first: the loss surface is measured around the weights of a run.',
  sharpness: 'Train a model first: sharpness is measured at the weights of a run.',
  interpolate: 'Train a model first: the interpolation is evaluated with the model and data of a run.',
};

addRunListener({
  replacing: (runId) => {
    for (const j of jobs.values()) if (j.runId === runId) j.cancelled = true;
  },
  epoch: (runId, record) => {
    if (tracking !== null && trackPost !== null) trackEpoch(runId, record.epoch, tracking, trackPost);
  },
});

/** Every typed array's buffer in a result (one level deep and its nested objects), for transfer. */
export function transferablesOf(result: object): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const walk = (o: object, depth: number) => {
    for (const v of Object.values(o)) {
      if (ArrayBuffer.isView(v)) out.add(v.buffer as ArrayBuffer);
      else if (v !== null && typeof v === 'object' && depth < 2) walk(v as object, depth + 1);
    }
  };
  walk(result, 0);
  return [...out];
}

function hooksFor(runId: string, jobId: string, entry: JobEntry, post: Post): JobHooks {
  let last = Number.NEGATIVE_INFINITY;
  return {
    cancelled: () => entry.cancelled,
    progress: (done, total, elapsedMs) => {
      const now = performance.now();
      if (done < total && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const estimateMs = done > 0 ? (elapsedMs / done) * total : Number.NaN;
      post({ type: 'job-progress', runId, jobId, done, total, elapsedMs, estimateMs });
    },
  };
}

/** The weights a source names, with a label for people. */
async function resolveSource(
  trainer: Trainer,
  runId: string,
  fingerprint: string,
  src: WeightSource,
): Promise<{ weights: Weights; label: string }> {
  switch (src.kind) {
    case 'init':
      return { weights: await initialWeights(trainer), label: 'initial weights' };
    case 'current':
      return { weights: await currentWeights(trainer), label: 'current weights' };
    case 'run': {
      const k = keptWeights(src.runId);
      if (k === null) {
        if (src.runId === runId) return { weights: await currentWeights(trainer), label: 'current weights' };
        throw new Error(
          'The weights of that run are no longer kept (the lab keeps the last 4 finished runs); pick another run.',
        );
      }
      if (k.fingerprint !== fingerprint) {
        throw new Error(
          `The run "${k.info.label}" was trained on another dataset; interpolate between runs on the loaded one.`,
        );
      }
      return { weights: k.weights, label: k.info.label };
    }
  }
}

function execute(
  trainer: Trainer,
  runId: string,
  fingerprint: string,
  job: LandscapeJob,
  hooks: JobHooks,
): Promise<LandscapeResult> {
  switch (job.kind) {
    case 'probe':
      return probe(trainer, { rows: job.rows }, hooks);
    case 'surface':
      return lossSurface(
        trainer,
        { grid: job.grid, span: job.span, rows: job.rows, seed: job.seed, huberDelta: job.huberDelta },
        hooks,
      );
    case 'sharpness':
      return sharpness(
        trainer,
        { iterations: job.iterations, rows: job.rows, seed: job.seed, epsilon: job.epsilon },
        hooks,
      );
    case 'interpolate':
      return (async () => {
        const a = await resolveSource(trainer, runId, fingerprint, job.from);
        const b = await resolveSource(trainer, runId, fingerprint, job.to);
        return interpolate(
          trainer,
          a.weights,
          b.weights,
          { points: job.points, range: job.range, rows: job.rows, labels: [a.label, b.label] },
          hooks,
        );
      })();
  }
}

/**
 * Runs a 'landscape' message's job on the current run and answers with 'job-result', 'job-cancelled'
 * or 'job-error' (never throws).
 */
export async function landscapeJob(
  runId: string,
  jobId: string,
  job: LandscapeJob,
  post: Post,
): Promise<void> {
  const entry: JobEntry = { runId, cancelled: false };
  jobs.set(jobId, entry);
  try {
    const cur = currentRun();
    if (cur === null) throw new Error(NO_RUN[job.kind]);
    if (cur.runId !== runId) {
      throw new Error('That run has been replaced by a newer one; measure the current run instead.');
    }
    const result = await execute(
      cur.trainer,
      runId,
      cur.fingerprint,
      job,
      hooksFor(runId, jobId, entry, post),
    );
    post({ type: 'job-result', runId, jobId, result }, transferablesOf(result));
  } catch (e) {
    if (isJobCancelled(e) || entry.cancelled) {
      post({ type: 'job-cancelled', runId, jobId });
    } else {
      post({ type: 'job-error', runId, jobId, message: e instanceof Error ? e.message : String(e) });
    }
  } finally {
    jobs.delete(jobId);
  }
}

/** Flags the job `jobId` as cancelled (it stops before its next point); unknown ids are ignored. */
export function cancelJob(jobId: string): void {
  const j = jobs.get(jobId);
  if (j !== undefined) j.cancelled = true;
}

/**
 * Turns per-epoch sharpness tracking on (for the current run's next epochs and later runs) or off (jobs
 * already queued are cancelled). Throws an Error for people for invalid settings.
 */
export function setSharpnessTracking(
  settings: { iterations: number; rows: number } | null,
  post: Post,
): void {
  if (settings === null) {
    tracking = null;
    for (const [id, j] of jobs) if (id.startsWith('track:')) j.cancelled = true;
    return;
  }
  const { iterations, rows } = settings;
  if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= 500)) {
    throw new RangeError(
      `Sharpness tracking: iterations must be a whole number from 1 to 500, got ${iterations}.`,
    );
  }
  if (!(Number.isInteger(rows) && rows >= 0)) {
    throw new RangeError(`Sharpness tracking: rows must be a whole number ≥ 0 (0 = all), got ${rows}.`);
  }
  tracking = { iterations, rows };
  trackPost = post;
}

/**
 * Queues λ_max after epoch `epoch` of run `runId`. Called synchronously from the epoch hook, so the
 * `runExclusive` inside `sharpness` is queued before the run's next step.
 */
function trackEpoch(
  runId: string,
  epoch: number,
  settings: { iterations: number; rows: number },
  post: Post,
): void {
  const cur = currentRun();
  if (cur === null || cur.runId !== runId) return;
  const id = `track:${runId}:${epoch}`;
  const entry: JobEntry = { runId, cancelled: false };
  jobs.set(id, entry);
  const req: SharpnessRequest = {
    iterations: settings.iterations,
    rows: settings.rows,
    seed: TRACK_SEED,
    epsilon: TRACK_EPSILON,
  };
  sharpness(cur.trainer, req, { cancelled: () => entry.cancelled })
    .then((result) => post({ type: 'sharpness-epoch', runId, epoch, result }, transferablesOf(result)))
    .catch((e: unknown) => {
      if (isJobCancelled(e) || entry.cancelled) return;
      // A job error, not a run error: the run itself goes on training.
      post({
        type: 'job-error',
        runId,
        jobId: TRACK_JOB_ID,
        message: `Sharpness tracking after epoch ${epoch} failed: ${e instanceof Error ? e.message : String(e)}`,
      });
    })
    .finally(() => jobs.delete(id));
}
