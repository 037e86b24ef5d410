/**
 * The set-up in the address bar, so that a copied link reproduces it: the recipe (only the fields that
 * differ from the lab's defaults, as JSON), the backend, the dataset choice (built-in set with its
 * settings, or a CORS-enabled URL), the language and the theme. Pure functions of (search string) and
 * (state); the store calls `writeUrl` with `history.replaceState` when any of these change.
 *
 * Parameters: `recipe=<JSON TrainConfigInput>`, `backend=auto|webgpu|webgl|wasm|cpu`,
 * `data=builtin|<https URL>`, `size=`, `noise=`, `outliers=` (built-in set), `lang=en|zh-Hant|zh-Hans`,
 * `theme=light|dark`, `view=train|playground|lessons`, `lesson=<id>`, `present=1`, `pg=<JSON>` (the playground's set-up), `threads=N` (wasm thread pool, read only). Unknown or malformed values fall back to the defaults (and are reported in
 * `problems`, so the page can say what it ignored).
 */
import {
  DEFAULT_TRAIN_CONFIG,
  withDefaults,
  type TrainConfig,
  type TrainConfigInput,
} from '../core/recipe.ts';
import type { BackendPreference } from '../worker/protocol.ts';
import { playgroundFromJson, playgroundToJson, type PlaygroundSetup } from './playgroundSlice.ts';

export type Lang = 'en' | 'zh-Hant' | 'zh-Hans';
export const LANGS: readonly Lang[] = ['en', 'zh-Hant', 'zh-Hans'];
export type Theme = 'light' | 'dark';
/** The lab's views: the training dashboard, the 2-D playground, the lessons. */
export type View = 'train' | 'playground' | 'lessons' | 'runs';
export const VIEWS: readonly View[] = ['train', 'runs', 'playground', 'lessons'];
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Settings of the built-in teaching set that the page exposes. */
export interface BuiltinChoice {
  kind: 'builtin';
  /** Number of structures (10 … 20,000). */
  size: number;
  /** Gaussian label noise, eV/atom. */
  noise: number;
  /** Fraction of entries given a +2,000 eV/atom "failed DFT" value. */
  outliers: number;
}

/** What dataset the set-up uses: the built-in set, a URL, or files the user dropped (not linkable). */
export type DatasetChoice = BuiltinChoice | { kind: 'url'; url: string } | { kind: 'files'; label: string };

export const DEFAULT_BUILTIN: BuiltinChoice = { kind: 'builtin', size: 2000, noise: 0.02, outliers: 0 };

export interface UrlState {
  recipe: TrainConfig;
  backend: BackendPreference;
  data: DatasetChoice;
  lang: Lang | null;
  theme: Theme | null;
  /** `threads=N`: cap on the wasm thread pool (leaves cores to the page on a small machine); not written back. */
  wasmThreads: number | null;
  view: View;
  /** A lesson id (checked by the page), or null. */
  lesson: string | null;
  presenting: boolean;
  /** `pg=<JSON>`: the playground's set-up (surface, start, optimizers, settings), or null. */
  pg: PlaygroundSetup | null;
  /** What was in the address but could not be used, in words. */
  problems: string[];
}

function finiteIn(raw: string | null, lo: number, hi: number): number | null {
  if (raw === null || raw.trim() === '') return null;
  const x = Number(raw);
  return Number.isFinite(x) && x >= lo && x <= hi ? x : null;
}

