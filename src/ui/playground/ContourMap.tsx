/**
 * The playground's map: a heat map of f with contour lines, the known critical points, every run's path
 * up to the shown step, and — at the hovered (or keyboard-probed) point — the descent direction −∇f and
 * the Hessian's eigen-directions (solid: positive curvature, dashed: negative), with the curvature type.
 * Drawn on a canvas (the heat image and contour paths are cached per surface; an animation frame only
 * redraws paths). Click (or Enter on the probe) sets the start.
 */
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { contourLevels, isolines, sampleGrid, type Grid2D } from '../../core/contours.ts';
import { classifyCriticalPoint, hessianEigen } from '../../core/functions2d.ts';
import type { Surface2D } from '../../core/expr.ts';
import { tickLabel } from '../charts.tsx';
import { colourScale, viridis, type Box, type ColourScale, type Critical } from './surface.ts';

export interface MapPath {
  id: string;
  color: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  start: readonly [number, number];
}

export interface Probe {
  x: number;
  y: number;
}

/** Grid resolution of the heat map (the image is smoothed when scaled up). */
const NX = 160;
const NY = 120;
const LEVELS = 14;

/** The grid, its colour scale, heat image and contour paths (in world coordinates) for a surface. */
function useField(surface: Surface2D, box: Box, log: boolean) {
  return useMemo(() => {
    const grid = sampleGrid((x, y) => surface.f(x, y), box, NX, NY);
    const scale = colourScale(grid.min, grid.max, log);
    const levels = contourLevels(grid, LEVELS, log ? 'log' : 'linear');
    const lines = levels.map((l) => isolines(grid, l));
    return { grid, scale, lines };
  }, [surface, box, log]);
}

