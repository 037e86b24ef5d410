/**
 * Chart export: a chart of the page as a standalone SVG file (its styles inlined, CSS custom properties
 * resolved, the HTML legend redrawn in SVG, a background and an optional title) and as a PNG (that SVG
 * rasterized on a canvas). The string-building parts are pure (tested without a DOM); the DOM parts read
 * the live chart's computed styles.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Paint properties copied from the computed style onto every element of the clone. */
const PAINT_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'visibility',
  'stop-color',
  'stop-opacity',
] as const;

/** Text properties, copied onto the root and the text elements only (the others inherit them). */
const TEXT_PROPS = ['font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline'] as const;
const TEXT_TAGS = new Set(['svg', 'text', 'tspan', 'textpath']);

/** Containers whose svgs are not the chart (legend icons, tooltips). */
const NOT_CHART = '.recharts-legend-wrapper, .recharts-tooltip-wrapper, .legend, button, .chart-export';

// ---------------------------------------------------------------------------------------------------
// Pure helpers.

/** Escapes text for XML character data and (double- or single-quoted) attribute values. */
export function escapeXml(s: string): string {
  return (
    s
      // Characters XML 1.0 forbids outright (C0 controls other than tab, LF, CR; lone surrogates; FFFE/FFFF).
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A file name (without extension) safe on Windows, macOS and Linux: no path separators, reserved
 * characters or control characters, whitespace runs as single dashes, no leading/trailing dots or
 * dashes, at most `maxLength` characters (whole code points); `fallback` when nothing is left.
 * Letters of any script are kept.
 */
export function safeFileName(s: string, fallback = 'chart', maxLength = 100): string {
  let out = s
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[<>:"/\\|?*\u0000-\u001F\u007F]/g, ' ')
    .replace(/\s+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  out = Array.from(out)
    .slice(0, maxLength)
    .join('')
    .replace(/[-.]+$/, '');
  if (out === '') return fallback;
  if (WINDOWS_RESERVED.test(out.split('.')[0] ?? '')) out = `_${out}`;
  return out;
}

/**
 * Replaces every `var(--name)` / `var(--name, fallback)` in a CSS value by `lookup('--name')` (or the
 * fallback when the lookup is empty), recursively (a variable's value may use variables) up to a
 * depth. An unresolvable variable without a fallback becomes `none` (no paint, in SVG terms).
 */
export function resolveCssVars(
  value: string,
  lookup: (name: string) => string | null | undefined,
  depth = 0,
): string {
  if (!value.includes('var(') || depth > 16) return value;
  let out = '';
  let i = 0;
  for (;;) {
    const at = value.indexOf('var(', i);
    // `var(` as part of another identifier (e.g. `xvar(`) is not a reference.
    if (at < 0) break;
    if (at > 0 && /[\w-]/.test(value[at - 1] ?? '')) {
      out += value.slice(i, at + 4);
      i = at + 4;
      continue;
    }
    // Find the matching ')' and the first top-level ','.
    let level = 1;
    let comma = -1;
    let j = at + 4;
    for (; j < value.length && level > 0; j++) {
      const c = value[j];
      if (c === '(') level++;
      else if (c === ')') level--;
      else if (c === ',' && level === 1 && comma < 0) comma = j;
    }
    if (level > 0) break; // Unbalanced: leave the rest as it is.
    const close = j - 1;
    const name = value.slice(at + 4, comma >= 0 ? comma : close).trim();
    const fallback = comma >= 0 ? value.slice(comma + 1, close).trim() : null;
    const found = (lookup(name) ?? '').trim();
    const sub = found !== '' ? found : (fallback ?? 'none');
    out += value.slice(i, at) + resolveCssVars(sub, lookup, depth + 1);
    i = j;
  }
  return out + value.slice(i);
}

/** Formats a coordinate for SVG output (no long float tails). */
function num(v: number): string {
  return String(Number(v.toFixed(2)));
}

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

export interface LegendLayoutOptions {
  /** Left edge and top of the legend block. */
  x: number;
  y: number;
  /** Width available (items wrap onto new rows). */
  width: number;
  fontSize: number;
  fontFamily: string;
  /** Colour of the item names. */
  textColor: string;
  /** Width of a text in px; default: an estimate (0.6 em a character). */
  measure?: (text: string) => number;
}

/** Swatch width, gap swatch → text, gap between items, row height (in em), padding. */
const SWATCH = 16;
const SWATCH_GAP = 4;
const ITEM_GAP = 12;
const ROW_EM = 1.5;
const LEGEND_PAD = 6;

/**
 * The legend as SVG markup: rows of (line swatch, name) that wrap at `width`, like the page's HTML
 * legend. Returns the markup (a `<g>`, or '' without items) and the height it takes.
 */
export function legendSvg(
  items: readonly LegendItem[],
  opts: LegendLayoutOptions,
): { markup: string; height: number } {
  if (items.length === 0) return { markup: '', height: 0 };
  const measure = opts.measure ?? ((s: string) => Array.from(s).length * opts.fontSize * 0.6);
  const rowH = opts.fontSize * ROW_EM;
  const right = opts.x + Math.max(opts.width - LEGEND_PAD, SWATCH + SWATCH_GAP);
  let cx = opts.x + LEGEND_PAD;
  let row = 0;
  const parts: string[] = [];
  for (const it of items) {
    const w = SWATCH + SWATCH_GAP + measure(it.name);
    if (cx > opts.x + LEGEND_PAD && cx + w > right) {
      row++;
      cx = opts.x + LEGEND_PAD;
    }
    const mid = opts.y + LEGEND_PAD + row * rowH + rowH / 2;
    const dash = it.dashed === true ? ' stroke-dasharray="4 2"' : '';
    const color = escapeXml(it.color);
    parts.push(
      `<g class="legend-item">` +
        `<line x1="${num(cx)}" y1="${num(mid)}" x2="${num(cx + SWATCH)}" y2="${num(mid)}" stroke="${color}" stroke-width="3"${dash}/>` +
        `<text x="${num(cx + SWATCH + SWATCH_GAP)}" y="${num(mid)}" dominant-baseline="central" fill="${escapeXml(opts.textColor)}">${escapeXml(it.name)}</text>` +
        `</g>`,
    );
    cx += w + ITEM_GAP;
  }
  const height = 2 * LEGEND_PAD + (row + 1) * rowH;
  const markup =
    `<g class="legend" font-family="${escapeXml(opts.fontFamily)}" font-size="${num(opts.fontSize)}">` +
    parts.join('') +
    `</g>`;
  return { markup, height };
}

export interface SvgDocumentParts {
  width: number;
  height: number;
  background: string;
  title?: string;
  /** Visible title line (drawn at the top; `titleHeight` px are reserved for it). */
  titleStyle?: { fontFamily: string; fontSize: number; color: string };
  titleHeight?: number;
  /** Already-serialized SVG fragments, in drawing order. */
  body: readonly string[];
}

/** The standalone SVG document: root with namespaces and size, <title>, background, title line, body. */
export function svgDocument(p: SvgDocumentParts): string {
  const w = num(p.width);
  const h = num(p.height);
  const title = p.title?.trim() ?? '';
  const out: string[] = [
    `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
  ];
  if (title !== '') out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${w}" height="${h}" fill="${escapeXml(p.background)}"/>`);
  if (title !== '' && p.titleStyle !== undefined && (p.titleHeight ?? 0) > 0) {
    const s = p.titleStyle;
    out.push(
      `<text x="8" y="${num((p.titleHeight ?? 0) / 2)}" dominant-baseline="central" font-family="${escapeXml(s.fontFamily)}" font-size="${num(s.fontSize)}" font-weight="600" fill="${escapeXml(s.color)}">${escapeXml(title)}</text>`,
    );
  }
  out.push(...p.body, '</svg>');
  return out.join('');
}

/** The width and height of an SVG document's root element (from its attributes), or null. */
export function svgSize(svgText: string): { width: number; height: number } | null {
  const root = /<svg\b[^>]*>/.exec(svgText)?.[0];
  if (root === undefined) return null;
  const attr = (n: string) => {
    const m = new RegExp(`\\s${n}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(root);
    return m === null ? NaN : parseFloat(m[2] ?? m[3] ?? '');
  };
  const width = attr('width');
  const height = attr('height');
  return width > 0 && height > 0 ? { width, height } : null;
}

// ---------------------------------------------------------------------------------------------------
// DOM parts.

/** `lookup` for resolveCssVars against an element's computed custom properties. */
function varLookup(cs: CSSStyleDeclaration): (name: string) => string {
  return (name) => cs.getPropertyValue(name);
}

/** A colour (possibly `var(--x)`) resolved against an element's computed custom properties. */
export function resolveColor(value: string, el: Element): string {
  return resolveCssVars(value, varLookup(getComputedStyle(el)));
}

/**
 * The colour behind an element: the background-color of the nearest ancestor (or itself) that has an
 * opaque-ish one; white if none.
 */
export function effectiveBackground(el: Element): string {
  for (let e: Element | null = el; e !== null; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg !== '' && bg !== 'transparent' && !/^rgba\([^)]*,\s*0\)$/.test(bg)) return bg;
  }
  return '#ffffff';
}

/** The chart's drawn elements: top-level svgs (not legend icons, tooltips, nested svgs) and canvases. */
function chartGraphics(container: HTMLElement): (SVGSVGElement | HTMLCanvasElement)[] {
  const all = Array.from(container.querySelectorAll<SVGSVGElement | HTMLCanvasElement>('svg, canvas'));
  return all.filter((el) => {
    if ((el.parentElement?.closest('svg') ?? null) !== null) return false;
    const skip = el.closest(NOT_CHART);
    // Only skip containers inside the target count (the target itself may carry one of those classes).
    if (skip !== null && container.contains(skip) && skip !== container) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  });
}

/** Copies the computed styles that matter onto the clone (var() resolved), element by element. */
function inlineStyles(orig: SVGSVGElement, clone: SVGSVGElement): void {
  const origs = [orig, ...Array.from(orig.querySelectorAll('*'))];
  const clones = [clone, ...Array.from(clone.querySelectorAll('*'))];
  const n = Math.min(origs.length, clones.length);
  for (let k = 0; k < n; k++) {
    const o = origs[k]!;
    const c = clones[k]! as SVGElement;
    const cs = getComputedStyle(o);
    const lookup = varLookup(cs);
    // Attributes that say var(--x) (fill="var(--muted)") mean nothing without the page's CSS: resolve them.
    for (const a of Array.from(c.attributes)) {
      if (a.value.includes('var(')) c.setAttribute(a.name, resolveCssVars(a.value, lookup));
    }
    if (cs.display === 'none') {
      c.setAttribute('display', 'none');
      continue;
    }
    const props: readonly string[] = TEXT_TAGS.has(o.tagName.toLowerCase())
      ? [...PAINT_PROPS, ...TEXT_PROPS]
      : PAINT_PROPS;
    for (const p of props) {
      const v = resolveCssVars(cs.getPropertyValue(p), lookup).trim();
      if (v === '') continue;
      if (p === 'opacity' && v === '1') continue;
      if (p === 'visibility' && v === 'visible') continue;
      c.style.setProperty(p, v);
    }
  }
  // Interaction leftovers (hover cursor, active dots) are not part of the figure.
  for (const e of Array.from(clone.querySelectorAll('.recharts-tooltip-cursor, .recharts-active-dot')))
    e.remove();
  // recharts' surface carries an empty <title>/<desc>: they would shadow the document's own title.
  for (const e of Array.from(clone.querySelectorAll(':scope > title, :scope > desc'))) {
    if ((e.textContent ?? '').trim() === '') e.remove();
  }
}

/** The legend items of the chart: recharts' HTML legend or the page's own HtmlLegend (`.legend`). */
function legendItems(container: HTMLElement): LegendItem[] {
  const items: LegendItem[] = [];
  for (const li of Array.from(container.querySelectorAll<HTMLElement>('.recharts-legend-item'))) {
    const text = li.querySelector('.recharts-legend-item-text') ?? li;
    const name = (text.textContent ?? '').trim();
    if (name === '') continue;
    let color = '';
    let dashed = false;
    const shape = li.querySelector('svg path, svg line, svg rect, svg circle');
    if (shape !== null) {
      const cs = getComputedStyle(shape);
      const stroke = cs.stroke;
      color = stroke !== '' && stroke !== 'none' ? stroke : cs.fill;
      dashed = cs.strokeDasharray !== '' && cs.strokeDasharray !== 'none';
    }
    if (color === '' || color === 'none') color = getComputedStyle(text).color;
    items.push({ name, color, dashed });
  }
  for (const li of Array.from(container.querySelectorAll<HTMLElement>('.legend .legend-item'))) {
    const name = (li.textContent ?? '').trim();
    if (name === '') continue;
    const sw = li.querySelector('.swatch');
    let color = getComputedStyle(li).color;
    let dashed = false;
    if (sw !== null) {
      const cs = getComputedStyle(sw);
      color = cs.borderTopColor || color;
      dashed = cs.borderTopStyle === 'dashed' || sw.classList.contains('dashed');
    }
    items.push({ name, color, dashed });
  }
  return items;
}

/** A text measurer for a CSS font (a 2D canvas), or undefined where there is none. */
function textMeasurer(font: string): ((s: string) => number) | undefined {
  const ctx = document.createElement('canvas').getContext('2d');
  if (ctx === null) return undefined;
  ctx.font = font;
  return (s) => ctx.measureText(s).width;
}

/**
 * The chart inside `container` as a standalone SVG document: its <svg> (or svgs and canvases, placed as
 * on the page) cloned with computed styles inlined and CSS variables resolved, the legend (recharts' or
 * the page's HTML legend) redrawn below the plot, a background rect (`background` may be `var(--x)`),
 * and — with a title — a <title> and a title line above. Throws when the container draws no chart.
 */
export function chartSvgText(container: HTMLElement, opts: { title?: string; background: string }): string {
  const graphics = chartGraphics(container);
  if (graphics.length === 0) throw new Error('chartSvgText: no <svg> or <canvas> chart in the element');
  const ccs = getComputedStyle(container);
  const lookup = varLookup(ccs);
  // The plot box: the union of the drawn elements' boxes.
  const rects = graphics.map((g) => g.getBoundingClientRect());
  const left = Math.min(...rects.map((r) => r.left));
  const top = Math.min(...rects.map((r) => r.top));
  const plotW = Math.max(...rects.map((r) => r.right)) - left;
  const plotH = Math.max(...rects.map((r) => r.bottom)) - top;

  const title = opts.title?.trim() ?? '';
  const fontFamily = ccs.fontFamily || 'sans-serif';
  const textColor = resolveCssVars(ccs.color, lookup) || '#000';
  const titleH = title !== '' ? 26 : 0;

  const body: string[] = [];
  const serializer = new XMLSerializer();
  graphics.forEach((g, k) => {
    const r = rects[k]!;
    const x = r.left - left;
    const y = titleH + r.top - top;
    if (g instanceof HTMLCanvasElement) {
      let href: string;
      try {
        href = g.toDataURL('image/png');
      } catch {
        return; // A tainted canvas cannot be read; leave it out.
      }
      body.push(
        `<image x="${num(x)}" y="${num(y)}" width="${num(r.width)}" height="${num(r.height)}" preserveAspectRatio="none" href="${href}" xlink:href="${href}"/>`,
      );
      return;
    }
    const clone = g.cloneNode(true) as SVGSVGElement;
    inlineStyles(g, clone);
    if (!clone.hasAttribute('viewBox')) {
      const vw = g.width.baseVal.value || r.width;
      const vh = g.height.baseVal.value || r.height;
      clone.setAttribute('viewBox', `0 0 ${num(vw)} ${num(vh)}`);
    }
    clone.setAttribute('x', num(x));
    clone.setAttribute('y', num(y));
    clone.setAttribute('width', num(r.width));
    clone.setAttribute('height', num(r.height));
    clone.setAttribute('overflow', 'visible');
    clone.removeAttribute('class');
    clone.style.removeProperty('width');
    clone.style.removeProperty('height');
    body.push(serializer.serializeToString(clone));
  });

  const items = legendItems(container).map((it) => ({ ...it, color: resolveCssVars(it.color, lookup) }));
  const legendEl = container.querySelector('.legend, .recharts-legend-wrapper') ?? container;
  const lcs = getComputedStyle(legendEl);
  const legendFontSize = parseFloat(lcs.fontSize) || 12;
  const legend = legendSvg(items, {
    x: 0,
    y: titleH + plotH,
    width: plotW,
    fontSize: legendFontSize,
    fontFamily: lcs.fontFamily || fontFamily,
    textColor: resolveCssVars(lcs.color, lookup) || textColor,
    measure: textMeasurer(`${lcs.fontWeight || 400} ${legendFontSize}px ${lcs.fontFamily || fontFamily}`),
  });
  if (legend.markup !== '') body.push(legend.markup);

  return svgDocument({
    width: plotW,
    height: titleH + plotH + legend.height,
    background: resolveCssVars(opts.background, lookup),
    title,
    titleStyle: { fontFamily, fontSize: 14, color: textColor },
    titleHeight: titleH,
    body,
  });
}

/**
 * The SVG document rasterized to a PNG of `width × height` CSS px at `scale` device px each (through an
 * <img> and a canvas).
 */
export async function chartPngBlob(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  const img = new Image();
  img.decoding = 'async';
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('chartPngBlob: the SVG could not be loaded as an image'));
  });
  // A data: URL (not a blob: URL) keeps the canvas untainted in every browser.
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('chartPngBlob: no 2D canvas context');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((b) => {
      if (b === null) reject(new Error('chartPngBlob: canvas.toBlob gave no PNG'));
      else resolve(b);
    }, 'image/png');
  });
}

/** Saves a blob as a file (an object URL on an <a download>, revoked a little later). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
