import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { mathAlphabet, MathTex, parseTex, RichText, splitRichText, type MathNode } from './math.tsx';

/** A compact s-expression of a node: `(mfrac (mi a) (mi b))`; attributes are left out. */
function sexpr(n: MathNode): string {
  if ('text' in n) return n.tag === 'mspace' ? `(mspace ${n.attrs?.width ?? ''})` : `(${n.tag} ${n.text})`;
  return `(${[n.tag, ...n.children.map(sexpr)].join(' ')})`;
}

/** The top-level nodes of a formula, as s-expressions separated by spaces; fails on any problem. */
function tree(tex: string): string {
  const { tree: t, unknown, errors } = parseTex(tex);
  expect({ unknown, errors }).toEqual({ unknown: [], errors: [] });
  expect(t.tag).toBe('mrow');
  return t.tag === 'mrow' ? t.children.map(sexpr).join(' ') : '';
}

/** The top-level nodes themselves. */
function nodes(tex: string): MathNode[] {
  const t = parseTex(tex).tree;
  return 'children' in t ? t.children : [];
}

const markup = (tex: string, display = false) =>
  renderToStaticMarkup(createElement(MathTex, { tex, display }));

describe('parseTex: structure', () => {
  it('fractions, roots and scripts', () => {
    expect(tree('\\frac{a}{b}')).toBe('(mfrac (mi a) (mi b))');
    expect(tree('\\frac12')).toBe('(mfrac (mn 1) (mn 2))');
    expect(tree('\\dfrac{1}{n}')).toBe('(mfrac (mn 1) (mi n))');
    expect(nodes('\\dfrac{1}{n}')[0]?.attrs).toEqual({ displaystyle: 'true' });
    expect(tree('x_i^2')).toBe('(msubsup (mi x) (mi i) (mn 2))');
    expect(tree('x^2_i')).toBe('(msubsup (mi x) (mi i) (mn 2))');
    expect(tree('x^{10}')).toBe('(msup (mi x) (mn 10))');
    expect(tree('x^23')).toBe('(msup (mi x) (mn 2)) (mn 3)'); // as in TeX: one digit
    expect(tree("f'(x)")).toBe('(msup (mi f) (mo ′)) (mo () (mi x) (mo ))');
    expect(tree('\\sqrt{x}')).toBe('(msqrt (mi x))');
    expect(tree('\\sqrt[3]{x+1}')).toBe('(mroot (mrow (mi x) (mo +) (mn 1)) (mn 3))');
    expect(tree('\\beta_1^t')).toBe('(msubsup (mi β) (mn 1) (mi t))');
    expect(tree('10^{-6}')).toBe('(msup (mn 10) (mrow (mo −) (mn 6)))');
    expect(tree('0.05 + 1.4826')).toBe('(mn 0.05) (mo +) (mn 1.4826)');
  });

  it('λ_max, norms and \\left…\\right', () => {
    expect(tree('\\lambda_{\\max}')).toBe('(msub (mi λ) (mi max))');
    expect(tree('\\|g\\|_2')).toBe('(mo ‖) (mi g) (msub (mo ‖) (mn 2))');
    const [open, , close] = nodes('\\|g\\|_2');
    expect(open?.attrs).toEqual({ stretchy: 'false', lspace: '0', rspace: '0' });
    expect(close?.tag === 'msub' && close.children[0]?.attrs?.stretchy).toBe('false');
    expect(tree('\\lVert x \\rVert')).toBe('(mo ‖) (mi x) (mo ‖)');
    expect(tree('\\left(\\frac{1}{2}\\right)')).toBe('(mrow (mo () (mfrac (mn 1) (mn 2)) (mo )))');
    const row = nodes('\\left(\\frac{1}{2}\\right)')[0];
    const fences = row && 'children' in row ? [row.children[0], row.children[2]] : [];
    for (const f of fences) expect(f?.attrs).toMatchObject({ stretchy: 'true', fence: 'true' });
    expect(tree('\\left. x \\right|_0')).toBe('(msub (mrow (mi x) (mo |)) (mn 0))');
    expect(tree('\\left\\{ a \\middle| b \\right\\}')).toBe('(mrow (mo {) (mi a) (mo |) (mi b) (mo }))');
    expect(tree('(a)')).toBe('(mo () (mi a) (mo ))');
    expect(nodes('(a)')[0]?.attrs).toEqual({ stretchy: 'false' });
  });

  it('operators, relations, Greek letters and symbols', () => {
    expect(tree('a \\cdot b \\times c \\le d \\ge e \\ne f \\approx g \\sim h \\to \\infty')).toBe(
      '(mi a) (mo ⋅) (mi b) (mo ×) (mi c) (mo ≤) (mi d) (mo ≥) (mi e) (mo ≠) (mi f) (mo ≈) (mi g) (mo ∼) (mi h) (mo →) (mi ∞)',
    );
    expect(tree('a\\leq b\\geq c \\odot d \\in e')).toBe(
      '(mi a) (mo ≤) (mi b) (mo ≥) (mi c) (mo ⊙) (mi d) (mo ∈) (mi e)',
    );
    expect(tree('a - b = c < d > e ≤ f ≥ g ≈ h · i × j ÷ k')).toBe(
      '(mi a) (mo −) (mi b) (mo =) (mi c) (mo <) (mi d) (mo >) (mi e) (mo ≤) (mi f) (mo ≥) (mi g) (mo ≈) (mi h) (mo ⋅) (mi i) (mo ×) (mi j) (mo ÷) (mi k)',
    );
    expect(tree('[a; b], |c|, n!')).toBe(
      '(mo [) (mi a) (mo ;) (mi b) (mo ]) (mo ,) (mo |) (mi c) (mo |) (mo ,) (mi n) (mo !)',
    );
    expect(
      tree(
        '\\alpha\\beta\\gamma\\delta\\epsilon\\varepsilon\\eta\\theta\\kappa\\lambda\\mu\\nu\\xi\\pi\\rho\\sigma\\tau\\phi\\varphi\\chi\\psi\\omega',
      ),
    ).toBe([...'αβγδϵεηθκλμνξπρστϕφχψω'].map((c) => `(mi ${c})`).join(' '));
    expect(tree('\\Gamma\\Delta\\Theta\\Lambda\\Sigma\\Phi\\Psi\\Omega')).toBe(
      [...'ΓΔΘΛΣΦΨΩ'].map((c) => `(mi ${c})`).join(' '),
    );
    expect(nodes('\\Delta')[0]?.attrs).toEqual({ mathvariant: 'normal' }); // capitals upright, as in TeX
    expect(nodes('\\delta')[0]?.attrs).toBeUndefined();
    expect(tree('\\partial f / \\partial x')).toBe('(mi ∂) (mi f) (mo /) (mi ∂) (mi x)');
    expect(nodes('\\nabla')[0]?.attrs).toEqual({ mathvariant: 'normal' });
    expect(tree('a\\quad b\\qquad c\\,d\\;e')).toBe(
      '(mi a) (mspace 1em) (mi b) (mspace 2em) (mi c) (mspace 0.1667em) (mi d) (mspace 0.2778em) (mi e)',
    );
  });

  it('a sign is not a binary operator', () => {
    const [minus, , plus] = nodes('-x + 1');
    expect(minus?.attrs).toEqual({ lspace: '0', rspace: '0' });
    expect(plus?.attrs).toBeUndefined();
    expect(nodes('(-4, 1)')[1]?.attrs).toEqual({ lspace: '0', rspace: '0' });
    expect(nodes('a = -b')[2]?.attrs).toEqual({ lspace: '0', rspace: '0' });
    expect(nodes('a - b')[1]?.attrs).toBeUndefined();
    // | opens after an operator and closes after an operand, so the minus inside is a sign.
    expect(nodes('|-x|')[1]?.attrs).toEqual({ lspace: '0', rspace: '0' });
  });

  it('large operators and function names', () => {
    expect(tree('\\sum_{i=1}^{n} x_i')).toBe(
      '(munderover (mo ∑) (mrow (mi i) (mo =) (mn 1)) (mi n)) (msub (mi x) (mi i))',
    );
    expect(tree('\\prod_i p_i')).toBe('(munder (mo ∏) (mi i)) (msub (mi p) (mi i))');
    expect(tree('\\int_0^1 f')).toBe('(msubsup (mo ∫) (mn 0) (mn 1)) (mi f)');
    const argmin = nodes('\\min_x f');
    expect(argmin.map(sexpr).join(' ')).toBe('(munder (mo min) (mi x)) (mspace 0.1667em) (mi f)');
    expect(argmin[0] && 'children' in argmin[0] ? argmin[0].children[0]?.attrs : null).toMatchObject({
      movablelimits: 'true',
    });
    expect(tree('\\sin x + \\cos(y)')).toBe(
      '(mi sin) (mspace 0.1667em) (mi x) (mo +) (mi cos) (mo () (mi y) (mo ))',
    );
    expect(tree('\\log \\exp \\ln \\tanh \\sign \\arg \\max')).toContain('(mi log)');
    expect(tree('\\operatorname{median}(y)')).toBe('(mi median) (mo () (mi y) (mo ))');
    expect(tree('\\operatorname{diag}(2, -2)')).toBe('(mi diag) (mo () (mn 2) (mo ,) (mo −) (mn 2) (mo ))');
  });

  it('fonts, text and accents', () => {
    expect(tree('\\mathbf{g}')).toBe('(mi 𝐠)');
    expect(tree('\\boldsymbol{\\theta}')).toBe('(mi 𝜽)');
    expect(tree('\\mathbb{E}[X]')).toBe('(mi 𝔼) (mo [) (mi X) (mo ])');
    expect(tree('\\mathbb{R}^n')).toBe('(msup (mi ℝ) (mi n))');
    expect(tree('\\mathrm{lr}')).toBe('(mi lr)');
    expect(tree('\\mathrm{d}x')).toBe('(mi d) (mi x)');
    expect(nodes('\\mathrm{d}x')[0]?.attrs).toEqual({ mathvariant: 'normal' });
    expect(tree('\\text{ if } x')).toBe('(mtext \u00a0if\u00a0) (mi x)');
    expect(tree('\\text{max\\_norm}')).toBe('(mtext max_norm)');
    expect(tree('\\hat{g}')).toBe('(mover (mi g) (mo ^))');
    expect(nodes('\\hat g')[0]?.attrs).toEqual({ accent: 'true' });
    expect(tree('\\bar y + \\tilde x + \\vec v')).toBe(
      '(mover (mi y) (mo ‾)) (mo +) (mover (mi x) (mo ~)) (mo +) (mover (mi v) (mo →))',
    );
    expect(mathAlphabet('α', 'bold')).toBe('𝛂');
    expect(mathAlphabet('Ω', 'bolditalic')).toBe('𝜴');
    expect(mathAlphabet('1', 'bold')).toBe('𝟏');
    expect(mathAlphabet('+', 'bold')).toBe('+');
  });

  it('cases and aligned environments', () => {
    expect(tree('\\begin{cases} a & x > 0 \\\\ b & x \\le 0 \\end{cases}')).toBe(
      '(mrow (mo {) (mtable (mtr (mtd (mi a)) (mtd (mrow (mi x) (mo >) (mn 0)))) (mtr (mtd (mi b)) (mtd (mrow (mi x) (mo ≤) (mn 0))))))',
    );
    expect(tree('\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}')).toBe(
      '(mtable (mtr (mtd (mi a)) (mtd (mrow (mrow) (mo =) (mi b)))) (mtr (mtd (mi c)) (mtd (mrow (mrow) (mo =) (mi d)))))',
    );
  });
});

