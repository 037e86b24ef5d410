/**
 * Loss landscape of the model being trained (worker jobs on the current run's weights):
 * - Huber(δ) and MSE on a filter-normalised 2-D slice (Li et al. 2018), side by side with one colour
 *   scale, and a 1-D slice along the first direction; the grid's cost is estimated from a timed probe;
 * - sharpness: λ_max of the training loss's Hessian by power iteration on finite-difference
 *   Hessian-vector products, and Keskar's ε-sharpness; optionally after every epoch;
 * - 1-D interpolation between two weight sets (initial → final, or one finished run → another).
 * Each job shows its progress and can be cancelled; the centre of the surface is checked against the
 * engine's own evaluation of the same rows.
 */
import { memo, useEffect, useId, useMemo, useRef, useState } from 'react';
import { contourLevels, isolines, type Grid2D } from '../core/contours.ts';
import { useLabStore } from '../store/labStore.ts';
import { cancelLandscapeJob, startLandscapeJob, trackSharpness } from '../store/bridge.ts';
import type { JobKind, JobState } from '../store/landscapeSlice.ts';
import type {
  InterpolationResult,
  SharpnessResult,
  SurfaceResult,
  WeightSource,
} from '../worker/protocol.ts';
import { StepChart, tickLabel } from './charts.tsx';
import { CheckField, NumberField, SelectField } from './fields.tsx';
import { fmt, useT, type T } from './i18n/index.ts';
import { ColourBar, heatImage, strokeSegments } from './playground/ContourMap.tsx';
import { colourScale, type ColourScale } from './playground/surface.ts';

/** Grid sizes offered (5×5 is a quick look on a slow GPU). */
const GRIDS = [5, 7, 11, 21, 31, 41] as const;
/** Per-epoch tracking: at most this many power iterations, on at most this many training rows. */
const TRACK_MAX_ITERATIONS = 10;
const TRACK_MAX_ROWS = 256;

function seconds(ms: number): string {
  return ms < 1000
    ? `${Math.max(0.1, ms / 1000).toFixed(1)} s`
    : ms < 120_000
      ? `${Math.round(ms / 1000)} s`
      : `${(ms / 60000).toFixed(1)} min`;
}

/** Progress of a running job with its estimate, and a Cancel button; or its error / cancellation. */
function JobStatus({ job, t }: { job: JobState | undefined; t: T }) {
  if (job === undefined) return null;
  if (job.status === 'error')
    return (
      <p className="error" role="alert">
        {job.error}
      </p>
    );
  if (job.status === 'cancelled') return <p className="small muted">{t('land.cancelled')}</p>;
  if (job.status !== 'running') return null;
  const p = job.progress;
  return (
    <div className="progress" role="status">
      <progress max={p?.total ?? 1} value={p?.done ?? 0} />
      <span className="small">
        {p === null
          ? t('land.starting')
          : t('land.progress', {
              done: p.done,
              total: p.total,
              elapsed: seconds(p.elapsedMs),
              left: seconds(Math.max(0, p.estimateMs - p.elapsedMs)),
            })}
      </span>
      <button type="button" className="small-btn" onClick={() => cancelLandscapeJob(job.jobId)}>
        {t('land.cancel')}
      </button>
    </div>
  );
}

/** A grid of loss values as a heat map with contours (α to the right, β up) and the centre marked. */
const GridHeatmap = memo(function GridHeatmap({
  grid,
  scale,
  label,
  testId,
}: {
  grid: Grid2D;
  scale: ColourScale;
  label: string;
  testId: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const size = 260;
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (c === null || ctx === null || ctx === undefined) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = size * dpr;
    c.height = size * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heatImage(grid, scale), 0, 0, size, size);
    const px = (x: number, y: number): [number, number] => [
      ((x - grid.x0) / (grid.x1 - grid.x0)) * size,
      size - ((y - grid.y0) / (grid.y1 - grid.y0)) * size,
    ];
    ctx.strokeStyle = 'rgba(255,255,255,0.55)';
    ctx.lineWidth = 1;
    const levels = contourLevels(grid, 10, scale.log ? 'log' : 'linear');
    strokeSegments(
      ctx,
      levels.map((level) => isolines(grid, level)),
      px,
    );
    const [cx, cy] = px(0, 0);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(cx - 6, cy);
    ctx.lineTo(cx + 6, cy);
    ctx.moveTo(cx, cy - 6);
    ctx.lineTo(cx, cy + 6);
    ctx.stroke();
  }, [grid, scale]);
  return (
    <figure className="chart landscape-map" data-testid={testId}>
      <figcaption>{label}</figcaption>
      <canvas ref={ref} style={{ width: size, height: size }} role="img" aria-label={label} />
      <div className="small muted">
        α ∈ [{tickLabel(grid.x0)}, {tickLabel(grid.x1)}] → · β ↑
      </div>
      <ColourBar scale={scale} />
    </figure>
  );
});

