import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { translate } from './index.ts';
import { zhHans } from './zhHans.ts';
import { zhHant } from './zhHant.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

describe('i18n dictionaries', () => {
  const keys = Object.keys(en) as (keyof typeof en)[];
  it.each([
    ['zh-Hant', zhHant],
    ['zh-Hans', zhHans],
  ] as const)('%s has every key, with the same placeholders as English', (_, dict) => {
    expect(Object.keys(dict).sort()).toEqual([...keys].sort());
    for (const k of keys) expect([k, placeholders(dict[k])]).toEqual([k, placeholders(en[k])]);
  });

  it('the Chinese texts are Chinese (a key left in English is a missing translation)', () => {
    // Keys whose text is a name or a symbol in every language.
    const same = new Set([
      'loss.huber',
      'loss.smoothl1',
      'schedule.onecycle',
      'lr.valley',
      'chart.nanMarker',
      // Optimizer class names (torch's), the same in every language.
      'pg.kind.SGD',
      'pg.kind.Nesterov',
      'pg.kind.Adagrad',
      'pg.kind.RMSprop',
      'pg.kind.Adam',
      'pg.kind.AdamW',
      'land.mseMap',
      'land.huberMap',
      // A column header that is the recipe's own parameter name.
      'runs.col.lr',
    ]);
    for (const k of keys) {
      if (same.has(k) || !/[a-z]{3}/i.test(en[k])) continue;
      expect([k, hasHan(zhHant[k])]).toEqual([k, true]);
      expect([k, hasHan(zhHans[k])]).toEqual([k, true]);
    }
  });

  it('Traditional and Simplified differ where the scripts differ', () => {
    expect(zhHant['data.title']).toBe('資料集');
    expect(zhHans['data.title']).toBe('数据集');
    expect(
      translate('zh-Hant', 'run.statusText', { status: '訓練中', epoch: 2, epochs: 5, step: 10, steps: 25 }),
    ).toBe('訓練中 · 第 2/5 輪 · 第 10/25 步');
    expect(translate('en', 'chart.clippedShare', { pct: 21, k: 5, n: 24 })).toBe(
      'clipped 21% of steps (5 of 24)',
    );
  });
});
