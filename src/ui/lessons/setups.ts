/**
 * Each lesson's live figure: which figure it is and, for the 2-D playground, the set-up it opens with
 * and the one its "try this" button loads. The numbers were checked with src/core/playground.ts (see
 * src/ui/lessons/setups.test.ts, which asserts that every "try this" changes the figure as its lesson
 * says).
 */
import type { PlaygroundOptimizerKind } from '../../core/playground.ts';
import {
  DEFAULT_SETTINGS,
  makeRun,
  RUN_COLORS,
  type BatchKind,
  type PlaygroundRun,
  type PlaygroundSetup,
} from '../../store/playgroundSlice.ts';
import type { LessonId } from './content.ts';

export type LessonFigure =
  | { kind: 'playground'; initial: () => PlaygroundSetup; tryThis: () => PlaygroundSetup }
  | { kind: 'onecycle' }
  | { kind: 'huber' }
  | { kind: 'outliers' };

function run(
  i: number,
  kind: PlaygroundOptimizerKind,
  lr: number,
  extra: { batch?: BatchKind; start?: [number, number]; momentum?: number } = {},
): PlaygroundRun {
  return makeRun(
    kind,
    lr,
    {
      ...(extra.batch !== undefined ? { batch: extra.batch } : {}),
      ...(extra.start !== undefined ? { start: extra.start } : {}),
      ...(extra.momentum !== undefined ? { opt: { momentum: extra.momentum } } : {}),
    },
    RUN_COLORS[i],
  );
}

const ILL = { kind: 'builtin', name: 'ill_conditioned_quadratic' } as const;
const ROSEN = { kind: 'builtin', name: 'rosenbrock' } as const;
/** f = x − log x + 0.1y²: undefined for x ≤ 0 (a NaN source like log of a negative variance); minimum (1, 0). */
const LOG_BARRIER = { kind: 'custom', source: 'x - log(x) + 0.1*y^2', half: 3 } as const;

export const LESSON_FIGURES: Record<LessonId, LessonFigure> = {
  nonconvex: {
    kind: 'playground',
    initial: () => ({
      surface: { kind: 'builtin', name: 'himmelblau' },
      start: [0, 0],
      runs: [run(0, 'SGD', 0.01)],
      settings: DEFAULT_SETTINGS,
    }),
    tryThis: () => ({
      surface: { kind: 'builtin', name: 'himmelblau' },
      start: [0, 0],
      runs: (
        [
          [4, 4],
          [-4, 4],
          [-4, -4],
          [4, -4],
        ] as [number, number][]
      ).map((start, i) => run(i, 'SGD', 0.01, { start })),
      settings: DEFAULT_SETTINGS,
    }),
  },
  saddles: {
    kind: 'playground',
    initial: () => ({
      surface: { kind: 'builtin', name: 'saddle' },
      start: [1, 0],
      runs: [run(0, 'SGD', 0.05), run(1, 'SGD', 0.05, { batch: 'single' })],
      settings: { ...DEFAULT_SETTINGS, noise: 0 },
    }),
    tryThis: () => ({
      surface: { kind: 'builtin', name: 'saddle' },
      start: [1, 0],
      runs: [run(0, 'SGD', 0.05), run(1, 'SGD', 0.05, { batch: 'single' })],
      settings: { ...DEFAULT_SETTINGS, noise: 0.01 },
    }),
  },
  'flat-sharp': {
    kind: 'playground',
    initial: () => ({
      surface: { kind: 'builtin', name: 'two_minima' },
      start: [0.75, 0.5],
      runs: [run(0, 'SGD', 0.005)],
      settings: DEFAULT_SETTINGS,
    }),
    tryThis: () => ({
      surface: { kind: 'builtin', name: 'two_minima' },
      start: [0.75, 0.5],
      runs: [run(0, 'SGD', 0.005), run(1, 'SGD', 0.1)],
      settings: DEFAULT_SETTINGS,
    }),
  },
  'gd-sgd': {
    kind: 'playground',
    initial: () => ({
      surface: ILL,
      start: [-4, 1],
      runs: [run(0, 'SGD', 0.1)],
      settings: { ...DEFAULT_SETTINGS, noise: 1 },
    }),
    tryThis: () => ({
      surface: ILL,
      start: [-4, 1],
      runs: [
        run(0, 'SGD', 0.1),
        run(1, 'SGD', 0.1, { batch: 'mini' }),
        run(2, 'SGD', 0.1, { batch: 'single' }),
      ],
      settings: { ...DEFAULT_SETTINGS, noise: 1 },
    }),
  },
  'learning-rate': {
    kind: 'playground',
    initial: () => ({ surface: ILL, start: [-4, 1], runs: [run(0, 'SGD', 0.3)], settings: DEFAULT_SETTINGS }),
    tryThis: () => ({
      surface: ILL,
      start: [-4, 1],
      runs: [run(0, 'SGD', 0.01), run(1, 'SGD', 0.3), run(2, 'SGD', 0.55)],
      settings: DEFAULT_SETTINGS,
    }),
  },
  momentum: {
    kind: 'playground',
    initial: () => ({ surface: ILL, start: [-4, 1], runs: [run(0, 'SGD', 0.3)], settings: DEFAULT_SETTINGS }),
    tryThis: () => ({
      surface: ILL,
      start: [-4, 1],
      runs: [run(0, 'SGD', 0.3), run(1, 'Momentum', 0.2, { momentum: 0.9 })],
      settings: DEFAULT_SETTINGS,
    }),
  },
  adaptive: {
    kind: 'playground',
    initial: () => ({ surface: ILL, start: [-4, 1], runs: [run(0, 'SGD', 0.3)], settings: DEFAULT_SETTINGS }),
    tryThis: () => ({
      surface: ILL,
      start: [-4, 1],
      runs: [run(0, 'SGD', 0.3), run(1, 'Adagrad', 1), run(2, 'RMSprop', 0.1), run(3, 'Adam', 1)],
      settings: DEFAULT_SETTINGS,
    }),
  },
  onecycle: { kind: 'onecycle' },
  clipping: {
    kind: 'playground',
    initial: () => ({
      surface: ROSEN,
      start: [-1.5, 2],
      runs: [run(0, 'SGD', 0.004)],
      settings: DEFAULT_SETTINGS,
    }),
    tryThis: () => ({
      surface: ROSEN,
      start: [-1.5, 2],
      runs: [run(0, 'SGD', 0.004)],
      settings: { ...DEFAULT_SETTINGS, clipNorm: 100 },
    }),
  },
  huber: { kind: 'huber' },
  outliers: { kind: 'outliers' },
  'nan-defense': {
    kind: 'playground',
    initial: () => ({
      surface: LOG_BARRIER,
      start: [2.5, 1],
      runs: [run(0, 'SGD', 5)],
      settings: DEFAULT_SETTINGS,
    }),
    tryThis: () => ({
      surface: LOG_BARRIER,
      start: [2.5, 1],
      runs: [run(0, 'SGD', 5)],
      settings: { ...DEFAULT_SETTINGS, nanGuard: true },
    }),
  },
};