function toGrid(r: SurfaceResult, values: Float64Array): Grid2D {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  // Grid2D's convention: NaN bounds when no value is finite.
  if (min > max) {
    min = Number.NaN;
    max = Number.NaN;
  }
  return { nx: r.grid, ny: r.grid, x0: -r.span, x1: r.span, y0: -r.span, y1: r.span, values, min, max };
}

function SurfaceView({ r, t }: { r: SurfaceResult; t: T }) {
  const [shared, setShared] = useState(true);
  const [log, setLog] = useState(true);
  const huber = useMemo(() => toGrid(r, r.huber), [r]);
  const mse = useMemo(() => toGrid(r, r.mse), [r]);
  const scales = useMemo(() => {
    const lo = Math.min(huber.min, mse.min);
    const hi = Math.max(huber.max, mse.max);
    return shared
      ? { h: colourScale(lo, hi, log), m: colourScale(lo, hi, log) }
      : { h: colourScale(huber.min, huber.max, log), m: colourScale(mse.min, mse.max, log) };
  }, [huber, mse, shared, log]);
  const diff = Math.abs(r.centre.recipeLoss - r.centre.engineLoss);
  const rel = diff / Math.max(1e-12, Math.abs(r.centre.engineLoss));
  return (
    <div data-testid="surface-result">
      <div className="row">
        <CheckField label={t('land.sharedScale')} checked={shared} onChange={setShared} />
        <CheckField label={t('pg.logColour')} checked={log} onChange={setLog} />
      </div>
      <div className="landscape-pair">
        <GridHeatmap
          grid={huber}
          scale={scales.h}
          label={t('land.huberMap', { d: r.huberDelta })}
          testId="surface-huber"
        />
        <GridHeatmap grid={mse} scale={scales.m} label={t('land.mseMap')} testId="surface-mse" />
      </div>
      <StepChart
        label={t('land.line')}
        lines={[
          {
            key: 'h',
            name: `Huber δ=${r.huberDelta}`,
            x: r.line.alphas,
            y: r.line.huber,
            color: 'var(--ok)',
          },
          { key: 'm', name: 'MSE', x: r.line.alphas, y: r.line.mse, color: 'var(--bad)' },
        ]}
        log
        points={r.line.alphas.length * 2}
        xLabel={(a) => `α = ${fmt(a, 2)}`}
        height={200}
      />
      <p
        className="small"
        data-testid="surface-centre"
        data-centre={r.centre.recipeLoss}
        data-engine={r.centre.engineLoss}
      >
        {t('land.centre', {
          huber: fmt(r.centre.huber, 5),
          mse: fmt(r.centre.mse, 5),
          recipe: fmt(r.centre.recipeLoss, 6),
          engine: fmt(r.centre.engineLoss, 6),
          rel: rel.toExponential(1),
          rows: r.rows,
          ms: seconds(r.ms),
        })}
      </p>
    </div>
  );
}

function SharpnessView({ r, t }: { r: SharpnessResult; t: T }) {
  const x = Array.from(r.iterations, (_, i) => i + 1);
  return (
    <div
      data-testid="sharpness-result"
      data-lambda={r.lambdaMax}
      data-loss={r.loss}
      data-engine={r.engineLoss}
    >
      <p>
        <strong data-testid="lambda-max">λ_max ≈ {fmt(r.lambdaMax, 4)}</strong> ·{' '}
        {t('land.epsSharpness', { e: tickLabel(r.epsilon), v: fmt(r.epsSharpness, 3) })}
      </p>
      <p className="small muted">
        {t('land.sharpnessMethod', {
          h: tickLabel(r.fdStep),
          n: r.iterations.length,
          res: fmt(r.residual, 3),
          rows: r.rows,
          loss: fmt(r.loss, 6),
          engine: fmt(r.engineLoss, 6),
        })}
      </p>
      <StepChart
        label={t('land.powerIteration')}
        lines={[{ key: 'l', name: 'λ', x, y: r.iterations, color: 'var(--accent)', dots: true }]}
        points={x.length}
        xLabel={(i) => t('land.iterationN', { n: i })}
        height={150}
      />
    </div>
  );
}

