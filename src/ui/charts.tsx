/**
 * Chart building blocks: a step-indexed line chart whose series are downsampled (min/max buckets, so a
 * spike survives) and merged on a shared x axis, with vertical event markers (NaN steps) and horizontal
 * reference lines (max_norm). Updates are throttled so a fast run redraws a few times a second, not at
 * every message.
 */
import { memo, startTransition, useEffect, useRef, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { downsampleMinMax } from '../core/downsample.ts';
import { fmt } from './i18n/index.ts';

/** Points per drawn series: enough for a smooth curve, few enough to redraw quickly. */
export const MAX_POINTS = 240;

/**
 * An axis tick as a plain SVG text. recharts' default tick is a <Text> that measures every label with
 * a forced layout (getBoundingClientRect) at every redraw; these labels are short numbers that need no
 * wrapping, so they are drawn as they are.
 */
export function plainTick(axis: 'x' | 'y' | 'yr', format: (v: number) => string) {
  return function PlainTick(props: {
    x?: number | string;
    y?: number | string;
    payload?: { value?: unknown };
  }) {
    const v = Number(props.payload?.value);
    return (
      <text
        x={Number(props.x)}
        y={Number(props.y)}
        dy={axis === 'x' ? '0.9em' : '0.32em'}
        dx={axis === 'y' ? -2 : axis === 'yr' ? 2 : 0}
        textAnchor={axis === 'x' ? 'middle' : axis === 'y' ? 'end' : 'start'}
        fontSize={12}
        fill="var(--muted)"
      >
        {format(v)}
      </text>
    );
  };
}

/** A short tick label: three significant digits, exponent form outside [1e-3, 1e5). */
export function tickLabel(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

const X_TICK = plainTick('x', (v) => String(v));
const Y_TICK = plainTick('y', tickLabel);

/** Plain ticks for the app's charts (use with interval={0}: no label measuring). */
export const TICKS = {
  x1: plainTick('x', tickLabel),
  x2: plainTick('x', tickLabel),
  xInt: plainTick('x', (v) => String(v)),
  xExp: plainTick('x', (v) => v.toExponential(0)),
  y1: plainTick('y', tickLabel),
  y2: plainTick('y', tickLabel),
  y3: plainTick('y', tickLabel),
  yCount: plainTick('y', (v) => (v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : String(v))),
  yrCount: plainTick('yr', (v) => String(v)),
  yr2: plainTick('yr', (v) => v.toFixed(2)),
};

/** A legend in HTML: recharts' own <Legend> measures itself with layout reads at every redraw. */
export function HtmlLegend({
  items,
}: {
  items: readonly { key: string; name: string; color: string; dashed?: boolean }[];
}) {
  return (
    <span className="legend">
      {items.map((l) => (
        <span key={l.key} className="legend-item">
          <span className={`swatch${l.dashed === true ? ' dashed' : ''}`} style={{ borderColor: l.color }} />
          {l.name}
        </span>
      ))}
    </span>
  );
}

export interface ChartLine {
  key: string;
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  dashed?: boolean;
  width?: number;
  opacity?: number;
  /** Draw the points (for sparse per-epoch series). */
  dots?: boolean;
}

/**
 * `value`, updated at most every `ms` (the last change always lands). The update is a transition, so
 * the re-render it causes (charts) is time-sliced by React instead of blocking the main thread.
 */
export function useThrottled<V>(value: V, ms: number, phase = 0): V | null {
  // With a phase, even the first appearance waits (so several charts do not mount in one task).
  const [shown, setShown] = useState<V | null>(phase > 0 ? null : value);
  const last = useRef(0);
  useEffect(() => {
    // `phase` delays this consumer's updates, so several charts redraw in separate tasks.
    const wait = Math.max(0, last.current + ms - performance.now()) + phase;
    const show = () => {
      last.current = performance.now();
      startTransition(() => setShown(value));
    };
    if (wait <= 0) {
      show();
      return undefined;
    }
    const id = window.setTimeout(show, wait);
    return () => window.clearTimeout(id);
  }, [value, ms, phase]);
  return shown;
}

/**
 * Ticks for a log axis over [lo, hi] (lo > 0): the 1-2-5 values of each decade inside the range, or
 * only the powers of ten when that gives too many; with the range's ends when too few fall inside.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const d0 = Math.floor(Math.log10(lo));
  const d1 = Math.ceil(Math.log10(hi));
  const within = (mantissas: number[]) => {
    const out: number[] = [];
    for (let d = d0; d <= d1; d++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** d).toPrecision(6));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    return out;
  };
  let out = within(d1 - d0 > 3 ? [1] : [1, 2, 5]);
  // A narrow range (less than a factor of ~5): every digit of the decade.
  if (out.length < 3) out = within([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (out.length < 2) return [Number(lo.toPrecision(2)), Number(hi.toPrecision(2))];
  return out;
}

/** Ticks 0, ±s, ±2s … within [−a, a], s the largest round number (1, 2, 5 × 10ᵏ) ≤ a/2.5 (2–5 per side). */
export function symmetricTicks(a: number): number[] {
  if (!(a > 0) || !Number.isFinite(a)) return [0];
  const raw = a / 2.5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const s = [5, 2, 1].map((m) => m * p).find((x) => x <= raw) ?? p;
  const n = Math.floor(a / s + 1e-9);
  return Array.from({ length: 2 * n + 1 }, (_, i) => Number(((i - n) * s).toPrecision(6)));
}

/** Round ticks (step 1, 2 or 5 × 10ᵏ, about `count` of them) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step)
    out.push(Number(v.toPrecision(6)));
  return out;
}

/** Event markers drawn at most (a blow-up can have hundreds; each is a recharts element). */
const MAX_MARKERS = 40;

/** At most `n` of `xs`, evenly spread (first and last kept). */
export function spread<V>(xs: readonly V[], n: number): V[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

/**
 * One line's points for recharts, downsampled (min/max buckets) to at most `maxPoints`. Each line gets
 * its own data (not rows merged on x), so a line costs its own points only. A log axis cannot draw
 * y ≤ 0: such points are dropped (the line bridges them); non-finite values likewise.
 */
export function linePoints(l: ChartLine, log: boolean, maxPoints = MAX_POINTS): { x: number; y: number }[] {
  const d = downsampleMinMax(l.x, l.y, maxPoints);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < d.x.length; i++) {
    const y = d.y[i]!;
    if (Number.isFinite(y) && (!log || y > 0)) out.push({ x: d.x[i]!, y });
  }
  return out;
}

export const StepChart = memo(function StepChart({
  label,
  lines,
  log = false,
  markers = [],
  markerLabel,
  refY,
  height = 180,
  points,
  testId,
  xLabel,
  caption,
  interactive = true,
  xMax,
}: {
  label: string;
  lines: readonly ChartLine[];
  log?: boolean;
  /** x positions of events (drawn as red dashed vertical lines). */
  markers?: readonly number[];
  markerLabel?: string;
  refY?: { y: number; label: string } | null;
  height?: number;
  /** Raw points behind the chart (exposed as data-points). */
  points: number;
  testId?: string;
  xLabel: (x: number) => string;
  caption?: string;
  /**
   * Tooltip and point dots (costly to redraw): on when the chart is still, off while a run streams in.
   */
  interactive?: boolean;
  /** Fixes the x axis to [0, xMax] (the whole run), so points fill in against the plan. */
  xMax?: number;
}) {
  const data = lines.map((l) => linePoints(l, log));
  // A log axis gets 1-2-5 ticks over the data's range (recharts' own log ticks crowd or vanish).
  let yTicks: number[] | undefined;
  let yDomain: [number, number] | ['auto', 'auto'] = ['auto', 'auto'];
  if (log) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of data) {
      for (const p of d) {
        lo = Math.min(lo, p.y);
        hi = Math.max(hi, p.y);
      }
    }
    if (Number.isFinite(lo) && hi > 0) {
      yDomain = [lo, hi];
      yTicks = logTicks(lo, hi);
    }
  }
  return (
    <figure className="chart" aria-label={label} data-testid={testId} data-points={points}>
      <figcaption>
        {label}
        {caption !== undefined && <span className="muted"> · {caption}</span>}
        <HtmlLegend items={lines} />
      </figcaption>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart margin={{ top: 6, right: 10, bottom: 2, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.35} vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            domain={xMax !== undefined ? [0, Math.max(1, xMax)] : ['dataMin', 'dataMax']}
            allowDataOverflow={xMax !== undefined}
            tick={X_TICK}
          />
          <YAxis
            scale={log ? 'log' : 'auto'}
            domain={yDomain}
            {...(yTicks !== undefined ? { ticks: yTicks } : {})}
            allowDataOverflow={log}
            interval={0}
            width={62}
            tick={Y_TICK}
          />
          {interactive && (
            <Tooltip formatter={(v) => fmt(Number(v))} labelFormatter={(v) => xLabel(Number(v))} />
          )}
          {spread(markers, MAX_MARKERS).map((m, i) => (
            <ReferenceLine
              key={`m${i}`}
              x={m}
              stroke="var(--bad)"
              strokeDasharray="4 3"
              label={
                i === 0 && markerLabel !== undefined
                  ? { value: markerLabel, fill: 'var(--bad)', fontSize: 12, position: 'insideTopRight' }
                  : undefined
              }
            />
          ))}
          {refY !== undefined && refY !== null && (
            <ReferenceLine
              y={refY.y}
              stroke="var(--muted)"
              strokeDasharray="6 4"
              label={{ value: refY.label, fill: 'var(--muted)', fontSize: 12, position: 'insideBottomRight' }}
            />
          )}
          {lines.map((l, k) => (
            <Line
              key={l.key}
              data={data[k]}
              dataKey="y"
              name={l.name}
              stroke={l.color}
              strokeWidth={l.width ?? 1.6}
              strokeOpacity={l.opacity ?? 1}
              strokeDasharray={l.dashed === true ? '5 3' : undefined}
              dot={interactive && l.dots === true ? { r: 3 } : false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});
