/**
 * The 2-D optimizer playground's set-up: the surface (a fixture function or a typed expression), the
 * shared start, the optimizers racing on it (each with its own hyper-parameters, colour and gradient
 * noise level), the simulation settings and the animation position. The paths themselves are pure
 * functions of this state (src/core/playground.ts) and are computed where they are drawn.
 */
import type { StateCreator } from 'zustand';
import { FUNCTION_2D_NAMES as FUNCTION_NAMES, type Function2DName } from '../core/functions2d.ts';
import {
  DEFAULT_SIMULATION,
  defaultOptimizer,
  PLAYGROUND_KINDS,
  type PlaygroundOptimizer,
  type PlaygroundOptimizerKind,
  type SimulationSettings,
} from '../core/playground.ts';

/** A run's gradient noise: σ/√B for a batch of B samples (full batch = exact gradient). */
export type BatchKind = 'full' | 'mini' | 'single';
/** The noise multiplier of each batch kind: 0, 1/√16, 1. */
export const BATCH_NOISE: Record<BatchKind, number> = { full: 0, mini: 0.25, single: 1 };

export interface PlaygroundRun {
  id: string;
  opt: PlaygroundOptimizer;
  color: string;
  batch: BatchKind;
  /** Its own start (null: the shared one). */
  start: [number, number] | null;
}

/** A fixture function, or a typed expression drawn on [−half, half]². */
export type SurfaceChoice =
  { kind: 'builtin'; name: Function2DName } | { kind: 'custom'; source: string; half: number };

export interface PlaygroundSetup {
  surface: SurfaceChoice;
  start: [number, number];
  runs: PlaygroundRun[];
  settings: SimulationSettings;
}

export interface PlaygroundSlice {
  pg: PlaygroundSetup;
  /** Step shown (0 … settings.steps); the animation advances it. */
  pgStep: number;
  pgPlaying: boolean;
  /** Animation speed, steps per second. */
  pgSpeed: number;
  pgLogColour: boolean;
  setPg: (p: Partial<PlaygroundSetup>) => void;
  /** Replaces the whole set-up (a lesson's figure); shows the finished paths unless `animate`. */
  loadPg: (setup: PlaygroundSetup, animate?: boolean) => void;
  setPgSettings: (s: Partial<SimulationSettings>) => void;
  setPgRun: (id: string, p: Partial<Omit<PlaygroundRun, 'id'>>) => void;
  addPgRun: (kind: PlaygroundOptimizerKind) => void;
  removePgRun: (id: string) => void;
  setPgStep: (t: number) => void;
  setPgPlaying: (on: boolean) => void;
  setPgSpeed: (v: number) => void;
  setPgLogColour: (on: boolean) => void;
}

export const RUN_COLORS = [
  '#1f6feb',
  '#d1242f',
  '#1a7f37',
  '#8250df',
  '#bc4c00',
  '#0598bc',
  '#bf3989',
  '#6e7781',
];

/** Learning rates that work for each optimizer on the default surface (the oracle's choices there). */
const DEFAULT_LR: Record<PlaygroundOptimizerKind, number> = {
  SGD: 0.3,
  Momentum: 0.2,
  Nesterov: 0.3,
  Adagrad: 1,
  RMSprop: 0.1,
  Adam: 1,
  AdamW: 1,
};

let nextId = 1;
export function makeRun(
  kind: PlaygroundOptimizerKind,
  lr = DEFAULT_LR[kind],
  extra: Partial<Omit<PlaygroundRun, 'id' | 'opt'>> & { opt?: Partial<PlaygroundOptimizer> } = {},
  color?: string,
): PlaygroundRun {
  const id = `r${nextId++}`;
  return {
    id,
    opt: { ...defaultOptimizer(kind, lr), ...extra.opt },
    color: color ?? extra.color ?? RUN_COLORS[0]!,
    batch: extra.batch ?? 'full',
    start: extra.start ?? null,
  };
}

export const DEFAULT_SETTINGS: SimulationSettings = DEFAULT_SIMULATION;

export function defaultSetup(): PlaygroundSetup {
  return {
    surface: { kind: 'builtin', name: 'ill_conditioned_quadratic' },
    start: [-4, 1],
    runs: [makeRun('SGD', 0.3, {}, RUN_COLORS[0]), makeRun('Momentum', 0.2, {}, RUN_COLORS[1])],
    settings: DEFAULT_SETTINGS,
  };
}

function unusedColor(runs: readonly PlaygroundRun[]): string {
  return RUN_COLORS.find((c) => !runs.some((r) => r.color === c)) ?? RUN_COLORS[runs.length % 8]!;
}

