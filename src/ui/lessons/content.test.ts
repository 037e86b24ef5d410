import { describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../../store/urlState.ts';
import { LESSON_IDS, LESSONS, type Block, type LessonId, type LessonText } from './content.ts';
import { parseTex, splitRichText } from './math.tsx';

const ZH: readonly Lang[] = ['zh-Hant', 'zh-Hans'];
const hasHan = (s: string) => /\p{Script=Han}/u.test(s);
/** Characters drawn about twice as wide as Latin ones (CJK, full-width forms). */
const isWide = (c: string) => /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(c);
const displayWidth = (s: string) => [...s].reduce((w, c) => w + (isWide(c) ? 2 : 1), 0);

/** Every rich-text field of a lesson, with a label, in a fixed order. */
function fields(l: LessonText): [string, string][] {
  const out: [string, string][] = [
    ['title', l.title],
    ['lead', l.lead],
    ['tryThis', l.tryThis],
    ['expect', l.expect],
  ];
  l.blocks.forEach((b, i) => {
    if (b.kind === 'list') b.items.forEach((it, j) => out.push([`blocks[${i}].items[${j}]`, it]));
    else if (b.kind !== 'math') out.push([`blocks[${i}]`, b.text]);
  });
  return out;
}

/** All TeX of a lesson: display maths and the inline maths of every field. */
function allTex(l: LessonText): string[] {
  const display = l.blocks.flatMap((b) => (b.kind === 'math' ? [b.tex] : []));
  const inline = fields(l).flatMap(([, text]) => inlineTex(text));
  return [...display, ...inline];
}

const inlineTex = (text: string) => splitRichText(text).flatMap((s) => (s.kind === 'math' ? [s.tex] : []));

/** The text with its maths replaced by a placeholder (for counting sentences). */
const withoutMaths = (text: string) =>
  splitRichText(text)
    .map((s) => (s.kind === 'math' ? 'X' : s.text))
    .join('');

const sentences = (text: string) => withoutMaths(text).match(/[.!?](?=\s|$)|[。！？]/g)?.length ?? 0;

/** A block's shape: its kind and, for a list, the number of items. */
const shape = (b: Block) => (b.kind === 'list' ? `list×${b.items.length}` : b.kind);

/** TeX with the words inside \text{…} blanked: display maths may translate those words only. */
const mathsOnly = (tex: string) => tex.replace(/\\text\{[^{}]*\}/g, '\\text{}');

const each = (fn: (lang: Lang, id: LessonId, l: LessonText) => void) => {
  for (const lang of LANGS) for (const id of LESSON_IDS) fn(lang, id, LESSONS[lang][id]);
};

describe('lesson content', () => {
  it('lists twelve lessons once each, and every language has exactly those', () => {
    expect(LESSON_IDS).toHaveLength(12);
    expect(new Set(LESSON_IDS).size).toBe(12);
    for (const lang of LANGS) expect(Object.keys(LESSONS[lang]).sort()).toEqual([...LESSON_IDS].sort());
  });

  it('has no empty field and 3–7 blocks per lesson', () => {
    each((lang, id, l) => {
      for (const [name, text] of fields(l))
        expect([lang, id, name, text.trim().length > 0]).toEqual([lang, id, name, true]);
      for (const b of l.blocks) if (b.kind === 'math') expect(b.tex.trim()).not.toBe('');
      for (const b of l.blocks) if (b.kind === 'list') expect(b.items.length).toBeGreaterThan(0);
      expect([lang, id, l.blocks.length >= 3 && l.blocks.length <= 7]).toEqual([lang, id, true]);
    });
  });

  it('keeps the lead to one sentence and the expectation to one or two', () => {
    each((lang, id, l) => {
      expect([lang, id, 'lead', sentences(l.lead)]).toEqual([lang, id, 'lead', 1]);
      const n = sentences(l.expect);
      expect([lang, id, 'expect', n >= 1 && n <= 2]).toEqual([lang, id, 'expect', true]);
    });
  });

  it('keeps the button labels short: ≤ 40 characters, the Chinese ones shorter than the English', () => {
    each((lang, id, l) => {
      expect([lang, id, displayWidth(l.tryThis) <= 40]).toEqual([lang, id, true]);
      if (lang !== 'en') {
        const en = LESSONS.en[id].tryThis;
        expect([lang, id, [...l.tryThis].length < [...en].length]).toEqual([lang, id, true]);
      }
    });
  });

  it('has the same blocks and the same maths in every language', () => {
    for (const id of LESSON_IDS) {
      const en = LESSONS.en[id];
      for (const lang of ZH) {
        const l = LESSONS[lang][id];
        expect([lang, id, l.blocks.map(shape)]).toEqual([lang, id, en.blocks.map(shape)]);
        l.blocks.forEach((b, i) => {
          const e = en.blocks[i];
          if (b.kind === 'math' && e?.kind === 'math')
            expect([lang, id, i, mathsOnly(b.tex)]).toEqual([lang, id, i, mathsOnly(e.tex)]);
        });
        // The inline maths of each field too (order may differ with the word order).
        const enFields = new Map(fields(en));
        for (const [name, text] of fields(l)) {
          const mine = inlineTex(text).sort();
          const theirs = inlineTex(enFields.get(name) ?? '').sort();
          expect([lang, id, name, mine]).toEqual([lang, id, name, theirs]);
        }
      }
    }
  });

  it('writes the Chinese lessons in Chinese', () => {
    for (const lang of ZH) {
      for (const id of LESSON_IDS) {
        for (const [name, text] of fields(LESSONS[lang][id]))
          expect([lang, id, name, hasHan(text)]).toEqual([lang, id, name, true]);
      }
    }
  });

  it('uses Traditional characters and Taiwan terms in zh-Hant, Simplified ones in zh-Hans', () => {
    const simplifiedOnly = [
      ...'学习动优损数图这个为时会过让还们样与积点练权码发变论阶维应观检边类场机来处态',
    ];
    const traditionalOnly = [
      ...'學習動優損數圖這個為時會過讓還們樣與積點練權碼發變論階維應觀檢邊類場機來處態',
    ];
    const text = (lang: Lang) =>
      LESSON_IDS.flatMap((id) => {
        const l = LESSONS[lang][id];
        return [
          ...fields(l).map(([, t]) => t),
          ...l.blocks.flatMap((b) => (b.kind === 'math' ? [b.tex] : [])),
        ];
      }).join('\n');
    const hant = text('zh-Hant');
    const hans = text('zh-Hans');
    expect(simplifiedOnly.filter((c) => hant.includes(c))).toEqual([]);
    expect(traditionalOnly.filter((c) => hans.includes(c))).toEqual([]);
    for (const term of ['學習率', '梯度', '動量', '鞍點', '最佳化器', '網路', '資料'])
      expect(hant).toContain(term);
    for (const term of ['学习率', '梯度', '动量', '鞍点', '优化器', '网络', '数据'])
      expect(hans).toContain(term);
    for (const term of ['網絡', '數據', '優化', '噪聲', '信息']) expect(hant).not.toContain(term);
    for (const term of ['网路', '资料', '最佳化', '杂讯']) expect(hans).not.toContain(term);
    for (const id of LESSON_IDS) expect(LESSONS['zh-Hant'][id].lead).not.toBe(LESSONS['zh-Hans'][id].lead);
    expect(LESSONS['zh-Hant'].momentum.title).toBe('動量');
    expect(LESSONS['zh-Hans'].momentum.title).toBe('动量');
  });

  it('uses only TeX that the MathML renderer knows', () => {
    each((lang, id, l) => {
      for (const tex of allTex(l)) {
        const { unknown, errors } = parseTex(tex);
        expect({ lang, id, tex, unknown, errors }).toEqual({ lang, id, tex, unknown: [], errors: [] });
      }
    });
  });

  it('keeps literal dollars and bold markers balanced', () => {
    each((lang, id, l) => {
      for (const [name, text] of fields(l)) {
        const plain = splitRichText(text)
          .filter((s) => s.kind === 'text')
          .map((s) => (s.kind === 'text' ? s.text : ''))
          .join('');
        expect([lang, id, name, plain.includes('$'), plain.includes('**')]).toEqual([
          lang,
          id,
          name,
          false,
          false,
        ]);
      }
    });
  });
});