function InterpolationView({ r, t }: { r: InterpolationResult; t: T }) {
  return (
    <div
      data-testid="interp-result"
      data-train={JSON.stringify(Array.from(r.train))}
      data-val={JSON.stringify(Array.from(r.val))}
    >
      <StepChart
        label={t('land.interpChart')}
        lines={[
          { key: 'tr', name: t('land.train'), x: r.alphas, y: r.train, color: 'var(--accent)' },
          { key: 'va', name: t('land.val'), x: r.alphas, y: r.val, color: 'var(--val)' },
        ]}
        log
        points={r.alphas.length * 2}
        xLabel={(a) => `α = ${fmt(a, 2)}`}
        height={200}
      />
      <p className="small muted">{t('land.interpNote')}</p>
    </div>
  );
}

export function LandscapePanel() {
  const t = useT();
  const runId = useLabStore((s) => s.training.runId);
  const status = useLabStore((s) => s.training.status);
  const recipeLoss = useLabStore((s) => s.training.plan?.config.loss ?? null);
  const nTrain = useLabStore(
    (s) => s.training.plan?.outliers?.nKept ?? s.dataset.loaded?.trainRows.ids.length ?? 0,
  );
  const allJobs = useLabStore((s) => s.jobs);
  const trackError = useLabStore((s) => s.trackError);
  const track = useLabStore((s) => s.sharpnessTrack);
  const tracking = useLabStore((s) => s.trackSharpness);
  const kept = useLabStore((s) => s.keptRuns);
  const [grid, setGrid] = useState<(typeof GRIDS)[number]>(11);
  const [span, setSpan] = useState(1);
  const [rows, setRows] = useState(0);
  const [delta, setDelta] = useState(recipeLoss?.kind === 'huber' ? recipeLoss.delta : 1);
  const [seed, setSeed] = useState(0);
  const [iters, setIters] = useState(20);
  const [eps, setEps] = useState(1e-3);
  const [from, setFrom] = useState('init');
  const [to, setTo] = useState('current');
  const inv = t('field.notNumber');
  const trackRows = Math.min(rows === 0 ? nTrain : rows, TRACK_MAX_ROWS) || TRACK_MAX_ROWS;
  const hasPlan = useLabStore((s) => s.training.plan !== null);
  const hasRun = runId !== null && hasPlan && status !== 'starting';
  // Only this run's jobs: a new run makes the old results stale.
  const jobs = useMemo(
    () => Object.fromEntries(Object.entries(allJobs).filter(([, j]) => j?.runId === runId)) as typeof allJobs,
    [allJobs, runId],
  );
  const busy = (k: JobKind) => jobs[k]?.status === 'running';
  // Time one forward and one gradient pass over the chosen rows, for the estimates — only once the
  // person turns to this panel (pointer or keyboard focus): on a slow GPU the probe takes seconds, and
  // it would hold up the run's own evaluations if it ran after every run or pause.
  const [probeWanted, setProbeWanted] = useState(false);
  useEffect(() => {
    if (probeWanted && hasRun && (status === 'done' || status === 'stopped' || status === 'paused'))
      startLandscapeJob({ kind: 'probe', rows });
  }, [probeWanted, hasRun, runId, status, rows]);
  const probe =
    jobs.probe?.status === 'done' && jobs.probe.result?.kind === 'probe' ? jobs.probe.result : null;
  const estimate = (g: number) =>
    probe === null ? null : probe.uploadMs + probe.msPerPoint * (g * g + 3 * (g - 1));
  const source = (v: string): WeightSource =>
    v === 'init' ? { kind: 'init' } : v === 'current' ? { kind: 'current' } : { kind: 'run', runId: v };
  const sourceOptions = [
    { value: 'init', label: t('land.src.init') },
    { value: 'current', label: t('land.src.current') },
    ...kept.map((k) => ({ value: k.runId, label: k.label })),
  ];
  const surface = jobs.surface?.result?.kind === 'surface' ? jobs.surface.result : null;
  const sharp = jobs.sharpness?.result?.kind === 'sharpness' ? jobs.sharpness.result : null;
  const interp = jobs.interpolate?.result?.kind === 'interpolate' ? jobs.interpolate.result : null;
  const gridId = useId();
  return (
    <section
      className="card"
      aria-labelledby="land-title"
      data-testid="landscape-panel"
      onPointerEnter={() => setProbeWanted(true)}
      onFocus={() => setProbeWanted(true)}
    >
      <h2 id="land-title">{t('land.title')}</h2>
      <p className="small muted">{t('land.intro')}</p>
      {!hasRun && <p className="note">{t('land.needRun')}</p>}
      <h3>{t('land.surfaceTitle')}</h3>
      <div className="row wrap">
        <div className="field">
          <label htmlFor={gridId}>{t('land.grid')}</label>
          <select
            id={gridId}
            value={grid}
            data-testid="land-grid"
            onChange={(ev) => setGrid(Number(ev.target.value) as (typeof GRIDS)[number])}
          >
            {GRIDS.map((g) => {
              const e = estimate(g);
              return (
                <option key={g} value={g}>
                  {g}×{g}
                  {e !== null ? ` (≈ ${seconds(e)})` : ''}
                </option>
              );
            })}
          </select>
        </div>
        <NumberField
          label={t('land.span')}
          value={span}
          min={0.01}
          invalidText={inv}
          onChange={(v) => v > 0 && setSpan(v)}
        />
        <NumberField
          label={t('land.rows')}
          value={rows}
          integer
          min={0}
          hint={t('land.rowsHint', { n: nTrain })}
          invalidText={inv}
          onChange={(v) => v >= 0 && setRows(v)}
        />
        <NumberField
          label="Huber δ"
          value={delta}
          min={0}
          invalidText={inv}
          onChange={(v) => v > 0 && setDelta(v)}
        />
        <NumberField label={t('land.seed')} value={seed} integer invalidText={inv} onChange={setSeed} />
      </div>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={!hasRun || busy('surface')}
          onClick={() => startLandscapeJob({ kind: 'surface', grid, span, rows, seed, huberDelta: delta })}
        >
          {t('land.computeSurface')}
        </button>
        {probe !== null && (
          <span className="small muted" data-testid="land-probe">
            {t('land.probe', { ms: fmt(probe.msPerPoint, 1), rows: probe.rows })}
          </span>
        )}
      </div>
      {jobs.probe?.status === 'error' && <JobStatus job={jobs.probe} t={t} />}
      <JobStatus job={jobs.surface} t={t} />
      {surface !== null && <SurfaceView r={surface} t={t} />}

      <h3>{t('land.sharpnessTitle')}</h3>
      <div className="row wrap">
        <NumberField
          label={t('land.iterations')}
          value={iters}
          integer
          min={1}
          max={200}
          invalidText={inv}
          onChange={(v) => v >= 1 && setIters(v)}
        />
        <NumberField label="ε" value={eps} min={0} invalidText={inv} onChange={(v) => v > 0 && setEps(v)} />
        <button
          type="button"
          className="primary"
          disabled={!hasRun || busy('sharpness')}
          onClick={() =>
            startLandscapeJob({ kind: 'sharpness', iterations: iters, rows, seed, epsilon: eps })
          }
        >
          {t('land.computeSharpness')}
        </button>
        {probe !== null && (
          <span className="small muted">
            ≈ {seconds(probe.uploadMs + probe.msPerGradient * (2 * iters + 7))}
          </span>
        )}
        <CheckField
          label={t('land.track')}
          checked={tracking}
          onChange={(on) =>
            trackSharpness(on ? { iterations: Math.min(iters, TRACK_MAX_ITERATIONS), rows: trackRows } : null)
          }
        />
        {probe !== null && (
          <span className="small muted">
            {t('land.trackCost', {
              s: seconds(
                probe.msPerGradient *
                  (2 * Math.min(iters, TRACK_MAX_ITERATIONS) + 1) *
                  (trackRows / Math.max(1, probe.rows)),
              ),
              rows: trackRows,
            })}
          </span>
        )}
      </div>
      <JobStatus job={jobs.sharpness} t={t} />
      {sharp !== null && <SharpnessView r={sharp} t={t} />}
      {trackError !== null && (
        <p className="error" role="alert">
          {trackError}
        </p>
      )}
      {track.runId === runId && track.points.length > 0 && (
        <StepChart
          label={t('land.trackChart')}
          lines={[
            {
              key: 'l',
              name: 'λ_max',
              x: track.points.map((p) => p.epoch),
              y: track.points.map((p) => p.result.lambdaMax),
              color: 'var(--accent)',
              dots: true,
            },
          ]}
          points={track.points.length}
          xLabel={(e) => t('land.epochN', { n: e })}
          height={160}
          testId="sharpness-track"
        />
      )}

      <h3>{t('land.interpTitle')}</h3>
      <div className="row wrap">
        <SelectField label={t('land.from')} value={from} options={sourceOptions} onChange={setFrom} />
        <SelectField label={t('land.to')} value={to} options={sourceOptions} onChange={setTo} />
        <button
          type="button"
          className="primary"
          disabled={!hasRun || busy('interpolate') || from === to}
          onClick={() =>
            startLandscapeJob({
              kind: 'interpolate',
              from: source(from),
              to: source(to),
              points: 25,
              range: [-0.5, 1.5],
              rows,
            })
          }
        >
          {t('land.computeInterp')}
        </button>
      </div>
      <JobStatus job={jobs.interpolate} t={t} />
      {interp !== null && <InterpolationView r={interp} t={t} />}
    </section>
  );
}
