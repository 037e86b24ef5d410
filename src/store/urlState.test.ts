import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, withDefaults } from '../core/recipe.ts';
import { tickClock } from './trainingSlice.ts';
import { DEFAULT_BUILTIN, readUrl, recipeDiff, writeUrl } from './urlState.ts';

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
});
