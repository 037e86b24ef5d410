/**
 * The live charts of a run: training loss (raw and TensorBoard-style debiased EMA, per-epoch train and
 * validation loss; log-scale toggle and smoothing slider), planned vs actual lr and momentum/β₁, the
 * gradient norm before and after clipping with the max_norm line and the share of clipped steps. NaN
 * and rollback events are marked on every time axis.
 *
 * The charts draw a throttled snapshot of the run (at most ~3 redraws per second), rendered as a React
 * transition so the work is time-sliced and the page stays responsive while training.
 */
import { useId, useMemo } from 'react';
import { debiasedEma } from '../core/smoothing.ts';
import { useLabStore } from '../store/labStore.ts';
import type { StepSeries } from '../store/trainingSlice.ts';
import type { EpochRecord, NanEvent, RunPlan } from '../worker/protocol.ts';
import { StepChart, useThrottled, type ChartLine } from './charts.tsx';
import { ExportableChart } from './ChartExportButtons.tsx';
import type { MessageKey } from './i18n/en.ts';
import { useT, type T } from './i18n/index.ts';

/** Minimum time between two redraws while training, ms. */
const REDRAW_MS = 350;

interface Snapshot {
  version: number;
  n: number;
  series: StepSeries;
  epochs: EpochRecord[];
  nanEvents: NanEvent[];
  plan: RunPlan | null;
  running: boolean;
}

type ChartKind = 'loss' | 'lr' | 'momentum' | 'grad';

/**
 * One chart of a snapshot. Each chart follows the run with its own throttle, offset by `phase` ms, so
 * the four redraw in separate tasks (one recharts commit per task) rather than all in one long task.
 */
function LiveChart({
  kind,
  snap,
  phase,
  log,
  smoothing,
  t,
}: {
  kind: ChartKind;
  snap: Snapshot;
  phase: number;
  log: boolean;
  smoothing: number;
  t: T;
}) {
  const s = useThrottled(snap, REDRAW_MS, phase);
  return useMemo(() => {
    // Until this chart's first turn comes, hold its place (no layout jump).
    if (s === null) return <div className="chart-placeholder" />;
    const { series, plan, n, epochs } = s;
    if (plan === null) return null;
    // Views of the in-place series, cut at the snapshot's length.
    const cut = (a: number[]) => a.slice(0, n);
    const step = cut(series.step);
    const planX = Float64Array.from({ length: plan.totalSteps }, (_, i) => i);
    const markers = s.nanEvents.map((e) => e.step);
    const xLabel = (x: number) => t('chart.stepN', { n: x });
    const common = {
      markers,
      points: n,
      xLabel,
      testId: `chart-${kind}`,
      // While a run streams in, the charts skip tooltips and dots (cheaper redraws). The switch comes
      // through this chart's own staggered snapshot, so the four do not all redraw in one task.
      interactive: !s.running,
      xMax: plan.totalSteps - 1,
    };
    switch (kind) {
      case 'loss': {
        const loss = cut(series.loss);
        const smoothed = smoothing > 0 ? debiasedEma(loss, smoothing) : null;
        const epochX = epochs.map((e) => e.globalStep - 1);
        const lines: ChartLine[] = [
          {
            key: 'raw',
            name: t('chart.lossRaw'),
            x: step,
            y: loss,
            color: 'var(--accent)',
            opacity: smoothed ? 0.3 : 1,
            width: 1,
          },
        ];
        if (smoothed)
          lines.push({
            key: 'ema',
            name: t('chart.lossSmoothed'),
            x: step,
            y: smoothed,
            color: 'var(--accent)',
            width: 2,
          });
        if (epochs.length > 0) {
          lines.push({
            key: 'trainEpoch',
            name: t('chart.trainLossEpoch'),
            x: epochX,
            y: epochs.map((e) => e.trainLoss),
            color: 'var(--ok)',
            dots: epochs.length <= 30,
          });
          lines.push({
            key: 'valEpoch',
            name: t('chart.valLossEpoch'),
            x: epochX,
            y: epochs.map((e) => e.val.loss),
            color: 'var(--val)',
            dots: epochs.length <= 30,
          });
        }
        return (
          <StepChart
            {...common}
            label={t('chart.loss')}
            lines={lines}
            log={log}
            markerLabel={t('chart.nanMarker')}
            caption={t('chart.lossCaption', { loss: t(`loss.${plan.config.loss.kind}` as const) })}
          />
        );
      }
      case 'lr':
        return (
          <StepChart
            {...common}
            label={t('chart.lr')}
            lines={[
              {
                key: 'planned',
                name: t('chart.planned'),
                x: planX,
                y: plan.plannedLr,
                color: 'var(--muted)',
                dashed: true,
              },
              { key: 'actual', name: t('chart.actual'), x: step, y: cut(series.lr), color: 'var(--lr)' },
            ]}
          />
        );
      case 'momentum': {
        const lines: ChartLine[] = [];
        if (plan.plannedMomentum)
          lines.push({
            key: 'planned',
            name: t('chart.planned'),
            x: planX,
            y: plan.plannedMomentum,
            color: 'var(--muted)',
            dashed: true,
          });
        lines.push({
          key: 'actual',
          name: t('chart.actual'),
          x: step,
          y: cut(series.momentum),
          color: 'var(--mom)',
        });
        return <StepChart {...common} label={t('chart.momentum')} lines={lines} />;
      }
      case 'grad': {
        const clippedCount = cut(series.clipped).reduce((a, c) => a + c, 0);
        const maxNorm = plan.config.clip.maxNorm;
        return (
          <StepChart
            {...common}
            label={t('chart.gradNorm')}
            lines={[
              {
                key: 'pre',
                name: t('chart.beforeClip'),
                x: step,
                y: cut(series.gradPre),
                color: 'var(--bad)',
                width: 1.2,
              },
              {
                key: 'post',
                name: t('chart.afterClip'),
                x: step,
                y: cut(series.gradPost),
                color: 'var(--ok)',
              },
            ]}
            log
            refY={maxNorm !== null ? { y: maxNorm, label: `max_norm ${maxNorm}` } : null}
            caption={
              maxNorm === null
                ? t('chart.clipOff')
                : t('chart.clippedShare', {
                    pct: ((100 * clippedCount) / Math.max(1, n)).toFixed(0),
                    k: clippedCount,
                    n,
                  })
            }
          />
        );
      }
    }
  }, [s, kind, log, smoothing, t]);
}

