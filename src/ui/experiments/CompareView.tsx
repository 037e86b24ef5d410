/**
 * The comparison of the runs picked in the run list: overlaid curves (training loss, validation MAE per
 * epoch, lr, momentum/β₁, gradient norm before clipping), the metrics table of a tuning report (val and
 * test MAE, RMSE, Pearson, Spearman; best epoch, time, steps) with deltas against a baseline run, and the
 * settings that differ. Every chart downloads as SVG and PNG; the table as CSV.
 */
import { useMemo } from 'react';
import { debiasedEma } from '../../core/smoothing.ts';
import {
  COMPARE_METRICS,
  configDiff,
  delta,
  runSummary,
  type RunSummary,
} from '../../store/history/compare.ts';
import { comparisonCsv } from '../../store/history/csv.ts';
import type { RunMeta, StepTable } from '../../store/history/types.ts';
import { useLabStore } from '../../store/labStore.ts';
import { ExportableChart } from '../ChartExportButtons.tsx';
import { StepChart, type ChartLine } from '../charts.tsx';
import { downloadBlob } from '../chartExport.ts';
import { fmt, useT, type T } from '../i18n/index.ts';
import { RUN_COLOURS, formatDuration } from '../format.ts';

type ChartKind = 'loss' | 'valMae' | 'lr' | 'momentum' | 'grad';
const CHARTS: readonly ChartKind[] = ['loss', 'valMae', 'lr', 'momentum', 'grad'];

/** The stored series each per-step chart (other than the loss) draws. */
const STEP_COLUMN = { lr: 'lr', momentum: 'momentum', grad: 'gradPre' } as const;

function stepsX(run: RunMeta, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => run.stepsFrom + i);
}

function linesFor(
  kind: ChartKind,
  runs: readonly RunMeta[],
  series: Record<string, { steps: StepTable } | undefined>,
  smoothing: number,
): ChartLine[] {
  const out: ChartLine[] = [];
  runs.forEach((run, k) => {
    const color = RUN_COLOURS[k % RUN_COLOURS.length]!;
    if (kind === 'valMae') {
      out.push({
        key: run.id,
        name: run.name,
        color,
        x: run.epochs.map((e) => e.epoch),
        y: run.epochs.map((e) => e.val.mae),
        dots: true,
      });
      return;
    }
    const s = series[run.id]?.steps;
    if (s === undefined || s.loss.length === 0) return;
    const y =
      kind === 'loss' ? (smoothing > 0 ? debiasedEma(s.loss, smoothing) : s.loss) : s[STEP_COLUMN[kind]];
    // Adagrad has no momentum (NaN throughout): no line rather than an empty one.
    if (kind === 'momentum' && !s.momentum.some((v) => Number.isFinite(v))) return;
    out.push({ key: run.id, name: run.name, color, x: stepsX(run, s.loss.length), y });
  });
  return out;
}

const CHART_TITLE: Record<
  ChartKind,
  'cmp.chart.loss' | 'cmp.chart.valMae' | 'cmp.chart.lr' | 'cmp.chart.momentum' | 'cmp.chart.grad'
> = {
  loss: 'cmp.chart.loss',
  valMae: 'cmp.chart.valMae',
  lr: 'cmp.chart.lr',
  momentum: 'cmp.chart.momentum',
  grad: 'cmp.chart.grad',
};

function CompareChart({
  kind,
  runs,
  series,
  smoothing,
  log,
  t,
}: {
  kind: ChartKind;
  runs: readonly RunMeta[];
  series: Record<string, { steps: StepTable } | undefined>;
  smoothing: number;
  log: boolean;
  t: T;
}) {
  const lines = useMemo(() => linesFor(kind, runs, series, smoothing), [kind, runs, series, smoothing]);
  const label = t(CHART_TITLE[kind]);
  const points = lines.reduce((s, l) => s + l.x.length, 0);
  return (
    <ExportableChart
      name={`comparison-${kind}`}
      label={label}
      svgLabel={t('chart.downloadSvg', { chart: label })}
      pngLabel={t('chart.downloadPng', { chart: label })}
      testId={`cmp-chart-${kind}`}
      dataLines={lines.length}
    >
      {lines.length === 0 ? (
        <figure className="chart" aria-label={label}>
          <figcaption>{label}</figcaption>
          <p className="muted small">
            {kind !== 'valMae' && runs.some((r) => series[r.id] === undefined)
              ? t('cmp.loading')
              : t('cmp.noData')}
          </p>
        </figure>
      ) : (
        <StepChart
          label={label}
          lines={lines}
          log={log && (kind === 'loss' || kind === 'valMae' || kind === 'grad')}
          points={points}
          xLabel={(x) => (kind === 'valMae' ? t('cmp.epochX', { x }) : t('cmp.stepX', { x }))}
          height={200}
        />
      )}
    </ExportableChart>
  );
}

