import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, withDefaults } from '../core/recipe.ts';
import { tickClock } from './trainingSlice.ts';
import { DEFAULT_BUILTIN, readUrl, recipeDiff, writeUrl } from './urlState.ts';
import { makeRun, type PlaygroundSetup } from './playgroundSlice.ts';

describe('URL state', () => {
  it('an empty address is the default set-up', () => {
    const s = readUrl('');
    expect(s.recipe).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(s.backend).toBe('auto');
    expect(s.data).toEqual(DEFAULT_BUILTIN);
    expect(s.lang).toBeNull();
    expect(s.wasmThreads).toBeNull();
    expect(readUrl('?threads=1').wasmThreads).toBe(1);
    expect(readUrl('?threads=0').wasmThreads).toBe(0);
    expect(readUrl('?threads=-1').wasmThreads).toBeNull();
    expect(s.problems).toEqual([]);
    expect(writeUrl('', { ...s, lang: 'en' })).toBe('');
  });

  it('round-trips a changed recipe, backend, built-in settings, language and theme', () => {
    const recipe = withDefaults({
      epochs: 7,
      schedule: { kind: 'onecycle', maxLr: 0.01 },
      clip: { maxNorm: null },
    });
    const search = writeUrl('?keep=1', {
      recipe,
      backend: 'wasm',
      data: { kind: 'builtin', size: 200, noise: 0.05, outliers: 0.01 },
      lang: 'zh-Hant',
      theme: 'dark',
    });
    const q = new URLSearchParams(search);
    expect(q.get('keep')).toBe('1');
    // Only what differs from the defaults travels.
    expect(Object.keys(JSON.parse(q.get('recipe')!) as object).sort()).toEqual([
      'clip',
      'epochs',
      'optimizer',
      'schedule',
    ]);
    const back = readUrl(search);
    expect(back.recipe).toEqual(recipe);
    expect(back.backend).toBe('wasm');
    expect(back.data).toEqual({ kind: 'builtin', size: 200, noise: 0.05, outliers: 0.01 });
    expect(back.lang).toBe('zh-Hant');
    expect(back.theme).toBe('dark');
    expect(back.problems).toEqual([]);
  });

  it('keeps a dataset link', () => {
    const url = 'https://example.org/data/perov5.csv?x=1&y=2';
    const search = writeUrl('', {
      recipe: DEFAULT_TRAIN_CONFIG,
      backend: 'auto',
      data: { kind: 'url', url },
      lang: 'en',
      theme: null,
    });
    expect(readUrl(search).data).toEqual({ kind: 'url', url });
  });

  it('says what it ignored and falls back to the defaults', () => {
    const s = readUrl('?recipe={"epochs":0}&backend=tpu&data=ftp://x&size=5&lang=fr');
    expect(s.recipe).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(s.backend).toBe('auto');
    expect(s.data).toEqual(DEFAULT_BUILTIN);
    expect(s.lang).toBeNull();
    expect(s.problems).toHaveLength(3);
    expect(s.problems[0]).toMatch(/epochs must be a whole number ≥ 1/);
    expect(s.problems[1]).toMatch(/"tpu"/);
    expect(readUrl('?recipe=not-json').problems[0]).toMatch(/^recipe:/);
  });

  it('recipeDiff is empty for the defaults and names only changed top-level fields', () => {
    expect(recipeDiff(DEFAULT_TRAIN_CONFIG)).toEqual({});
    expect(recipeDiff(withDefaults({ seed: 7, model: { nConv: 2 } }))).toEqual({
      seed: 7,
      model: { ...DEFAULT_TRAIN_CONFIG.model, nConv: 2 },
    });
  });
});

describe('run clock', () => {
  it('counts running time only', () => {
    let c = { runningSince: null, activeMs: 0, firstStep: null } as Parameters<typeof tickClock>[0];
    c = tickClock(c, 'running', 1000);
    c = tickClock(c, 'paused', 1500);
    expect(c).toEqual({ runningSince: null, activeMs: 500, firstStep: null });
    c = tickClock(c, 'running', 4000);
    c = tickClock(c, 'done', 4250);
    expect(c.activeMs).toBe(750);
    expect(c.runningSince).toBeNull();
  });

  it('the view, lesson, presentation and the playground set-up travel in the link', () => {
    const pg: PlaygroundSetup = {
      surface: { kind: 'custom', source: 'x^2 - y^2 + 0.1*x^4', half: 2 },
      start: [0.5, -0.25],
      runs: [
        makeRun('Nesterov', 0.05, { batch: 'mini', opt: { momentum: 0.8 } }, '#000000'),
        makeRun('AdamW', 0.2, { start: [1, 1], opt: { weightDecay: 0.05 } }, '#111111'),
      ],
      settings: { steps: 250, noise: 0.3, seed: 7, decay: true, clipNorm: 5, nanGuard: true },
    };
    const base = readUrl('');
    const search = writeUrl('', { ...base, lang: 'en', view: 'playground', pg });
    const back = readUrl(search);
    expect(back.problems).toEqual([]);
    expect(back.view).toBe('playground');
    expect(back.pg?.surface).toEqual(pg.surface);
    expect(back.pg?.start).toEqual(pg.start);
    expect(back.pg?.settings).toEqual(pg.settings);
    expect(back.pg?.runs.map((r) => [r.opt, r.batch, r.start])).toEqual(
      pg.runs.map((r) => [r.opt, r.batch, r.start]),
    );
    // The playground is written only while it is shown; lessons carry their id and presentation flag.
    const lessons = writeUrl('', {
      ...base,
      lang: 'en',
      view: 'lessons',
      lesson: 'momentum',
      presenting: true,
      pg,
    });
    expect(new URLSearchParams(lessons).get('pg')).toBeNull();
    expect(readUrl(lessons)).toMatchObject({ view: 'lessons', lesson: 'momentum', presenting: true });
    // What cannot be used is said, and the rest still applies.
    const bad = readUrl('?view=nope&pg=%7Bnot%20json&lesson=../../x');
    expect(bad.view).toBe('train');
    expect(bad.pg).toBeNull();
    expect(bad.lesson).toBeNull();
    expect(bad.problems.join(' ')).toMatch(/view: "nope".*pg: not valid JSON/);
    const unknown = readUrl(
      `?pg=${encodeURIComponent(JSON.stringify({ runs: [{ opt: { kind: 'LBFGS' } }] }))}`,
    );
    expect(unknown.problems.join(' ')).toContain('run 1 has no known optimizer kind');
  });
});