const KINDS: readonly ChartKind[] = ['loss', 'lr', 'momentum', 'grad'];
const KIND_LABEL = {
  loss: 'chart.loss',
  lr: 'chart.lr',
  momentum: 'chart.momentum',
  grad: 'chart.gradNorm',
} as const satisfies Record<ChartKind, MessageKey>;

export function LiveCharts() {
  const t = useT();
  const training = useLabStore((s) => s.training);
  const chart = useLabStore((s) => s.chart);
  const setChart = useLabStore((s) => s.setChart);
  const sliderId = useId();
  const snapshot = useMemo<Snapshot>(
    () => ({
      version: training.seriesVersion,
      n: training.series.step.length,
      series: training.series,
      epochs: training.epochs,
      nanEvents: training.nanEvents,
      plan: training.plan,
      running: training.status === 'running',
    }),
    // The series arrays grow in place: seriesVersion says when they changed.

    [
      training.seriesVersion,
      training.series,
      training.epochs,
      training.nanEvents,
      training.plan,
      training.status,
    ],
  );
  const shown = useThrottled(snapshot, REDRAW_MS) ?? snapshot;
  if (shown.n === 0 || shown.plan === null) return null;
  return (
    <section
      className="card wide"
      aria-labelledby="charts-title"
      data-testid="live-charts"
      data-version={shown.version}
    >
      <div className="row spread">
        <h2 id="charts-title">{t('charts.title')}</h2>
        <div className="row">
          <label className="inline">
            <input
              type="checkbox"
              checked={chart.logLoss}
              onChange={(ev) => setChart({ logLoss: ev.target.checked })}
            />{' '}
            {t('charts.logScale')}
          </label>
          <label htmlFor={sliderId} className="inline">
            {t('charts.smoothing')}
          </label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={chart.smoothing}
            onChange={(ev) => setChart({ smoothing: Number(ev.target.value) })}
          />
          <output htmlFor={sliderId} className="mono">
            {chart.smoothing.toFixed(2)}
          </output>
        </div>
      </div>
      <div className="charts">
        {KINDS.map((kind, i) => (
          <ExportableChart
            key={kind}
            name={`training-${kind}`}
            label={t(KIND_LABEL[kind])}
            svgLabel={t('chart.downloadSvg', { chart: t(KIND_LABEL[kind]) })}
            pngLabel={t('chart.downloadPng', { chart: t(KIND_LABEL[kind]) })}
          >
            <LiveChart
              kind={kind}
              snap={snapshot}
              phase={60 + i * 90}
              log={chart.logLoss}
              smoothing={chart.smoothing}
              t={t}
            />
          </ExportableChart>
        ))}
      </div>
    </section>
  );
}