describe('parseTex: problems are reported, never thrown', () => {
  it('reports unknown commands and draws them in red', () => {
    const r = parseTex('\\foo + \\bar{x} + \\mathcal{L}');
    expect(r.unknown).toEqual(['\\foo', '\\mathcal']);
    expect(r.tree.tag === 'mrow' && sexpr(r.tree.children[0]!)).toBe('(mtext \\foo)');
    expect(markup('\\foo')).toContain('<mtext style="color:#d1242f">\\foo</mtext>');
    expect(parseTex('\\begin{tabular}x\\end{tabular}').unknown).toEqual(['\\begin{tabular}']);
  });

  it('reports structural problems', () => {
    expect(parseTex('\\frac{a}{b').errors).toEqual(['missing }']);
    expect(parseTex('\\left( x').errors).toEqual(['\\left without \\right']);
    expect(parseTex('x \\right)').errors).toEqual(['\\right without \\left']);
    expect(parseTex('a } b').errors).toEqual(['unmatched }']);
    expect(parseTex('x^').errors).toEqual(['^: missing argument']);
    expect(parseTex('a & b').errors).toHaveLength(1);
  });

  it('survives arbitrary input', () => {
    const alphabet = [
      '\\',
      '{',
      '}',
      '^',
      '_',
      '$',
      '&',
      '[',
      ']',
      'x',
      '1',
      ' ',
      '\\frac',
      '\\left',
      '\\right',
      '\\sqrt',
      '\\begin{cases}',
      '\\end{cases}',
      '\\\\',
      "'",
      '|',
      '\\text{',
      '\\mathbf',
    ];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 500; k++) {
      const tex = Array.from(
        { length: 1 + Math.floor(rand() * 12) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
      expect(() => markup(tex), tex).not.toThrow();
    }
  });
});

describe('MathTex', () => {
  it('renders native MathML with the TeX as an annotation', () => {
    const html = markup('\\frac{a}{b}', true);
    expect(html).toBe(
      '<math display="block"><semantics><mrow><mfrac><mi>a</mi><mi>b</mi></mfrac></mrow>' +
        '<annotation encoding="application/x-tex">\\frac{a}{b}</annotation></semantics></math>',
    );
    expect(markup('x')).toContain('<math display="inline">');
    expect(markup('\\sqrt{x} < 1')).toContain('<msqrt><mi>x</mi></msqrt><mo>&lt;</mo><mn>1</mn>');
    expect(markup('a\\,b')).toContain('<mspace width="0.1667em"></mspace>');
  });
});

describe('RichText', () => {
  it('splits text, inline maths and bold', () => {
    expect(splitRichText('The step $\\eta g$ is **small** here.')).toEqual([
      { kind: 'text', text: 'The step ', bold: false },
      { kind: 'math', tex: '\\eta g', bold: false },
      { kind: 'text', text: ' is ', bold: false },
      { kind: 'text', text: 'small', bold: true },
      { kind: 'text', text: ' here.', bold: false },
    ]);
    expect(splitRichText('**bold $x$ too**')).toEqual([
      { kind: 'text', text: 'bold ', bold: true },
      { kind: 'math', tex: 'x', bold: true },
      { kind: 'text', text: ' too', bold: true },
    ]);
  });

  it('keeps escaped and unpaired markers as text', () => {
    expect(splitRichText('costs \\$5, not $x$')).toEqual([
      { kind: 'text', text: 'costs $5, not ', bold: false },
      { kind: 'math', tex: 'x', bold: false },
    ]);
    expect(splitRichText('$a \\$ b$')).toEqual([{ kind: 'math', tex: 'a \\$ b', bold: false }]);
    expect(splitRichText('a $ b ** c')).toEqual([{ kind: 'text', text: 'a $ b ** c', bold: false }]);
    expect(splitRichText('')).toEqual([]);
  });

  it('renders maths inline and bold as <strong>', () => {
    const html = renderToStaticMarkup(createElement(RichText, { text: 'Let $x$ be **very $y$ big**.' }));
    expect(html).toBe(
      'Let <math display="inline"><semantics><mrow><mi>x</mi></mrow><annotation encoding="application/x-tex">x</annotation></semantics></math> be ' +
        '<strong>very <math display="inline"><semantics><mrow><mi>y</mi></mrow><annotation encoding="application/x-tex">y</annotation></semantics></math> big</strong>.',
    );
  });
});
