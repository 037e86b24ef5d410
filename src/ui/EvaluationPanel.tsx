/**
 * What the model predicts: parity plot (predicted vs true) and residual histogram for the validation or
 * test split, and the Huber vs MSE panel — both losses and their gradients against the residual (in
 * normalised units, where the loss acts), with the validation set's current residuals overlaid, so one
 * sees which residuals get a capped gradient.
 */
import { memo, useId, useMemo, useState } from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { histogram, quantile } from '../core/histogram.ts';
import { lossGradOfResidual, lossOfResidual } from '../core/losses.ts';
import { evaluateSplit } from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import type { EvalResult } from '../worker/protocol.ts';
import { HtmlLegend, niceTicks, symmetricTicks, TICKS, useThrottled } from './charts.tsx';
import { fmt, useT, type T } from './i18n/index.ts';

/** Points drawn in the parity plot (a stride sample beyond this; each point is an SVG element). */
const MAX_SCATTER = 600;

const ParityPlot = memo(function ParityPlot({ e: eNow, t, unit }: { e: EvalResult; t: T; unit: string }) {
  // Each chart of the panel redraws in its own task (staggered), not all four in one.
  const eShown = useThrottled(eNow, 0, 60);
  const e = eShown ?? eNow;
  const { points, lo, hi } = useMemo(() => {
    const stride = Math.max(1, Math.ceil(e.n / MAX_SCATTER));
    const pts: { y: number; p: number; id: string }[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < e.n; i++) {
      const y = e.targets[i]!;
      const p = e.predictions[i]!;
      lo = Math.min(lo, y, p);
      hi = Math.max(hi, y, p);
      if (i % stride === 0) pts.push({ y, p, id: e.ids[i] ?? '' });
    }
    const pad = (hi - lo) * 0.04 || 1;
    return { points: pts, lo: lo - pad, hi: hi + pad };
  }, [e]);
  // Its first appearance waits its turn too (staggered mounts).
  if (eShown === null) return <div className="chart-placeholder" />;
  return (
    <figure className="chart" aria-label={t('eval.parity')} data-testid="parity-plot" data-points={e.n}>
      <figcaption>
        {t('eval.parity')}{' '}
        <span className="muted">
          · MAE {fmt(e.mae)}, R² {fmt(e.r2, 3)}
        </span>
      </figcaption>
      <ResponsiveContainer width="100%" height={250}>
        <ScatterChart margin={{ top: 6, right: 12, bottom: 18, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.35} />
          <XAxis
            type="number"
            dataKey="y"
            name={t('eval.true')}
            domain={[lo, hi]}
            ticks={niceTicks(lo, hi)}
            interval={0}
            tick={TICKS.x1}
            label={{
              value: `${t('eval.true')} (${unit})`,
              position: 'insideBottom',
              offset: -10,
              fill: 'var(--muted)',
            }}
          />
          <YAxis
            type="number"
            dataKey="p"
            name={t('eval.predicted')}
            domain={[lo, hi]}
            ticks={niceTicks(lo, hi)}
            width={56}
            interval={0}
            tick={TICKS.y1}
          />
          <Tooltip formatter={(v) => fmt(Number(v))} />
          <ReferenceLine
            segment={[
              { x: lo, y: lo },
              { x: hi, y: hi },
            ]}
            stroke="var(--muted)"
            strokeDasharray="5 4"
            ifOverflow="hidden"
          />
          <Scatter
            data={points}
            fill="var(--accent)"
            fillOpacity={0.55}
            isAnimationActive={false}
            shape="circle"
          />
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
});

const ResidualHistogram = memo(function ResidualHistogram({
  e: eNow,
  t,
  unit,
}: {
  e: EvalResult;
  t: T;
  unit: string;
}) {
  const eShown = useThrottled(eNow, 0, 160);
  const e = eShown ?? eNow;
  const data = useMemo(() => {
    const r = Array.from({ length: e.n }, (_, i) => e.predictions[i]! - e.targets[i]!);
    const a = Math.max(Math.abs(quantile(r, 0.01)), Math.abs(quantile(r, 0.99))) || 1;
    const h = histogram(r, 31, -a, a);
    return Array.from(h.counts, (c, i) => ({ x: (h.edges[i]! + h.edges[i + 1]!) / 2, count: c }));
  }, [e]);
  // Its first appearance waits its turn too (staggered mounts).
  if (eShown === null) return <div className="chart-placeholder" />;
  return (
    <figure className="chart" aria-label={t('eval.residuals')} data-testid="residual-histogram">
      <figcaption>
        {t('eval.residuals')} <span className="muted">({unit})</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={250}>
        {/* A step area, not bars: one SVG path instead of a component per bin (cheap to redraw). */}
        <AreaChart data={data} margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.35} />
          <XAxis
            dataKey="x"
            type="number"
            domain={['dataMin', 'dataMax']}
            ticks={symmetricTicks(Math.max(...data.map((d) => Math.abs(d.x))))}
            interval={0}
            tick={TICKS.x2}
          />
          <YAxis allowDecimals={false} width={40} interval={0} tick={TICKS.yCount} />
          <Tooltip
            formatter={(v) => [String(v), t('eval.crystals')]}
            labelFormatter={(v) => `${t('eval.residual')} ≈ ${fmt(Number(v))}`}
          />
          <ReferenceLine x={0} stroke="var(--muted)" />
          <Area
            type="step"
            dataKey="count"
            stroke="var(--accent)"
            fill="var(--accent)"
            fillOpacity={0.35}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** One of the Huber/MSE charts (loss or gradient against the residual), redrawn in its own task. */
const HuberChart = memo(function HuberChart({
  kind: key,
  rows: rowsNow,
  delta,
  hasResiduals,
  t,
}: {
  kind: 'loss' | 'grad';
  rows: HuberRow[];
  delta: number;
  hasResiduals: boolean;
  t: T;
}) {
  const rowsShown = useThrottled(rowsNow, 0, key === 'loss' ? 260 : 360);
  const rows = rowsShown ?? rowsNow;
  const extent = Math.max(...rows.map((r) => Math.abs(r.e)), 0.1);
  // Its first appearance waits its turn too (staggered mounts).
  if (rowsShown === null) return <div className="chart-placeholder" />;
  return (
    <figure className="chart" aria-label={key === 'loss' ? t('huber.lossChart') : t('huber.gradChart')}>
      <figcaption>
        {key === 'loss' ? t('huber.lossChart') : t('huber.gradChart')}
        <HtmlLegend
          items={[
            ...(hasResiduals ? [{ key: 'n', name: t('huber.valResiduals'), color: 'var(--border)' }] : []),
            { key: 'mse', name: 'MSE', color: 'var(--bad)' },
            { key: 'huber', name: `Huber δ=${delta}`, color: 'var(--ok)' },
          ]}
        />
      </figcaption>
      <ResponsiveContainer width="100%" height={210}>
        <ComposedChart data={rows} margin={{ top: 6, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.35} />
          <XAxis
            dataKey="e"
            type="number"
            domain={[-extent, extent]}
            ticks={symmetricTicks(extent)}
            interval={0}
            tick={TICKS.x1}
          />
          <YAxis yAxisId="f" width={44} interval={0} tick={TICKS.y1} />
          <YAxis
            yAxisId="n"
            orientation="right"
            width={34}
            allowDecimals={false}
            interval={0}
            tick={TICKS.yrCount}
          />
          <Tooltip formatter={(v) => fmt(Number(v), 3)} labelFormatter={(v) => `e = ${fmt(Number(v), 3)}`} />
          {hasResiduals && (
            <Area
              yAxisId="n"
              type="step"
              dataKey="count"
              name={t('huber.valResiduals')}
              stroke="var(--muted)"
              strokeOpacity={0.5}
              fill="var(--muted)"
              fillOpacity={0.18}
              isAnimationActive={false}
            />
          )}
          <ReferenceLine yAxisId="f" x={delta} stroke="var(--muted)" strokeDasharray="3 3" />
          <ReferenceLine yAxisId="f" x={-delta} stroke="var(--muted)" strokeDasharray="3 3" />
          <Line
            yAxisId="f"
            dataKey={key === 'loss' ? 'mse' : 'gmse'}
            name="MSE"
            stroke="var(--bad)"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            yAxisId="f"
            dataKey={key === 'loss' ? 'huber' : 'ghuber'}
            name={`Huber δ=${delta}`}
            stroke="var(--ok)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
});

/** A row of the Huber/MSE charts: residual e, validation count in its bin, both losses and gradients. */
interface HuberRow {
  e: number;
  count: number;
  mse: number;
  huber: number;
  gmse: number;
  ghuber: number;
}

/**
 * Huber(δ) and MSE against the residual e (normalised units), and their gradients dℓ/de, over the
 * validation residuals' histogram. torch's definitions: MSE e², Huber ½e² for |e| ≤ δ else δ(|e| − ½δ).
 */
const HuberVsMse = memo(function HuberVsMse({
  val,
  std,
  delta0,
  t,
}: {
  val: EvalResult | undefined;
  std: number;
  delta0: number;
  t: T;
}) {
  const [delta, setDelta] = useState(delta0);
  const sliderId = useId();
  const res = useMemo(
    () => (val ? Array.from({ length: val.n }, (_, i) => (val.predictions[i]! - val.targets[i]!) / std) : []),
    [val, std],
  );
  const { rows, beyond } = useMemo(() => {
    // quantile() ignores non-finite residuals (a diverged model); with none finite, q is NaN → 0.
    const q = Math.max(Math.abs(quantile(res, 0.005)), Math.abs(quantile(res, 0.995))) || 0;
    const a = Math.max(3 * delta, Math.min(6, q * 1.1), 0.5);
    const bins = 41;
    const h = res.length > 0 ? histogram(res, bins, -a, a) : null;
    const rows = Array.from({ length: bins }, (_, i) => {
      const x = -a + ((i + 0.5) * 2 * a) / bins;
      const huber = { kind: 'huber', delta } as const;
      return {
        e: x,
        count: h ? h.counts[i]! : 0,
        mse: lossOfResidual({ kind: 'mse' }, x),
        huber: lossOfResidual(huber, x),
        gmse: lossGradOfResidual({ kind: 'mse' }, x),
        ghuber: lossGradOfResidual(huber, x),
      };
    });
    const beyond = res.length > 0 ? res.filter((r) => Math.abs(r) > delta).length / res.length : null;
    return { rows, beyond };
  }, [res, delta]);
  const chart = (key: 'loss' | 'grad') => (
    <HuberChart key={key} kind={key} rows={rows} delta={delta} hasResiduals={res.length > 0} t={t} />
  );
  return (
    <div data-testid="huber-mse" data-beyond={beyond ?? ''}>
      <div className="row">
        <label htmlFor={sliderId}>δ</label>
        <input
          id={sliderId}
          type="range"
          min={0.05}
          max={2}
          step={0.05}
          value={delta}
          onChange={(ev) => setDelta(Number(ev.target.value))}
        />
        <output htmlFor={sliderId} className="mono">
          {delta.toFixed(2)}
        </output>
        <span className="small muted">{t('huber.units')}</span>
      </div>
      <div className="charts two">
        {chart('loss')}
        {chart('grad')}
      </div>
      <p className="small">
        {beyond === null
          ? t('huber.noResiduals')
          : t('huber.beyond', { pct: (100 * beyond).toFixed(0), delta: delta.toFixed(2) })}
      </p>
    </div>
  );
});

export function EvaluationPanel() {
  const t = useT();
  // Throttled (a fast run evaluates every epoch): the scatter and histograms redraw at most every 1.5 s.
  const evals =
    useThrottled(
      useLabStore((s) => s.evaluations),
      1500,
    ) ?? {};
  const plan = useLabStore((s) => s.training.plan);
  const status = useLabStore((s) => s.training.status);
  const recipe = useLabStore((s) => s.recipe);
  const target = useLabStore((s) => s.dataset.loaded?.target ?? '');
  const [split, setSplit] = useState<'val' | 'test'>('val');
  const e = evals[split];
  const loss = plan?.config.loss ?? recipe.loss;
  const delta0 = loss.kind === 'huber' ? loss.delta : 0.2;
  const std = plan?.normalizer.std ?? 1;
  const unit = target;
  return (
    <section className="card wide" aria-labelledby="eval-title" data-testid="evaluation-panel">
      <div className="row spread">
        <h2 id="eval-title">{t('eval.title')}</h2>
        <div className="row" role="group" aria-label={t('eval.split')}>
          {(['val', 'test'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={split === s} onClick={() => setSplit(s)}>
              {t(`eval.${s}` as const)}
            </button>
          ))}
          <button
            type="button"
            onClick={() => (evaluateSplit('val'), evaluateSplit('test'))}
            disabled={plan === null || status === 'starting'}
          >
            {t('eval.refresh')}
          </button>
        </div>
      </div>
      {e === undefined ? (
        <p className="muted">{t('eval.none')}</p>
      ) : (
        <div className="charts two">
          <ParityPlot e={e} t={t} unit={unit} />
          <ResidualHistogram e={e} t={t} unit={unit} />
        </div>
      )}
      <h3>{t('huber.title')}</h3>
      <HuberVsMse key={delta0} val={evals.val} std={std} delta0={delta0} t={t} />
    </section>
  );
}