export const createPlaygroundSlice: StateCreator<PlaygroundSlice, [], [], PlaygroundSlice> = (set) => ({
  pg: defaultSetup(),
  pgStep: DEFAULT_SETTINGS.steps,
  pgPlaying: false,
  pgSpeed: 40,
  pgLogColour: true,
  setPg: (p) => set((s) => ({ pg: { ...s.pg, ...p } })),
  loadPg: (setup, animate = false) =>
    set({ pg: setup, pgStep: animate ? 0 : setup.settings.steps, pgPlaying: animate }),
  setPgSettings: (p) =>
    set((s) => {
      const settings = { ...s.pg.settings, ...p };
      return { pg: { ...s.pg, settings }, pgStep: Math.min(s.pgStep, settings.steps) };
    }),
  setPgRun: (id, p) =>
    set((s) => ({ pg: { ...s.pg, runs: s.pg.runs.map((r) => (r.id === id ? { ...r, ...p } : r)) } })),
  addPgRun: (kind) =>
    set((s) =>
      s.pg.runs.length >= RUN_COLORS.length
        ? {}
        : { pg: { ...s.pg, runs: [...s.pg.runs, makeRun(kind, undefined, {}, unusedColor(s.pg.runs))] } },
    ),
  removePgRun: (id) => set((s) => ({ pg: { ...s.pg, runs: s.pg.runs.filter((r) => r.id !== id) } })),
  setPgStep: (pgStep) => set({ pgStep }),
  setPgPlaying: (pgPlaying) => set({ pgPlaying }),
  setPgSpeed: (pgSpeed) => set({ pgSpeed }),
  setPgLogColour: (pgLogColour) => set({ pgLogColour }),
});

// ---------------------------------------------------------------------------------------------------------
// The set-up in a link (`pg=<JSON>`): surface, start, runs (optimizer, gradient, own start), settings.
// ---------------------------------------------------------------------------------------------------------

/** The set-up as plain JSON (run ids and colours are the page's own, so they are left out). */
export function playgroundToJson(p: PlaygroundSetup): string {
  return JSON.stringify({
    surface: p.surface,
    start: p.start,
    runs: p.runs.map((r) => ({
      opt: r.opt,
      batch: r.batch,
      ...(r.start !== null ? { start: r.start } : {}),
    })),
    settings: p.settings,
  });
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPair = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * A set-up from `playgroundToJson`'s text, or an error in words. Missing fields take the defaults;
 * hyper-parameters are checked by the optimizer's own validation when the paths are computed.
 */
export function playgroundFromJson(text: string): { setup: PlaygroundSetup } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'pg: not valid JSON.' };
  }
  if (!isObj(v)) return { error: 'pg: expected an object.' };
  const base = defaultSetup();
  let surface: SurfaceChoice = base.surface;
  const s = v['surface'];
  if (isObj(s) && s['kind'] === 'builtin' && FUNCTION_NAMES.includes(s['name'] as Function2DName)) {
    surface = { kind: 'builtin', name: s['name'] as Function2DName };
  } else if (
    isObj(s) &&
    s['kind'] === 'custom' &&
    typeof s['source'] === 'string' &&
    s['source'].length <= 500
  ) {
    const half = typeof s['half'] === 'number' && s['half'] > 0 && s['half'] <= 100 ? s['half'] : 3;
    surface = { kind: 'custom', source: s['source'], half };
  } else if (s !== undefined) {
    return { error: 'pg: the surface is not one of the lab\u2019s functions or an expression.' };
  }
  const start = isPair(v['start']) ? v['start'] : base.start;
  const runsIn = Array.isArray(v['runs']) ? v['runs'].slice(0, RUN_COLORS.length) : [];
  const runs: PlaygroundRun[] = [];
  for (const [i, r] of runsIn.entries()) {
    if (
      !isObj(r) ||
      !isObj(r['opt']) ||
      !PLAYGROUND_KINDS.includes(r['opt']['kind'] as PlaygroundOptimizerKind)
    )
      return { error: `pg: run ${i + 1} has no known optimizer kind.` };
    const kind = r['opt']['kind'] as PlaygroundOptimizerKind;
    const opt = { ...defaultOptimizer(kind) } as Record<string, unknown>;
    for (const [k, x] of Object.entries(r['opt'])) {
      if (k !== 'kind' && k in opt && typeof x === 'number' && Number.isFinite(x)) opt[k] = x;
    }
    const batch = (['full', 'mini', 'single'] as const).find((b) => b === r['batch']) ?? 'full';
    runs.push(
      makeRun(
        kind,
        opt['lr'] as number,
        {
          opt: opt,
          batch,
          ...(isPair(r['start']) ? { start: r['start'] } : {}),
        },
        RUN_COLORS[i],
      ),
    );
  }
  const set = isObj(v['settings']) ? v['settings'] : {};
  const num = (k: string, ok: (x: number) => boolean, d: number) => {
    const x = set[k];
    return typeof x === 'number' && Number.isFinite(x) && ok(x) ? x : d;
  };
  const settings: SimulationSettings = {
    steps: Math.round(num('steps', (x) => x >= 1 && x <= 5000, DEFAULT_SETTINGS.steps)),
    noise: num('noise', (x) => x >= 0 && x <= 10, 0),
    seed: Math.round(num('seed', () => true, 0)),
    decay: set['decay'] === true,
    clipNorm: typeof set['clipNorm'] === 'number' && set['clipNorm'] > 0 ? set['clipNorm'] : null,
    nanGuard: set['nanGuard'] === true,
  };
  return { setup: { surface, start, runs: runs.length > 0 ? runs : base.runs, settings } };
}