/** Reads the set-up from a `location.search` string. */
export function readUrl(search: string): UrlState {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  let recipe = DEFAULT_TRAIN_CONFIG;
  const rawRecipe = q.get('recipe');
  if (rawRecipe !== null) {
    try {
      recipe = withDefaults(JSON.parse(rawRecipe) as TrainConfigInput);
    } catch (e) {
      problems.push(`recipe: ${e instanceof Error ? e.message : String(e)} The default recipe is used.`);
    }
  }
  const b = q.get('backend');
  const backend = BACKEND_PREFERENCES.find((x) => x === b) ?? 'auto';
  if (b !== null && b !== backend)
    problems.push(`backend: "${b}" is not one of ${BACKEND_PREFERENCES.join(', ')}.`);
  const rawData = q.get('data');
  let data: DatasetChoice;
  if (rawData !== null && /^https?:\/\//i.test(rawData)) {
    data = { kind: 'url', url: rawData };
  } else {
    if (rawData !== null && rawData !== 'builtin')
      problems.push(`data: "${rawData}" is not "builtin" or an http(s) link.`);
    const size = finiteIn(q.get('size'), 10, 20000);
    const noise = finiteIn(q.get('noise'), 0, 10);
    const outliers = finiteIn(q.get('outliers'), 0, 1);
    data = {
      kind: 'builtin',
      size: size === null ? DEFAULT_BUILTIN.size : Math.round(size),
      noise: noise ?? DEFAULT_BUILTIN.noise,
      outliers: outliers ?? DEFAULT_BUILTIN.outliers,
    };
  }
  const l = q.get('lang');
  const lang = LANGS.find((x) => x === l) ?? null;
  const th = q.get('theme');
  const theme = th === 'light' || th === 'dark' ? th : null;
  const th2 = finiteIn(q.get('threads'), 0, 64);
  const wasmThreads = th2 !== null && Number.isInteger(th2) ? th2 : null;
  const v = q.get('view');
  const view = VIEWS.find((x) => x === v) ?? 'train';
  if (v !== null && v !== view) problems.push(`view: "${v}" is not one of ${VIEWS.join(', ')}.`);
  const rawLesson = q.get('lesson');
  const lesson = rawLesson !== null && /^[a-z-]{1,40}$/.test(rawLesson) ? rawLesson : null;
  const presenting = q.get('present') === '1';
  let pg: PlaygroundSetup | null = null;
  const rawPg = q.get('pg');
  if (rawPg !== null) {
    const r = playgroundFromJson(rawPg);
    if ('error' in r) problems.push(`${r.error} The default playground is used.`);
    else pg = r.setup;
  }
  return { recipe, backend, data, lang, theme, wasmThreads, view, lesson, presenting, pg, problems };
}

/** The fields of `config` that differ from the lab's defaults (whole top-level values), as recipe input. */
export function recipeDiff(config: TrainConfig): TrainConfigInput {
  const out: Record<string, unknown> = {};
  const d = DEFAULT_TRAIN_CONFIG as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(config)) {
    if (JSON.stringify(v) !== JSON.stringify(d[k])) out[k] = v;
  }
  return out;
}

/**
 * The search string for a set-up (parameters at their defaults are left out). Other parameters already
 * in `current` (e.g. test switches) are kept.
 */
export function writeUrl(
  current: string,
  s: {
    recipe: TrainConfig;
    backend: BackendPreference;
    data: DatasetChoice;
    lang: Lang;
    theme: Theme | null;
    view?: View;
    lesson?: string | null;
    presenting?: boolean;
    /** The playground's set-up, written only while the playground is shown. */
    pg?: PlaygroundSetup | null;
  },
): string {
  const q = new URLSearchParams(current);
  for (const k of [
    'recipe',
    'backend',
    'data',
    'size',
    'noise',
    'outliers',
    'lang',
    'theme',
    'view',
    'lesson',
    'present',
  ])
    q.delete(k);
  const diff = recipeDiff(s.recipe);
  if (Object.keys(diff).length > 0) q.set('recipe', JSON.stringify(diff));
  if (s.backend !== 'auto') q.set('backend', s.backend);
  if (s.data.kind === 'url') q.set('data', s.data.url);
  if (s.data.kind === 'builtin') {
    if (s.data.size !== DEFAULT_BUILTIN.size) q.set('size', String(s.data.size));
    if (s.data.noise !== DEFAULT_BUILTIN.noise) q.set('noise', String(s.data.noise));
    if (s.data.outliers !== DEFAULT_BUILTIN.outliers) q.set('outliers', String(s.data.outliers));
  }
  if (s.lang !== 'en') q.set('lang', s.lang);
  if (s.theme !== null) q.set('theme', s.theme);
  if (s.view !== undefined && s.view !== 'train') q.set('view', s.view);
  if (s.view === 'lessons' && s.lesson !== undefined && s.lesson !== null) q.set('lesson', s.lesson);
  if (s.view === 'lessons' && s.presenting === true) q.set('present', '1');
  if (s.view === 'playground' && s.pg !== undefined && s.pg !== null) q.set('pg', playgroundToJson(s.pg));
  const out = q.toString();
  return out === '' ? '' : `?${out}`;
}
