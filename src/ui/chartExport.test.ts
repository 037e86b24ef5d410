import { describe, expect, it } from 'vitest';
import { escapeXml, legendSvg, resolveCssVars, safeFileName, svgDocument, svgSize } from './chartExport.ts';

/**
 * A small XML well-formedness check (no DOMParser in the node test environment): balanced tags,
 * quoted attributes without '<' or a raw '&', no duplicate attributes, only the five predefined or
 * numeric entities in text. Returns the root element's name; throws on the first problem.
 */
function checkXml(xml: string): string {
  const stack: string[] = [];
  let root = '';
  let i = 0;
  const entity = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
  const checkText = (t: string) => {
    for (let k = t.indexOf('&'); k >= 0; k = t.indexOf('&', k + 1)) {
      if (!entity.test(t.slice(k))) throw new Error(`bad entity at ${t.slice(k, k + 12)}`);
    }
    if (t.includes('<')) throw new Error('raw < in text');
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      if (xml.slice(i).trim() !== '') throw new Error('text after the root');
      break;
    }
    const text = xml.slice(i, lt);
    if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root');
    checkText(text);
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error('unclosed tag');
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
    } else {
      const selfClose = tag.endsWith('/');
      const body = selfClose ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w:.-]*)/.exec(body);
      if (m === null) throw new Error(`bad tag <${tag}>`);
      const name = m[1]!;
      if (root === '') root = name;
      else if (stack.length === 0) throw new Error('second root');
      const attrs = body.slice(name.length);
      const re = /\s+([A-Za-z_][\w:.-]*)\s*=\s*("[^"<]*"|'[^'<]*')/y;
      const seen = new Set<string>();
      let a = 0;
      while (a < attrs.trimEnd().length) {
        re.lastIndex = a;
        const am = re.exec(attrs);
        if (am === null) throw new Error(`bad attributes in <${name}${attrs}>`);
        if (seen.has(am[1]!)) throw new Error(`duplicate attribute ${am[1]}`);
        seen.add(am[1]!);
        checkText(am[2]!.slice(1, -1));
        a = re.lastIndex;
      }
      if (!selfClose) stack.push(name);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('><')}>`);
  return root;
}

/** Un-escapes the five entities (to compare text that went through escapeXml). */
function unescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('checkXml (the test helper itself)', () => {
  it('accepts well-formed and rejects broken markup', () => {
    expect(checkXml('<a x="1"><b/>t &amp; u</a>')).toBe('a');
    expect(() => checkXml('<a><b></a>')).toThrow();
    expect(() => checkXml('<a>x & y</a>')).toThrow();
    expect(() => checkXml('<a x="<"/>')).toThrow();
    expect(() => checkXml('<a x=1/>')).toThrow();
    expect(() => checkXml('<a/><b/>')).toThrow();
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and round-trips', () => {
    const s = `a < b && c > "d" 'e'`;
    expect(escapeXml(s)).toBe('a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;');
    expect(unescape(escapeXml(s))).toBe(s);
  });

  it('drops characters XML cannot carry, keeps other scripts', () => {
    expect(escapeXml('a\u0000b\u0008c\td\ne')).toBe('abc\td\ne');
    expect(escapeXml('損失 δ=1 📉')).toBe('損失 δ=1 📉');
    expect(escapeXml('x\uD800y')).toBe('xy');
  });
});

describe('safeFileName', () => {
  it('keeps plain names and letters of any script', () => {
    expect(safeFileName('loss')).toBe('loss');
    expect(safeFileName('Huber δ=1 損失')).toBe('Huber-δ=1-損失');
  });

  it('removes path separators, reserved and control characters', () => {
    expect(safeFileName('../etc/passwd')).toBe('etc-passwd');
    expect(safeFileName('a<b>c:d"e|f?g*h\\i')).toBe('a-b-c-d-e-f-g-h-i');
    expect(safeFileName('tab\there\u0001')).toBe('tab-here');
  });

  it('trims dots/dashes, collapses runs, falls back when empty', () => {
    expect(safeFileName('  ..loss  curve.. ')).toBe('loss-curve');
    expect(safeFileName('')).toBe('chart');
    expect(safeFileName('///', 'x')).toBe('x');
  });

  it('avoids Windows device names and caps the length', () => {
    expect(safeFileName('CON')).toBe('_CON');
    expect(safeFileName('nul.txt')).toBe('_nul.txt');
    expect(safeFileName('console')).toBe('console');
    expect(Array.from(safeFileName('損'.repeat(300))).length).toBe(100);
    expect(safeFileName('a'.repeat(99) + '-b', 'chart', 100)).toBe('a'.repeat(99));
  });
});

describe('resolveCssVars', () => {
  const vars: Record<string, string> = {
    '--fg': '#1b2430',
    '--muted': ' #5b6675 ',
    '--accent': 'var(--fg)',
    '--loop': 'var(--loop)',
    '--empty': '',
  };
  const lookup = (n: string) => vars[n];

  it('replaces references, trimmed', () => {
    expect(resolveCssVars('var(--fg)', lookup)).toBe('#1b2430');
    expect(resolveCssVars('var( --muted )', lookup)).toBe('#5b6675');
    expect(resolveCssVars('1px solid var(--fg)', lookup)).toBe('1px solid #1b2430');
  });

  it('leaves values without references alone', () => {
    expect(resolveCssVars('rgb(1, 2, 3)', lookup)).toBe('rgb(1, 2, 3)');
    expect(resolveCssVars('', lookup)).toBe('');
  });

  it('resolves chains and nested fallbacks', () => {
    expect(resolveCssVars('var(--accent)', lookup)).toBe('#1b2430');
    expect(resolveCssVars('var(--nope, var(--fg))', lookup)).toBe('#1b2430');
    expect(resolveCssVars('var(--nope, rgb(1, 2, 3))', lookup)).toBe('rgb(1, 2, 3)');
    expect(resolveCssVars('var(--empty, red)', lookup)).toBe('red');
  });

  it('resolves several references inside functions', () => {
    expect(resolveCssVars('color-mix(in srgb, var(--fg) 15%, var(--x, transparent))', lookup)).toBe(
      'color-mix(in srgb, #1b2430 15%, transparent)',
    );
  });

  it('gives none for an unknown variable, terminates on cycles and bad input', () => {
    expect(resolveCssVars('var(--nope)', lookup)).toBe('none');
    expect(typeof resolveCssVars('var(--loop)', lookup)).toBe('string');
    expect(resolveCssVars('var(--fg', lookup)).toBe('var(--fg');
    expect(resolveCssVars('envvar(--fg)', lookup)).toBe('envvar(--fg)');
  });
});

describe('legendSvg', () => {
  const base = {
    x: 0,
    y: 100,
    width: 300,
    fontSize: 12,
    fontFamily: 'system-ui, "Segoe UI"',
    textColor: '#333',
  };

  it('is empty without items', () => {
    expect(legendSvg([], base)).toEqual({ markup: '', height: 0 });
  });

  it('draws one swatch and one escaped text per item, well-formed', () => {
    const { markup, height } = legendSvg(
      [
        { name: 'train <loss> & "val"', color: '#e15759' },
        { name: 'Huber δ=1', color: 'rgb(1, 2, 3)', dashed: true },
      ],
      base,
    );
    expect(checkXml(markup)).toBe('g');
    expect(markup.match(/<line /g)).toHaveLength(2);
    expect(markup.match(/<text /g)).toHaveLength(2);
    expect(markup).toContain('>train &lt;loss&gt; &amp; &quot;val&quot;</text>');
    expect(markup).toContain('stroke="#e15759"');
    expect(markup.match(/stroke-dasharray/g)).toHaveLength(1);
    expect(markup).toContain('font-family="system-ui, &quot;Segoe UI&quot;"');
    expect(height).toBeGreaterThan(12);
  });

  it('wraps onto more rows when the items do not fit', () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ name: `series ${i}`, color: '#000' }));
    const wide = legendSvg(items, { ...base, width: 2000 });
    const narrow = legendSvg(items, { ...base, width: 150 });
    expect(narrow.height).toBeGreaterThan(wide.height);
    const ys = (m: string) => new Set([...m.matchAll(/<text [^>]*\by="([\d.]+)"/g)].map((g) => g[1]));
    expect(ys(wide.markup).size).toBe(1);
    expect(ys(narrow.markup).size).toBeGreaterThan(1);
    // Every item stays within the width (an item wider than the width gets a row of its own).
    for (const g of narrow.markup.matchAll(/<line x1="([\d.]+)"/g)) expect(Number(g[1])).toBeLessThan(150);
  });

  it('uses the given text measure', () => {
    const items = [
      { name: 'a', color: '#000' },
      { name: 'b', color: '#000' },
    ];
    const one = legendSvg(items, { ...base, width: 100, measure: () => 10 });
    const two = legendSvg(items, { ...base, width: 100, measure: () => 60 });
    expect(two.height).toBeGreaterThan(one.height);
  });
});

describe('svgDocument / svgSize', () => {
  it('builds a well-formed standalone document with background, title and body', () => {
    const legend = legendSvg([{ name: 'a&b', color: 'red' }], {
      x: 0,
      y: 226,
      width: 400,
      fontSize: 12,
      fontFamily: 'sans-serif',
      textColor: '#444',
    });
    const doc = svgDocument({
      width: 400.5,
      height: 226 + legend.height,
      background: '#fff',
      title: 'Loss <train> & "val"',
      titleStyle: { fontFamily: 'sans-serif', fontSize: 14, color: '#111' },
      titleHeight: 26,
      body: [
        '<svg xmlns="http://www.w3.org/2000/svg" x="0" y="26" width="400" height="200"><path d="M0,0L1,1"/></svg>',
        legend.markup,
      ],
    });
    expect(checkXml(doc)).toBe('svg');
    expect(doc).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" xmlns:xlink="http:\/\/www\.w3\.org\/1999\/xlink"/,
    );
    expect(doc).toContain('viewBox="0 0 400.5 ');
    expect(doc).toContain('<title>Loss &lt;train&gt; &amp; &quot;val&quot;</title>');
    expect(doc).toContain('<rect x="0" y="0" width="400.5"');
    expect(doc).toContain('fill="#fff"');
    expect(doc.match(/Loss &lt;train&gt;/g)).toHaveLength(2); // <title> and the visible line
    expect(svgSize(doc)).toEqual({ width: 400.5, height: 226 + legend.height });
  });

  it('leaves the title out when there is none', () => {
    const doc = svgDocument({ width: 10, height: 20, background: 'rgb(0, 0, 0)', body: [] });
    expect(checkXml(doc)).toBe('svg');
    expect(doc).not.toContain('<title>');
    expect(doc).not.toContain('<text');
    const blank = svgDocument({ width: 10, height: 20, background: '#000', title: '  ', body: [] });
    expect(blank).not.toContain('<title>');
  });

  it('svgSize reads the root size, null without one', () => {
    expect(svgSize(`<svg width='12' height="3.5"><svg width="1" height="1"/></svg>`)).toEqual({
      width: 12,
      height: 3.5,
    });
    expect(svgSize('<svg viewBox="0 0 1 1"/>')).toBeNull();
    expect(svgSize('<div/>')).toBeNull();
  });
});
