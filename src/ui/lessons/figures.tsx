/**
 * The lessons' figures that are not the 2-D playground: the OneCycle schedule, Huber vs MSE on a small
 * set of residuals, and two outlier filters on a target histogram. Each is live (sliders) and has a
 * "tried" state that the lesson's "try this" button switches on. All maths is src/core.
 */
import { useMemo, useState } from 'react';
import { lossGradOfResidual, lossOfResidual } from '../../core/losses.ts';
import { filterOutliers, MAD_TO_SIGMA } from '../../core/outliers.ts';
import { createRng, fork, normalArray } from '../../core/rng.ts';
import { plannedSchedule, SCHEDULE_DEFAULTS, type OneCycleConfig } from '../../core/schedules.ts';
import { histogram } from '../../core/histogram.ts';
import { StepChart, tickLabel, type ChartLine } from '../charts.tsx';
import { RangeField } from '../fields.tsx';
import { fmt, useT } from '../i18n/index.ts';

// ---------------------------------------------------------------------------------------------------------
// OneCycle
// ---------------------------------------------------------------------------------------------------------

/** torch OneCycleLR over 100 steps; the slider is log10(max_lr). "Try this" sets max_lr = 1. */
export function OneCycleFigure({ tried }: { tried: boolean }) {
  const t = useT();
  const [logMax, setLogMax] = useState<number | null>(null);
  const [pct, setPct] = useState(0.3);
  const maxLr = 10 ** (logMax ?? (tried ? 0 : -2));
  const total = 100;
  // torch's OneCycleLR defaults (div_factor 25, final_div_factor 1e4, cos, momentum 0.95 → 0.85 → 0.95).
  const plan = useMemo(() => {
    const config: OneCycleConfig = {
      kind: 'onecycle',
      ...SCHEDULE_DEFAULTS.onecycle,
      maxLr,
      totalSteps: total,
      pctStart: pct,
    };
    return plannedSchedule(config, total);
  }, [maxLr, pct]);
  const x = Array.from({ length: total }, (_, i) => i);
  let peak = 0;
  for (let i = 1; i < total; i++) if (plan.lr[i]! > plan.lr[peak]!) peak = i;
  const m = plan.momentum;
  return (
    <div
      className="lesson-figure"
      data-testid="onecycle-figure"
      data-peak={plan.lr[peak]}
      data-peak-step={peak}
    >
      <RangeField
        label="max_lr"
        value={Math.log10(maxLr)}
        min={-4}
        max={1}
        step={0.1}
        onChange={setLogMax}
        format={() => tickLabel(maxLr)}
      />
      <RangeField
        label="pct_start"
        value={pct}
        min={0.05}
        max={0.95}
        step={0.05}
        onChange={setPct}
        format={(v) => v.toFixed(2)}
      />
      <StepChart
        label={t('lesson.fig.lr')}
        lines={[{ key: 'lr', name: 'lr', x, y: plan.lr, color: 'var(--lr)' }]}
        log
        points={total}
        xLabel={(v) => t('pg.stepN', { n: v })}
        height={170}
      />
      {m !== null && (
        <StepChart
          label={t('lesson.fig.momentum')}
          lines={[{ key: 'm', name: 'momentum', x, y: m, color: 'var(--mom)' }]}
          points={total}
          xLabel={(v) => t('pg.stepN', { n: v })}
          height={140}
        />
      )}
      <p className="small" data-testid="onecycle-readout">
        {t('lesson.fig.onecycleReadout', {
          start: tickLabel(plan.lr[0]!),
          peak: tickLabel(plan.lr[peak]!),
          step: peak,
          end: tickLabel(plan.lr[total - 1]!),
          m: m !== null ? fmt(m[peak]!, 3) : '—',
        })}
      </p>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Huber
// ---------------------------------------------------------------------------------------------------------

/** 20 residuals from N(0, 0.3²) (seeded); "try this" adds one black swan, e = 10. */
export function HuberFigure({ tried }: { tried: boolean }) {
  const t = useT();
  const [delta, setDelta] = useState(1);
  const base = useMemo(() => normalArray(fork(createRng(7), 'huber-lesson'), 20, 0, 0.3)[0], []);
  const res = tried ? [...base, 10] : base;
  const rows = (['mse', 'huber'] as const).map((kind) => {
    const cfg = kind === 'mse' ? ({ kind: 'mse' } as const) : ({ kind: 'huber', delta } as const);
    const g = res.map((e) => Math.abs(lossGradOfResidual(cfg, e)));
    const total = g.reduce((a, b) => a + b, 0);
    let big = 0;
    for (let i = 1; i < res.length; i++) if (Math.abs(res[i]!) > Math.abs(res[big]!)) big = i;
    const loss = res.reduce((a, e) => a + lossOfResidual(cfg, e), 0) / res.length;
    return { kind, loss, share: g[big]! / total, eMax: res[big]!, gMax: g[big]! };
  });
  const a = tried ? 11 : 3;
  const xs = Array.from({ length: 121 }, (_, i) => -a + (2 * a * i) / 120);
  const huber = { kind: 'huber', delta } as const;
  /** MSE and Huber(δ) of `of` (the loss or its gradient) against the residual. */
  const curves = (of: typeof lossOfResidual): ChartLine[] => [
    { key: 'mse', name: 'MSE', x: xs, y: xs.map((e) => of({ kind: 'mse' }, e)), color: 'var(--bad)' },
    { key: 'h', name: `Huber δ=${delta}`, x: xs, y: xs.map((e) => of(huber, e)), color: 'var(--ok)' },
  ];
  return (
    <div className="lesson-figure" data-testid="huber-figure">
      <RangeField
        label="δ"
        value={delta}
        min={0.1}
        max={3}
        step={0.1}
        onChange={setDelta}
        format={(v) => v.toFixed(1)}
      />
      <div className="two-charts">
        <StepChart
          label={t('huber.lossChart')}
          lines={curves(lossOfResidual)}
          points={242}
          xLabel={(e) => `e = ${fmt(e, 2)}`}
          height={170}
        />
        <StepChart
          label={t('huber.gradChart')}
          lines={curves(lossGradOfResidual)}
          points={242}
          xLabel={(e) => `e = ${fmt(e, 2)}`}
          height={170}
        />
      </div>
      <table className="data" data-testid="huber-table">
        <caption>{t('lesson.fig.huberCaption', { n: res.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('lesson.fig.loss')}</th>
            <th scope="col">{t('lesson.fig.meanLoss')}</th>
            <th scope="col">{t('lesson.fig.largest')}</th>
            <th scope="col">{t('lesson.fig.gradOfLargest')}</th>
            <th scope="col">{t('lesson.fig.share')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.kind} data-kind={r.kind} data-share={r.share}>
              <th scope="row">{r.kind === 'mse' ? 'MSE' : `Huber δ=${delta}`}</th>
              <td className="mono">{fmt(r.loss, 3)}</td>
              <td className="mono">{fmt(r.eMax, 3)}</td>
              <td className="mono">{fmt(r.gMax, 3)}</td>
              <td className="mono">{(100 * r.share).toFixed(1)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Outliers
// ---------------------------------------------------------------------------------------------------------

/** 200 targets from N(−1, 0.5²) eV/atom (seeded); "try this" adds 25 failed-DFT rows at +40 eV/atom. */
export function OutlierFigure({ tried }: { tried: boolean }) {
  const t = useT();
  const [k, setK] = useState(3);
  const base = useMemo(() => normalArray(fork(createRng(11), 'outlier-lesson'), 200, -1, 0.5)[0], []);
  const bad = 25;
  const values = tried ? [...base, ...Array.from({ length: bad }, () => 40)] : base;
  const filters = (['sigma', 'mad'] as const).map((method) => {
    const r = filterOutliers({ method, k }, values);
    const removedBad = Array.from(r.removed).filter((i) => i >= base.length).length;
    const removedGood = r.removed.length - removedBad;
    return { method, center: r.center, threshold: r.threshold, removedBad, removedGood };
  });
  const lo = -4;
  const hi = tried ? 44 : 2;
  const bins = tried ? 96 : 48;
  const h = histogram(values, bins, lo, hi);
  const maxCount = Math.max(...h.counts, 1);
  const W = 560;
  const H = 150;
  const sx = (v: number) => ((v - lo) / (hi - lo)) * W;
  const colours = { sigma: 'var(--bad)', mad: 'var(--ok)' } as const;
  return (
    <div className="lesson-figure" data-testid="outlier-figure">
      <RangeField
        label="k"
        value={k}
        min={1}
        max={6}
        step={0.5}
        onChange={setK}
        format={(v) => v.toFixed(1)}
      />
      <svg
        viewBox={`0 0 ${W} ${H + 18}`}
        className="outlier-hist"
        role="img"
        aria-label={t('lesson.fig.outlierHist', { n: values.length })}
      >
        {filters.map((f, i) => {
          const a = Math.max(lo, f.center - f.threshold);
          const b = Math.min(hi, f.center + f.threshold);
          return (
            <rect
              key={f.method}
              x={sx(a)}
              y={i * 8}
              width={Math.max(1, sx(b) - sx(a))}
              height={H - i * 8}
              fill={colours[f.method]}
              opacity={0.12}
              stroke={colours[f.method]}
            />
          );
        })}
        {Array.from(h.counts).map((c, i) => {
          const x0 = sx(h.edges[i]!);
          const x1 = sx(h.edges[i + 1]!);
          const hh = (c / maxCount) * (H - 20);
          return (
            <rect
              key={i}
              x={x0}
              y={H - hh}
              width={Math.max(1, x1 - x0 - 1)}
              height={hh}
              fill="var(--accent)"
            />
          );
        })}
        <line x1={0} x2={W} y1={H} y2={H} stroke="var(--muted)" />
        {[lo, (lo + hi) / 2, hi].map((v, i) => (
          <text
            key={v}
            x={sx(v)}
            y={H + 14}
            fontSize={12}
            fill="var(--muted)"
            textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}
          >
            {tickLabel(v)}
          </text>
        ))}
      </svg>
      <table className="data" data-testid="outlier-table">
        <caption>{t('lesson.fig.outlierCaption', { bad: tried ? bad : 0 })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('lesson.fig.filter')}</th>
            <th scope="col">{t('lesson.fig.band')}</th>
            <th scope="col">{t('lesson.fig.removedBad')}</th>
            <th scope="col">{t('lesson.fig.removedGood')}</th>
          </tr>
        </thead>
        <tbody>
          {filters.map((f) => (
            <tr
              key={f.method}
              data-method={f.method}
              data-removed-bad={f.removedBad}
              data-removed-good={f.removedGood}
            >
              <th scope="row">
                <span className="dot" style={{ background: colours[f.method] }} aria-hidden="true" />{' '}
                {f.method === 'sigma'
                  ? t('lesson.fig.sigmaFilter', { k })
                  : t('lesson.fig.madFilter', { k, c: MAD_TO_SIGMA })}
              </th>
              <td className="mono">
                [{fmt(f.center - f.threshold, 2)}, {fmt(f.center + f.threshold, 2)}]
              </td>
              <td className="mono">{tried ? `${f.removedBad} / ${bad}` : '—'}</td>
              <td className="mono">{f.removedGood}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