export function heatImage(grid: Grid2D, scale: ColourScale): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = grid.nx;
  c.height = grid.ny;
  const ctx = c.getContext('2d');
  if (ctx === null) return c;
  const img = ctx.createImageData(grid.nx, grid.ny);
  for (let j = 0; j < grid.ny; j++) {
    for (let i = 0; i < grid.nx; i++) {
      const [r, g, b, a] = viridis(scale.u(grid.values[j * grid.nx + i]!));
      // Canvas rows go down; grid rows go up in y.
      const o = ((grid.ny - 1 - j) * grid.nx + i) * 4;
      img.data[o] = r;
      img.data[o + 1] = g;
      img.data[o + 2] = b;
      img.data[o + 3] = a;
    }
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** Strokes isoline segments ([x0, y0, x1, y1, …] in world coordinates) with the current style. */
export function strokeSegments(
  ctx: CanvasRenderingContext2D,
  lines: readonly Float64Array[],
  px: (x: number, y: number) => [number, number],
): void {
  ctx.beginPath();
  for (const seg of lines) {
    for (let k = 0; k + 3 < seg.length; k += 4) {
      const [a, b] = px(seg[k]!, seg[k + 1]!);
      const [c, d] = px(seg[k + 2]!, seg[k + 3]!);
      ctx.moveTo(a, b);
      ctx.lineTo(c, d);
    }
  }
  ctx.stroke();
}

const KIND_MARK: Record<Critical['kind'], string> = {
  minimum: '●',
  maximum: '▲',
  saddle: '✕',
  degenerate: '◆',
};

export const ContourMap = memo(function ContourMap({
  surface,
  box,
  log,
  paths,
  step,
  critical,
  start,
  probe,
  onProbe,
  onStart,
  label,
  height = 380,
}: {
  surface: Surface2D;
  box: Box;
  log: boolean;
  paths: readonly MapPath[];
  step: number;
  critical: readonly Critical[];
  start: readonly [number, number];
  probe: Probe | null;
  onProbe: (p: Probe | null) => void;
  onStart: (x: number, y: number) => void;
  label: string;
  height?: number;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(560);
  const field = useField(surface, box, log);
  const heat = useMemo(() => heatImage(field.grid, field.scale), [field]);

  useEffect(() => {
    const el = wrap.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w !== undefined && w > 0) setWidth(Math.round(w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const w = width;
  const h = height;
  const toPx = (x: number, y: number): [number, number] => [
    ((x - box.x[0]) / (box.x[1] - box.x[0])) * w,
    h - ((y - box.y[0]) / (box.y[1] - box.y[0])) * h,
  ];
  const toWorld = (px: number, py: number): [number, number] => [
    box.x[0] + (px / w) * (box.x[1] - box.x[0]),
    box.y[0] + ((h - py) / h) * (box.y[1] - box.y[0]),
  ];

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c === null || ctx === null || ctx === undefined) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, 0, 0, w, h);
    const px = (x: number, y: number) => toPx(x, y);
    // Contours.
    ctx.lineWidth = 0.8;
    ctx.strokeStyle = 'rgba(255,255,255,0.45)';
    strokeSegments(ctx, field.lines, px);
    // Critical points.
    ctx.font = '14px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const p of critical) {
      const [a, b] = px(p.x, p.y);
      ctx.fillStyle = 'rgba(0,0,0,0.55)';
      ctx.fillText(KIND_MARK[p.kind], a + 1, b + 1);
      ctx.fillStyle = '#fff';
      ctx.fillText(KIND_MARK[p.kind], a, b);
    }
    // Paths up to the shown step.
    for (const p of paths) {
      const n = Math.min(step, p.xs.length - 1);
      ctx.strokeStyle = p.color;
      ctx.lineWidth = 2.2;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let open = false;
      let last: [number, number] | null = null;
      for (let t = 0; t <= n; t++) {
        const x = p.xs[t]!;
        const y = p.ys[t]!;
        if (!Number.isFinite(x) || !Number.isFinite(y)) break;
        // Clamp far-away points to the frame edge (a diverging path leaves the window).
        const q = px(x, y);
        const cl: [number, number] = [
          Math.max(-10, Math.min(w + 10, q[0])),
          Math.max(-10, Math.min(h + 10, q[1])),
        ];
        if (!open) ctx.moveTo(cl[0], cl[1]);
        else ctx.lineTo(cl[0], cl[1]);
        open = true;
        last = cl;
      }
      ctx.stroke();
      const [sa, sb] = px(p.start[0], p.start[1]);
      ctx.fillStyle = p.color;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.rect(sa - 4, sb - 4, 8, 8);
      ctx.fill();
      ctx.stroke();
      if (last !== null) {
        ctx.beginPath();
        ctx.arc(last[0], last[1], 5, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
    }
    // Shared start.
    const [s0, s1] = px(start[0], start[1]);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(s0, s1, 8, 0, 2 * Math.PI);
    ctx.stroke();
    // Probe: −∇f and the Hessian's eigen-directions.
    if (probe !== null) {
      const [a, b] = px(probe.x, probe.y);
      const e = hessianEigen(surface.hessian(probe.x, probe.y));
      const len = 34;
      e.vectors.forEach((v, k) => {
        const lam = e.values[k]!;
        ctx.strokeStyle = lam >= 0 ? '#ffffff' : '#ff8a8a';
        ctx.setLineDash(lam >= 0 ? [] : [5, 4]);
        ctx.lineWidth = 2;
        ctx.beginPath();
        // Screen y is flipped.
        ctx.moveTo(a - v[0] * len, b + v[1] * len);
        ctx.lineTo(a + v[0] * len, b - v[1] * len);
        ctx.stroke();
      });
      ctx.setLineDash([]);
      const g = surface.grad(probe.x, probe.y);
      const gn = Math.hypot(g[0], g[1]);
      if (gn > 0 && Number.isFinite(gn)) {
        const ux = -g[0] / gn;
        const uy = -g[1] / gn;
        const ex = a + ux * 48;
        const ey = b - uy * 48;
        ctx.strokeStyle = '#ffd33d';
        ctx.fillStyle = '#ffd33d';
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(a, b);
        ctx.lineTo(ex, ey);
        ctx.stroke();
        const ang = Math.atan2(ey - b, ex - a);
        ctx.beginPath();
        ctx.moveTo(ex, ey);
        ctx.lineTo(ex - 9 * Math.cos(ang - 0.4), ey - 9 * Math.sin(ang - 0.4));
        ctx.lineTo(ex - 9 * Math.cos(ang + 0.4), ey - 9 * Math.sin(ang + 0.4));
        ctx.closePath();
        ctx.fill();
      }
      ctx.fillStyle = '#ffd33d';
      ctx.beginPath();
      ctx.arc(a, b, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    // toPx/toWorld are derived from box, w, h (listed).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [heat, field, paths, step, critical, start, probe, surface, box, w, h]);

  const fromEvent = (ev: MouseEvent<HTMLCanvasElement>): [number, number] => {
    const r = ev.currentTarget.getBoundingClientRect();
    return toWorld(ev.clientX - r.left, ev.clientY - r.top);
  };
  const onKey = (ev: KeyboardEvent<HTMLDivElement>) => {
    const p = probe ?? { x: (box.x[0] + box.x[1]) / 2, y: (box.y[0] + box.y[1]) / 2 };
    const dx = (box.x[1] - box.x[0]) / 40;
    const dy = (box.y[1] - box.y[0]) / 40;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-dx, 0],
      ArrowRight: [dx, 0],
      ArrowUp: [0, dy],
      ArrowDown: [0, -dy],
    };
    const m = moves[ev.key];
    if (m !== undefined) {
      ev.preventDefault();
      onProbe({
        x: Math.min(box.x[1], Math.max(box.x[0], p.x + m[0])),
        y: Math.min(box.y[1], Math.max(box.y[0], p.y + m[1])),
      });
    } else if ((ev.key === 'Enter' || ev.key === ' ') && probe !== null) {
      ev.preventDefault();
      onStart(probe.x, probe.y);
    } else if (ev.key === 'Escape') {
      onProbe(null);
    }
  };

  return (
    <div className="contour-map" ref={wrap}>
      <div
        className="map-frame"
        tabIndex={0}
        role="application"
        aria-label={label}
        aria-roledescription="map"
        onKeyDown={onKey}
        data-testid="contour-map"
      >
        <canvas
          ref={canvas}
          style={{ width: w, height: h }}
          onMouseMove={(ev) => {
            const [x, y] = fromEvent(ev);
            onProbe({ x, y });
          }}
          onMouseLeave={() => onProbe(null)}
          onClick={(ev) => {
            const [x, y] = fromEvent(ev);
            onStart(x, y);
          }}
        />
        <span className="axis-label axis-x">
          x ∈ [{tickLabel(box.x[0])}, {tickLabel(box.x[1])}]
        </span>
        <span className="axis-label axis-y">
          y ∈ [{tickLabel(box.y[0])}, {tickLabel(box.y[1])}]
        </span>
      </div>
      <ColourBar scale={field.scale} />
    </div>
  );
});

/** The colour bar under the map, with five ticks in f units. */
export function ColourBar({ scale }: { scale: ColourScale }) {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = viridis(i / 10);
    return `rgb(${r.toFixed(0)},${g.toFixed(0)},${b.toFixed(0)}) ${i * 10}%`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((u) => ({ u, v: scale.value(u) }));
  return (
    <div className="colour-bar" aria-label={`f from ${tickLabel(scale.lo)} to ${tickLabel(scale.hi)}`}>
      <div className="colour-ramp" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <div className="colour-ticks">
        {ticks.map((t) => (
          <span key={t.u} style={{ left: `${t.u * 100}%` }}>
            {tickLabel(t.v)}
          </span>
        ))}
      </div>
    </div>
  );
}

/** The readout of a probed point: f, ∇f, the Hessian eigenvalues and the curvature type. */
export function probeInfo(surface: Surface2D, p: Probe) {
  const f = surface.f(p.x, p.y);
  const g = surface.grad(p.x, p.y);
  const hm = surface.hessian(p.x, p.y);
  const e = hessianEigen(hm);
  return { f, g, values: e.values, kind: classifyCriticalPoint(hm) };
}