type MetricCol =
  | {
      kind: 'metric';
      split: 'val' | 'test';
      key: (typeof COMPARE_METRICS)[number]['key'];
      lowerIsBetter: boolean;
    }
  | { kind: 'bestEpoch' | 'timeMs' | 'steps' };

const COLUMNS: MetricCol[] = [
  ...(['val', 'test'] as const).flatMap((split) =>
    COMPARE_METRICS.map((m): MetricCol => ({
      kind: 'metric',
      split,
      key: m.key,
      lowerIsBetter: m.lowerIsBetter,
    })),
  ),
  { kind: 'bestEpoch' },
  { kind: 'timeMs' },
  { kind: 'steps' },
];

const METRIC_NAME = { mae: 'MAE', rmse: 'RMSE', pearson: 'Pearson', spearman: 'Spearman' } as const;

function colName(c: MetricCol, t: T): string {
  if (c.kind === 'metric') return `${t(c.split === 'val' ? 'cmp.val' : 'cmp.test')} ${METRIC_NAME[c.key]}`;
  return t(c.kind === 'bestEpoch' ? 'cmp.bestEpoch' : c.kind === 'timeMs' ? 'cmp.time' : 'cmp.steps');
}

/** A column's id (CSV header, data-col): val_mae, test_spearman, best_epoch, time_ms, steps. */
function colId(c: MetricCol): string {
  if (c.kind === 'metric') return `${c.split}_${c.key}`;
  return c.kind === 'bestEpoch' ? 'best_epoch' : c.kind === 'timeMs' ? 'time_ms' : 'steps';
}

/** Lower is better for the error metrics and the time; the best epoch and the steps are not judged. */
function lowerIsBetter(c: MetricCol): boolean {
  return c.kind === 'metric' ? c.lowerIsBetter : true;
}

function judged(c: MetricCol): boolean {
  return c.kind === 'metric' || c.kind === 'timeMs';
}

function deltaText(c: MetricCol, diff: number, lang: string): string {
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const a = Math.abs(diff);
  if (c.kind === 'timeMs') {
    return a < 60_000
      ? `${sign}${new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 }).format(a / 1000)}`
      : `${sign}${formatDuration(a, lang)}`;
  }
  if (c.kind === 'metric') return `${sign}${fmt(a)}`;
  return `${sign}${a}`;
}

function colValue(c: MetricCol, s: RunSummary): number | null {
  if (c.kind === 'metric') return s[c.split]?.[c.key] ?? null;
  if (c.kind === 'bestEpoch') return s.bestEpoch;
  if (c.kind === 'timeMs') return s.timeMs;
  return s.steps;
}

function colText(c: MetricCol, v: number | null, lang: string): string {
  if (v === null) return '—';
  if (c.kind === 'timeMs') return formatDuration(v, lang);
  if (c.kind === 'metric') return fmt(v);
  return String(v);
}

