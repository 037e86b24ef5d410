/**
 * Two small buttons that download the chart inside `target` as an SVG file and as a PNG image. The
 * accessible names come in through props (the caller translates them); the visible text is SVG / PNG.
 */
import { useRef, useState, type ReactNode, type RefObject } from 'react';
import {
  chartPngBlob,
  chartSvgText,
  downloadBlob,
  effectiveBackground,
  safeFileName,
  svgSize,
} from './chartExport.ts';

export function ChartExportButtons({
  target,
  name,
  label,
  svgLabel,
  pngLabel,
  title,
  background,
  scale = 2,
  onError,
}: {
  /** The element that holds the chart (its figure). */
  target: RefObject<HTMLElement | null>;
  /** File name base (made safe): `${name}.svg`, `${name}.png`. */
  name: string;
  /** The chart's name for the default accessible names (`Download ${label} chart as SVG`). */
  label: string;
  /** Accessible name of the SVG button (e.g. translated); default in English from `label`. */
  svgLabel?: string;
  pngLabel?: string;
  /** Title written into the file (a <title> and a line above the plot); default `label`, '' for none. */
  title?: string;
  /** Background colour (may be `var(--x)`); default the colour behind the chart on the page. */
  background?: string;
  /** PNG pixels per CSS px. */
  scale?: number;
  /** Called when an export fails (default: console.error). */
  onError?: (e: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const svgName = svgLabel ?? `Download ${label} chart as SVG`;
  const pngName = pngLabel ?? `Download ${label} chart as PNG`;
  const base = safeFileName(name);
  const fail = (e: unknown) => (onError ?? ((x: unknown) => console.error('chart export failed', x)))(e);

  const svgText = (): string | null => {
    const el = target.current;
    if (el === null) return null;
    return chartSvgText(el, { title: title ?? label, background: background ?? effectiveBackground(el) });
  };

  const onSvg = () => {
    try {
      const text = svgText();
      if (text === null) return;
      downloadBlob(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }), `${base}.svg`);
    } catch (e) {
      fail(e);
    }
  };

  const onPng = async () => {
    setBusy(true);
    try {
      const text = svgText();
      if (text === null) return;
      const size = svgSize(text);
      if (size === null) throw new Error('chart export: the SVG has no size');
      downloadBlob(await chartPngBlob(text, size.width, size.height, scale), `${base}.png`);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="chart-export-buttons">
      <button type="button" className="chart-export" aria-label={svgName} title={svgName} onClick={onSvg}>
        SVG
      </button>
      <button
        type="button"
        className="chart-export"
        aria-label={pngName}
        title={pngName}
        disabled={busy}
        aria-busy={busy}
        onClick={() => void onPng()}
      >
        PNG
      </button>
    </span>
  );
}

/**
 * A chart with its SVG/PNG download buttons in the top-right corner: `label` names the chart (file
 * title and accessible names, which the caller translates through `svgLabel`/`pngLabel`).
 */
export function ExportableChart({
  name,
  label,
  svgLabel,
  pngLabel,
  testId,
  dataLines,
  children,
}: {
  name: string;
  label: string;
  svgLabel: string;
  pngLabel: string;
  testId?: string;
  dataLines?: number;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div className="chart-box" ref={ref} data-testid={testId} data-lines={dataLines}>
      <ChartExportButtons target={ref} name={name} label={label} svgLabel={svgLabel} pngLabel={pngLabel} />
      {children}
    </div>
  );
}