function MetricsTable({ runs, baseline, t }: { runs: readonly RunMeta[]; baseline: RunMeta; t: T }) {
  const lang = useLabStore((s) => s.lang);
  const summaries = useMemo(() => runs.map(runSummary), [runs]);
  const base = runSummary(baseline);
  const exportCsv = () => {
    const columns = ['reported_epoch', ...COLUMNS.map(colId)];
    const rows = runs.map((r, i) => {
      const s = summaries[i]!;
      const values: Record<string, number | string | null> = { reported_epoch: s.reportedEpoch };
      COLUMNS.forEach((c) => (values[colId(c)] = colValue(c, s)));
      return { name: r.name, values };
    });
    downloadBlob(new Blob([comparisonCsv(rows, columns)], { type: 'text/csv' }), 'comparison.csv');
  };
  return (
    <>
      <div className="row spread">
        <h3>{t('cmp.metricsTitle')}</h3>
        <button type="button" onClick={exportCsv}>
          {t('cmp.exportCsv')}
        </button>
      </div>
      <div className="table-scroll">
        <table className="data compare" aria-label={t('cmp.metricsLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('cmp.run')}</th>
              {COLUMNS.map((c, j) => (
                <th key={j} scope="col" className="num">
                  {colName(c, t)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => {
              const s = summaries[i]!;
              const isBase = r.id === baseline.id;
              return (
                <tr key={r.id} data-run-id={r.id}>
                  <th scope="row">
                    <span
                      className="swatch"
                      style={{ color: RUN_COLOURS[i % RUN_COLOURS.length] }}
                      aria-hidden="true"
                    />{' '}
                    {r.name}
                    {isBase && <span className="muted small"> · {t('cmp.baselineMark')}</span>}
                    {s.reportedEpoch !== null && (
                      <div className="small muted">
                        {t(s.bestEpoch !== null ? 'cmp.reportedEpoch' : 'cmp.reportedLast', {
                          epoch: s.reportedEpoch,
                        })}
                      </div>
                    )}
                  </th>
                  {COLUMNS.map((c, j) => {
                    const v = colValue(c, s);
                    const d = isBase ? null : delta(v, colValue(c, base), lowerIsBetter(c));
                    return (
                      <td key={j} className="num mono" data-col={colId(c)}>
                        <div>{colText(c, v, lang)}</div>
                        {d !== null && (
                          <div
                            className={`small delta ${d.better === null || !judged(c) ? '' : d.better ? 'good' : 'bad'}`}
                          >
                            {deltaText(c, d.diff, lang)}
                            {judged(c) && d.better !== null && (
                              <span className="visually-hidden">
                                {' '}
                                {t(d.better ? 'cmp.betterShort' : 'cmp.worseShort')}
                              </span>
                            )}
                          </div>
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ConfigDiff({ runs, t }: { runs: readonly RunMeta[]; t: T }) {
  const rows = useMemo(() => configDiff(runs.map((r) => r.config)), [runs]);
  const dataRows = useMemo(() => {
    const fp = runs.map((r) => r.dataset.fingerprint);
    return fp.some((f) => f !== fp[0])
      ? runs.map((r) => `${r.dataset.name} (${r.dataset.fingerprint.slice(0, 8)})`)
      : null;
  }, [runs]);
  return (
    <>
      <h3>{t('cmp.diffTitle')}</h3>
      {rows.length === 0 && dataRows === null ? (
        <p className="muted small">{t('cmp.diffNone')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data compare" aria-label={t('cmp.diffLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('cmp.setting')}</th>
                {runs.map((r) => (
                  <th key={r.id} scope="col">
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {dataRows !== null && (
                <tr>
                  <th scope="row" className="mono">
                    dataset
                  </th>
                  {dataRows.map((v, i) => (
                    <td key={i}>{v}</td>
                  ))}
                </tr>
              )}
              {rows.map((row) => (
                <tr key={row.path}>
                  <th scope="row" className="mono">
                    {row.path}
                  </th>
                  {row.values.map((v, i) => (
                    <td key={i} className="mono">
                      {v}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function CompareView({ runs }: { runs: readonly RunMeta[] }) {
  const t = useT();
  const series = useLabStore((s) => s.history.series);
  const baselineId = useLabStore((s) => s.history.baseline);
  const setBaseline = useLabStore((s) => s.historyBaseline);
  const chart = useLabStore((s) => s.chart);
  const baseline = runs.find((r) => r.id === baselineId) ?? runs[0]!;
  return (
    <section className="card" aria-labelledby="cmp-title">
      <h2 id="cmp-title">{t('cmp.title')}</h2>
      <div className="row">
        <label className="inline">
          {t('cmp.baseline')}{' '}
          <select value={baseline.id} onChange={(ev) => setBaseline(ev.target.value)}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        {runs.length === 1 && <span className="muted small">{t('cmp.pickMore')}</span>}
      </div>
      <div className="charts">
        {CHARTS.map((kind) => (
          <CompareChart
            key={kind}
            kind={kind}
            runs={runs}
            series={series}
            smoothing={chart.smoothing}
            log={chart.logLoss}
            t={t}
          />
        ))}
      </div>
      <MetricsTable runs={runs} baseline={baseline} t={t} />
      <ConfigDiff runs={runs} t={t} />
    </section>
  );
}
