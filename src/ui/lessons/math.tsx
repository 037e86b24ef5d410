/**
 * Maths for the lessons: a small TeX-subset parser that produces native MathML (MathML Core, drawn by the
 * browser itself; no KaTeX/MathJax, no `dangerouslySetInnerHTML`).
 *
 * `parseTex` turns a TeX string into a plain tree of MathML nodes ({@link MathNode}); `MathTex` renders
 * that tree with `createElement`. The parser never throws: an unknown command becomes a red `<mtext>`
 * showing the command and is listed in `unknown`; structural slips (a missing `}`, a `\left` without
 * `\right`, …) are listed in `errors`. The tests parse every TeX string of the lesson content and fail on
 * either list, so a typo cannot reach the page unnoticed.
 *
 * Supported: letters (single-letter `<mi>`, italic by MathML's default), numbers, the operators and fences
 * of ordinary text (`+ - = < > ( ) [ ] | , ; ! '` and their Unicode forms), groups, `^` `_` and primes,
 * `\frac \dfrac \tfrac \sqrt \sqrt[n]`, `\left … \middle … \right`, `\big`-style delimiter sizes, Greek
 * letters, the usual relations, binary operators, arrows and large operators, function names (`\log`,
 * `\max`, `\operatorname{…}`; `\max_x` puts its script under the name in display style), fonts
 * (`\mathrm \mathbf \boldsymbol \mathbb \mathit \text \texttt`), accents (`\hat \bar \tilde \vec \dot
 * \overline`), spaces (`\, \: \; \quad \qquad \ ~ \!`) and the environments `cases`, `aligned`, `matrix`,
 * `pmatrix` and `bmatrix`.
 *
 * Spacing follows TeX where MathML's operator dictionary would differ: a `+`/`−` at the start of a group
 * or after an operator, relation or opening fence is a sign (no space around it); fences that are not
 * `\left`/`\right` do not stretch; `|` and `‖` are opening after an operator and closing after an operand;
 * a function name is followed by a thin space unless a fence or an operator comes next.
 */
import { createElement, type CSSProperties, type JSX, type ReactNode } from 'react';

/** MathML token elements: their content is text. */
export type TokenTag = 'mi' | 'mn' | 'mo' | 'mtext' | 'mspace';
/** MathML layout elements: their content is other nodes. */
export type LayoutTag =
  | 'mrow'
  | 'mfrac'
  | 'msqrt'
  | 'mroot'
  | 'msub'
  | 'msup'
  | 'msubsup'
  | 'munder'
  | 'mover'
  | 'munderover'
  | 'mtable'
  | 'mtr'
  | 'mtd';

/** Attributes of a node, as MathML writes them (`mathvariant`, `stretchy`, `lspace`, …). */
export type MathAttrs = Readonly<Record<string, string>>;

/** What a node needs beyond MathML attributes: a red unknown command, monospace text, a left-aligned cell. */
export type MathStyle = 'unknown' | 'mono' | 'left' | 'alignLeft' | 'alignRight';

export type MathNode =
  | { tag: TokenTag; text: string; attrs?: MathAttrs; style?: MathStyle }
  | { tag: LayoutTag; children: MathNode[]; attrs?: MathAttrs; style?: MathStyle };

export interface ParsedTex {
  /** The whole formula: an `<mrow>` (the content of the `<math>` element). */
  tree: MathNode;
  /** Unknown commands (and environments), in order of appearance, e.g. `['\\foo', '\\begin{bar}']`. */
  unknown: string[];
  /** Structural problems: a missing `}`, an unmatched `\left`/`\right`, a missing argument, … */
  errors: string[];
}

// ------------------------------------------------------------------------------------------------------
// Symbol tables
// ------------------------------------------------------------------------------------------------------

/**
 * TeX's atom classes, which decide spacing and whether `+`/`−` is a sign. `ambig` (`|`, `‖`) becomes
 * `open` or `close` from context; `space` is skipped when looking at neighbours.
 */
type AtomClass = 'ord' | 'op' | 'bin' | 'rel' | 'open' | 'close' | 'punct' | 'inner' | 'ambig' | 'space';

const GREEK: Readonly<Record<string, string>> = {
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ϵ',
  varepsilon: 'ε',
  zeta: 'ζ',
  eta: 'η',
  theta: 'θ',
  vartheta: 'ϑ',
  iota: 'ι',
  kappa: 'κ',
  lambda: 'λ',
  mu: 'μ',
  nu: 'ν',
  xi: 'ξ',
  omicron: 'ο',
  pi: 'π',
  varpi: 'ϖ',
  rho: 'ρ',
  varrho: 'ϱ',
  sigma: 'σ',
  varsigma: 'ς',
  tau: 'τ',
  upsilon: 'υ',
  phi: 'ϕ',
  varphi: 'φ',
  chi: 'χ',
  psi: 'ψ',
  omega: 'ω',
};

/** Capital Greek letters: upright, as in TeX. */
const GREEK_UPPER: Readonly<Record<string, string>> = {
  Gamma: 'Γ',
  Delta: 'Δ',
  Theta: 'Θ',
  Lambda: 'Λ',
  Xi: 'Ξ',
  Pi: 'Π',
  Sigma: 'Σ',
  Upsilon: 'Υ',
  Phi: 'Φ',
  Psi: 'Ψ',
  Omega: 'Ω',
};

/** Ordinary symbols drawn as `<mi>`; `upright` ones get mathvariant="normal". */
const ORD_SYMBOLS: Readonly<Record<string, { text: string; upright?: boolean }>> = {
  infty: { text: '∞' },
  partial: { text: '∂' },
  nabla: { text: '∇', upright: true },
  ell: { text: 'ℓ' },
  hbar: { text: 'ℏ' },
  emptyset: { text: '∅', upright: true },
  varnothing: { text: '∅', upright: true },
  forall: { text: '∀', upright: true },
  exists: { text: '∃', upright: true },
  neg: { text: '¬', upright: true },
  lnot: { text: '¬', upright: true },
  top: { text: '⊤', upright: true },
  bot: { text: '⊥', upright: true },
  prime: { text: '′', upright: true },
  ldots: { text: '…', upright: true },
  dots: { text: '…', upright: true },
  cdots: { text: '⋯', upright: true },
  vdots: { text: '⋮', upright: true },
  ddots: { text: '⋱', upright: true },
  dagger: { text: '†', upright: true },
};

const BIN_SYMBOLS: Readonly<Record<string, string>> = {
  cdot: '⋅',
  times: '×',
  div: '÷',
  pm: '±',
  mp: '∓',
  odot: '⊙',
  otimes: '⊗',
  oplus: '⊕',
  circ: '∘',
  ast: '∗',
  star: '⋆',
  bullet: '∙',
  cap: '∩',
  cup: '∪',
  setminus: '∖',
  wedge: '∧',
  land: '∧',
  vee: '∨',
  lor: '∨',
};

const REL_SYMBOLS: Readonly<Record<string, string>> = {
  le: '≤',
  leq: '≤',
  ge: '≥',
  geq: '≥',
  ne: '≠',
  neq: '≠',
  approx: '≈',
  sim: '∼',
  simeq: '≃',
  cong: '≅',
  equiv: '≡',
  propto: '∝',
  ll: '≪',
  gg: '≫',
  to: '→',
  rightarrow: '→',
  leftarrow: '←',
  gets: '←',
  leftrightarrow: '↔',
  Rightarrow: '⇒',
  Leftarrow: '⇐',
  Leftrightarrow: '⇔',
  implies: '⟹',
  iff: '⟺',
  mapsto: '↦',
  in: '∈',
  notin: '∉',
  ni: '∋',
  subset: '⊂',
  subseteq: '⊆',
  supset: '⊃',
  supseteq: '⊇',
  mid: '∣',
  parallel: '∥',
  perp: '⟂',
  coloneqq: '≔',
  triangleq: '≜',
};

/** Large operators; the first three take their limits above and below in display style. */
const LARGE_OPS: Readonly<Record<string, { text: string; limits: boolean }>> = {
  sum: { text: '∑', limits: true },
  prod: { text: '∏', limits: true },
  bigcup: { text: '⋃', limits: true },
  bigcap: { text: '⋂', limits: true },
  int: { text: '∫', limits: false },
  oint: { text: '∮', limits: false },
};

/** Function names (upright, a thin space after); `true`: limits under the name in display style. */
const FUNCTIONS: Readonly<Record<string, boolean>> = {
  log: false,
  ln: false,
  lg: false,
  exp: false,
  sin: false,
  cos: false,
  tan: false,
  sinh: false,
  cosh: false,
  tanh: false,
  arcsin: false,
  arccos: false,
  arctan: false,
  arg: false,
  sign: false,
  sgn: false,
  dim: false,
  ker: false,
  deg: false,
  tr: false,
  Var: false,
  Cov: false,
  diag: false,
  det: true,
  max: true,
  min: true,
  sup: true,
  inf: true,
  lim: true,
  argmax: true,
  argmin: true,
  Pr: true,
};

/** Delimiters after `\left`, `\right`, `\big…` (by command name, without the backslash). */
const DELIM_COMMANDS: Readonly<Record<string, string>> = {
  '{': '{',
  '}': '}',
  lbrace: '{',
  rbrace: '}',
  '|': '‖',
  Vert: '‖',
  lVert: '‖',
  rVert: '‖',
  vert: '|',
  lvert: '|',
  rvert: '|',
  langle: '⟨',
  rangle: '⟩',
  lfloor: '⌊',
  rfloor: '⌋',
  lceil: '⌈',
  rceil: '⌉',
};

/** Fence commands usable on their own (not after `\left`): their class. */
const FENCE_COMMANDS: Readonly<Record<string, AtomClass>> = {
  '{': 'open',
  lbrace: 'open',
  '}': 'close',
  rbrace: 'close',
  '|': 'ambig',
  Vert: 'ambig',
  lVert: 'open',
  rVert: 'close',
  vert: 'ambig',
  lvert: 'open',
  rvert: 'close',
  langle: 'open',
  rangle: 'close',
  lfloor: 'open',
  rfloor: 'close',
  lceil: 'open',
  rceil: 'close',
};

const SPACES: Readonly<Record<string, string | null>> = {
  ',': '0.1667em',
  thinspace: '0.1667em',
  ':': '0.2222em',
  '>': '0.2222em',
  medspace: '0.2222em',
  ';': '0.2778em',
  thickspace: '0.2778em',
  ' ': '0.3333em',
  enspace: '0.5em',
  quad: '1em',
  qquad: '2em',
  '!': null, // a negative thin space: MathML Core has none, so it is dropped
};

/** Accents: the mark drawn over the base. */
const ACCENTS: Readonly<Record<string, { mark: string; stretchy: boolean }>> = {
  hat: { mark: '^', stretchy: false },
  widehat: { mark: '^', stretchy: true },
  bar: { mark: '‾', stretchy: false },
  overline: { mark: '‾', stretchy: true },
  tilde: { mark: '~', stretchy: false },
  widetilde: { mark: '~', stretchy: true },
  vec: { mark: '→', stretchy: false },
  dot: { mark: '˙', stretchy: false },
  ddot: { mark: '¨', stretchy: false },
};

/** `\big(`-style sizes (TeX's sizes at 10 pt, in em). */
const BIG_SIZES: Readonly<Record<string, string>> = {
  big: '1.2em',
  Big: '1.623em',
  bigg: '2.047em',
  Bigg: '2.470em',
};

/** Characters typed directly: their class. Anything else that is not a letter or digit is `ord`. */
const CHAR_CLASS: Readonly<Record<string, AtomClass>> = {
  '+': 'bin',
  '-': 'bin',
  '−': 'bin',
  '*': 'bin',
  '·': 'bin',
  '⋅': 'bin',
  '×': 'bin',
  '÷': 'bin',
  '±': 'bin',
  '∓': 'bin',
  '⊙': 'bin',
  '∘': 'bin',
  '=': 'rel',
  '<': 'rel',
  '>': 'rel',
  '≤': 'rel',
  '≥': 'rel',
  '≈': 'rel',
  '≠': 'rel',
  '∼': 'rel',
  '≡': 'rel',
  '∝': 'rel',
  '→': 'rel',
  '←': 'rel',
  '⇒': 'rel',
  '⇔': 'rel',
  '∈': 'rel',
  ':': 'rel',
  '(': 'open',
  '[': 'open',
  '⟨': 'open',
  ')': 'close',
  ']': 'close',
  '⟩': 'close',
  '!': 'close',
  '?': 'close',
  '|': 'ambig',
  '‖': 'ambig',
  ',': 'punct',
  ';': 'punct',
};

/** How a typed character is written in MathML. */
const CHAR_TEXT: Readonly<Record<string, string>> = { '-': '−', '*': '∗', '·': '⋅' };

/** Characters that are `<mi>` although they are not letters. */
const ORD_CHARS = new Set(['∞', '∂', '∇', '∅', 'ℓ', 'ℏ']);

// ------------------------------------------------------------------------------------------------------
// Math alphabets (MathML Core draws bold and double-struck letters from Unicode, not from mathvariant)
// ------------------------------------------------------------------------------------------------------

type Font = 'normal' | 'bold' | 'bolditalic' | 'bb' | 'italic';

/** Offsets of the extra Greek symbols inside a 58-character Greek math alphabet block. */
const GREEK_EXTRA: Readonly<Record<string, number>> = {
  '∇': 25,
  '∂': 51,
  ϵ: 52,
  ϑ: 53,
  ϰ: 54,
  ϕ: 55,
  ϱ: 56,
  ϖ: 57,
};

const BB_HOLES: Readonly<Record<string, string>> = {
  C: 'ℂ',
  H: 'ℍ',
  N: 'ℕ',
  P: 'ℙ',
  Q: 'ℚ',
  R: 'ℝ',
  Z: 'ℤ',
};

/** One character in a math alphabet (unchanged where the alphabet has no such letter). */
export function mathAlphabet(ch: string, font: Font): string {
  const cp = ch.codePointAt(0) ?? 0;
  const upper = cp >= 0x41 && cp <= 0x5a;
  const lower = cp >= 0x61 && cp <= 0x7a;
  const digit = cp >= 0x30 && cp <= 0x39;
  const greekUpper = cp >= 0x391 && cp <= 0x3a9 && cp !== 0x3a2;
  const greekLower = cp >= 0x3b1 && cp <= 0x3c9;
  const greekExtra = GREEK_EXTRA[ch];
  const latin = (base: number) => String.fromCodePoint(base + (upper ? cp - 0x41 : 26 + cp - 0x61));
  const greek = (block: number) =>
    String.fromCodePoint(
      block + (greekUpper ? cp - 0x391 : greekLower ? 26 + cp - 0x3b1 : (greekExtra ?? 0)),
    );
  const isGreek = greekUpper || greekLower || greekExtra !== undefined;
  switch (font) {
    case 'bold':
      if (upper || lower) return latin(0x1d400);
      if (digit) return String.fromCodePoint(0x1d7ce + cp - 0x30);
      return isGreek ? greek(0x1d6a8) : ch;
    case 'bolditalic':
      if (upper || lower) return latin(0x1d468);
      if (digit) return String.fromCodePoint(0x1d7ce + cp - 0x30);
      return isGreek ? greek(0x1d71c) : ch;
    case 'bb':
      if (upper) return BB_HOLES[ch] ?? latin(0x1d538);
      if (lower) return latin(0x1d538);
      if (digit) return String.fromCodePoint(0x1d7d8 + cp - 0x30);
      return ch;
    case 'normal':
    case 'italic':
      return ch;
  }
}

// ------------------------------------------------------------------------------------------------------
// Parser
// ------------------------------------------------------------------------------------------------------

interface Atom {
  node: MathNode;
  cls: AtomClass;
  /** A function name: a thin space follows unless a fence or an operator comes next. */
  fn?: boolean;
  /** Takes its scripts as limits (under/over) in display style. */
  limits?: boolean;
}

/** Where a row ends (besides the end of the input). */
interface Stop {
  brace?: boolean;
  bracket?: boolean;
  right?: boolean;
  cell?: boolean;
}

const mo = (text: string, attrs?: MathAttrs): MathNode =>
  attrs ? { tag: 'mo', text, attrs } : { tag: 'mo', text };
const mrow = (children: MathNode[]): MathNode => ({ tag: 'mrow', children });
const space = (width: string): MathNode => ({ tag: 'mspace', text: '', attrs: { width } });

/** A node with extra attributes. */
function withAttrs(node: MathNode, attrs: MathAttrs): MathNode {
  return { ...node, attrs: { ...node.attrs, ...attrs } };
}

/** Unwraps a one-child row. */
function single(nodes: MathNode[]): MathNode {
  return nodes.length === 1 && nodes[0] ? nodes[0] : mrow(nodes);
}

const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
const isDigit = (ch: string) => ch >= '0' && ch <= '9';

/** The classes after which `|` opens and `+`/`−` is a sign. */
const BEFORE_OPERAND = new Set<AtomClass>(['bin', 'op', 'rel', 'open', 'punct']);

/**
 * Resolves context-dependent classes and spacing of one row: `|`/`‖` open or close, a `+`/`−` with no
 * left operand is a sign, a function name gets a thin space before an operand.
 */
function finishRow(atoms: Atom[]): MathNode[] {
  const real = atoms.filter((a) => a.cls !== 'space');
  let prev: AtomClass | undefined;
  for (const a of real) {
    if (a.cls === 'ambig') a.cls = prev === undefined || BEFORE_OPERAND.has(prev) ? 'open' : 'close';
    prev = a.cls;
  }
  real.forEach((a, i) => {
    if (a.cls !== 'bin') return;
    const before = real[i - 1]?.cls;
    const after = real[i + 1]?.cls;
    const sign = before === undefined || BEFORE_OPERAND.has(before);
    if (sign || after === undefined || after === 'rel' || after === 'close' || after === 'punct') {
      a.cls = 'ord';
      if (a.node.tag === 'mo') a.node = withAttrs(a.node, { lspace: '0', rspace: '0' });
    }
  });
  const out: MathNode[] = [];
  atoms.forEach((a, i) => {
    out.push(a.node);
    const next = atoms[i + 1];
    if (a.fn && next && (next.cls === 'ord' || next.cls === 'op' || next.cls === 'inner')) {
      out.push(space('0.1667em'));
    }
  });
  return out;
}

class TexParser {
  private pos = 0;
  private font: Font | null = null;
  readonly unknown: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly src: string) {}

  parse(): MathNode {
    const atoms = this.parseRow({});
    return mrow(finishRow(atoms));
  }

  // --- low-level reading --------------------------------------------------------------------------------

  private skipWs(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  /** The next character (one code point), without consuming it. */
  private peekChar(): string | undefined {
    const cp = this.src.codePointAt(this.pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private nextChar(): string {
    const ch = this.peekChar() ?? '';
    this.pos += ch.length;
    return ch;
  }

  /** The command at the position (`\alpha` → 'alpha', `\,` → ','), or null if none. */
  private peekCommand(): string | null {
    if (this.src[this.pos] !== '\\') return null;
    const m = /^[A-Za-z]+/.exec(this.src.slice(this.pos + 1));
    if (m) return m[0];
    const ch = this.src[this.pos + 1];
    return ch === undefined ? '' : ch;
  }

  private readCommand(): string {
    const name = this.peekCommand() ?? '';
    this.pos += 1 + name.length;
    return name;
  }

  private at(ch: string): boolean {
    this.skipWs();
    return this.src.startsWith(ch, this.pos);
  }

  private unknownCommand(name: string): Atom {
    this.unknown.push(name);
    return { node: { tag: 'mtext', text: name, style: 'unknown' }, cls: 'ord' };
  }

  /** Reads the raw text of a `{…}` argument (or one character), resolving `\{ \} \_ \$ \% \& \# \ `. */
  private readRawArgument(command: string): string {
    this.skipWs();
    if (this.src[this.pos] !== '{') {
      if (this.pos >= this.src.length) this.errors.push(`\\${command}: missing argument`);
      return this.nextChar();
    }
    this.pos++;
    let depth = 0;
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] ?? '';
      if (ch === '\\') {
        const name = this.readCommand();
        if (/^[{}_$%&# ]$/.test(name)) out += name;
        else {
          this.unknown.push(`\\${name}`);
          out += `\\${name}`;
        }
        continue;
      }
      this.pos++;
      if (ch === '{') depth++;
      else if (ch === '}') {
        if (depth === 0) return out;
        depth--;
      }
      out += ch;
    }
    this.errors.push(`\\${command}: missing }`);
    return out;
  }

  // --- rows and atoms -----------------------------------------------------------------------------------

  /** Atoms up to a stop (not consumed) or the end of the input. */
  private parseRow(stop: Stop): Atom[] {
    const atoms: Atom[] = [];
    for (;;) {
      this.skipWs();
      if (this.pos >= this.src.length) return atoms;
      const ch = this.src[this.pos];
      const cmd = this.peekCommand();
      if (ch === '}') {
        if (stop.brace) return atoms;
        this.pos++;
        this.errors.push('unmatched }');
        continue;
      }
      if (ch === ']' && stop.bracket) return atoms;
      if (cmd === 'right' || cmd === 'middle') {
        if (stop.right) return atoms;
        this.readCommand();
        this.errors.push(`\\${cmd} without \\left`);
        const delim = this.readDelimiter();
        if (delim) atoms.push(this.fenceAtom(delim, FENCE_COMMANDS[delim] ?? CHAR_CLASS[delim] ?? 'ord'));
        continue;
      }
      if (ch === '&' || cmd === '\\' || cmd === 'end') {
        if (stop.cell) return atoms;
        if (cmd === 'end') {
          this.readCommand();
          this.readRawArgument('end');
        } else this.pos += ch === '&' ? 1 : 2;
        this.errors.push(
          cmd === 'end' ? '\\end without \\begin' : `${ch === '&' ? '&' : '\\\\'} outside an environment`,
        );
        continue;
      }
      const atom = this.parseScripted();
      if (atom) atoms.push(atom);
    }
  }

  /** An atom with its sub/superscripts and primes. */
  private parseScripted(): Atom | null {
    const base = this.parsePrimary(false);
    if (!base) return null;
    let sub: MathNode | undefined;
    let sup: MathNode | undefined;
    let primes = '';
    for (;;) {
      this.skipWs();
      const ch = this.src[this.pos];
      if (ch === '_' || ch === '^') {
        this.pos++;
        const arg = this.parseArgument(ch);
        if ((ch === '_' ? sub : sup) !== undefined)
          this.errors.push(`double ${ch === '_' ? 'subscript' : 'superscript'}`);
        else if (ch === '_') sub = arg;
        else sup = arg;
      } else if (ch === "'") {
        this.pos++;
        primes += '′';
      } else break;
    }
    if (primes) sup = sup ? mrow([mo(primes), sup]) : mo(primes);
    if (!sub && !sup) return base;
    let baseNode = base.node;
    if (base.limits && base.fn && baseNode.tag === 'mi') {
      // An operator name with limits must be an <mo> for movablelimits to apply.
      baseNode = mo(baseNode.text, { movablelimits: 'true', lspace: '0', rspace: '0' });
    }
    let node: MathNode;
    if (base.limits) {
      node =
        sub && sup
          ? { tag: 'munderover', children: [baseNode, sub, sup] }
          : sub
            ? { tag: 'munder', children: [baseNode, sub] }
            : { tag: 'mover', children: [baseNode, sup ?? mrow([])] };
    } else {
      node =
        sub && sup
          ? { tag: 'msubsup', children: [baseNode, sub, sup] }
          : sub
            ? { tag: 'msub', children: [baseNode, sub] }
            : { tag: 'msup', children: [baseNode, sup ?? mrow([])] };
    }
    return { ...base, node };
  }

  /** A command's or a script's argument: a `{…}` group or a single token (one digit of a number). */
  private parseArgument(what: string): MathNode {
    this.skipWs();
    const ch = this.src[this.pos];
    if (ch === undefined || ch === '}' || ch === '&' || ch === '_' || ch === '^') {
      this.errors.push(`${what}: missing argument`);
      return mrow([]);
    }
    if (ch === '{') return this.parseGroup();
    return this.parsePrimary(true)?.node ?? mrow([]);
  }

  /** A `{…}` group as one node. */
  private parseGroup(): MathNode {
    this.pos++; // {
    const atoms = this.parseRow({ brace: true });
    this.closeBrace();
    return single(finishRow(atoms));
  }

  private closeBrace(): void {
    if (this.src[this.pos] === '}') this.pos++;
    else this.errors.push('missing }');
  }

  /** A group parsed in a font. */
  private inFont(font: Font, read: () => MathNode): MathNode {
    const saved = this.font;
    this.font = font;
    const node = read();
    this.font = saved;
    return node;
  }

  private letter(text: string, upright: boolean): MathNode {
    const font = this.font;
    if (font === 'bold' || font === 'bolditalic' || font === 'bb') {
      return { tag: 'mi', text: [...text].map((c) => mathAlphabet(c, font)).join('') };
    }
    const normal = font === 'normal' || (upright && font !== 'italic');
    return normal && [...text].length === 1
      ? { tag: 'mi', text, attrs: { mathvariant: 'normal' } }
      : { tag: 'mi', text };
  }

  /** One atom without scripts, or null where the input has nothing to draw (a `\!`, the end). */
  private parsePrimary(singleDigit: boolean): Atom | null {
    this.skipWs();
    const ch = this.peekChar();
    if (ch === undefined) return null;
    if (ch === '{') return { node: this.parseGroup(), cls: 'ord' };
    if (ch === '\\') return this.parseCommand();
    if (isDigit(ch) || (ch === '.' && isDigit(this.src[this.pos + 1] ?? ''))) {
      const m = singleDigit ? [ch] : /^\d*\.?\d+|^\d+/.exec(this.src.slice(this.pos));
      const text = m?.[0] ?? ch;
      this.pos += text.length;
      const font = this.font;
      const shown =
        font === 'bold' || font === 'bolditalic' || font === 'bb'
          ? [...text].map((c) => mathAlphabet(c, font)).join('')
          : text;
      return { node: { tag: 'mn', text: shown }, cls: 'ord' };
    }
    this.pos += ch.length;
    if (ch === '~') return { node: space('0.3333em'), cls: 'space' };
    if (isLetter(ch) && !/\p{Script=Han}/u.test(ch)) {
      if (this.font === 'normal') {
        // Upright text: a run of letters is one name (\mathrm{lr}).
        let text = ch;
        while (this.pos < this.src.length && /^[A-Za-z]$/.test(this.src[this.pos] ?? ''))
          text += this.src[this.pos++];
        return { node: this.letter(text, true), cls: 'ord' };
      }
      return { node: this.letter(ch, false), cls: 'ord' };
    }
    if (ORD_CHARS.has(ch)) return { node: this.letter(ch, ch === '∇' || ch === '∅'), cls: 'ord' };
    if (/\p{Script=Han}/u.test(ch)) return { node: { tag: 'mtext', text: ch }, cls: 'ord' };
    if (ch === "'") return { node: mo('′'), cls: 'ord' };
    const cls = CHAR_CLASS[ch] ?? 'ord';
    if (cls === 'open' || cls === 'close' || cls === 'ambig') return this.fenceAtom(ch, cls);
    const text = CHAR_TEXT[ch] ?? ch;
    if (cls === 'ord' && (ch === '.' || ch === '/'))
      return { node: mo(text, { lspace: '0', rspace: '0' }), cls };
    return { node: mo(text), cls };
  }

  /** A fence that does not stretch (TeX's plain `(`, `|`, `\langle`, …). */
  private fenceAtom(text: string, cls: AtomClass): Atom {
    const attrs: Record<string, string> = { stretchy: 'false' };
    if (text === '|' || text === '‖') Object.assign(attrs, { lspace: '0', rspace: '0' });
    return { node: mo(text, attrs), cls };
  }

  /** The delimiter after `\left`, `\right`, `\middle`, `\big…`: its character, '' for `.`. */
  private readDelimiter(): string {
    this.skipWs();
    const cmd = this.peekCommand();
    if (cmd !== null) {
      this.readCommand();
      const d = DELIM_COMMANDS[cmd];
      if (d === undefined) {
        this.unknown.push(`\\${cmd}`);
        return '';
      }
      return d;
    }
    const ch = this.nextChar();
    if (ch === '.') return '';
    if (ch === '' || !/^[()[\]|/<>‖⟨⟩⌊⌋⌈⌉]$/u.test(ch)) {
      this.errors.push(`bad delimiter ${JSON.stringify(ch)}`);
      return '';
    }
    return ch === '<' ? '⟨' : ch === '>' ? '⟩' : ch;
  }

  private stretchyFence(text: string, form: 'prefix' | 'infix' | 'postfix'): MathNode {
    return mo(text, { stretchy: 'true', symmetric: 'true', fence: 'true', form, lspace: '0', rspace: '0' });
  }

  private parseLeftRight(): Atom {
    const open = this.readDelimiter();
    const inner: Atom[] = [];
    if (open) inner.push({ node: this.stretchyFence(open, 'prefix'), cls: 'open' });
    for (;;) {
      inner.push(...this.parseRow({ right: true }));
      const cmd = this.peekCommand();
      if (cmd === 'middle') {
        this.readCommand();
        const d = this.readDelimiter();
        if (d) inner.push({ node: this.stretchyFence(d, 'infix'), cls: 'rel' });
        continue;
      }
      if (cmd === 'right') {
        this.readCommand();
        const close = this.readDelimiter();
        if (close) inner.push({ node: this.stretchyFence(close, 'postfix'), cls: 'close' });
      } else this.errors.push('\\left without \\right');
      break;
    }
    return { node: mrow(finishRow(inner)), cls: 'inner' };
  }

  private parseEnvironment(): Atom {
    const name = this.readRawArgument('begin');
    const known = ['cases', 'aligned', 'matrix', 'pmatrix', 'bmatrix'];
    if (!known.includes(name)) this.unknown.push(`\\begin{${name}}`);
    const rows: MathNode[][] = [[]];
    for (;;) {
      const row = rows[rows.length - 1] ?? [];
      const nodes = finishRow(this.parseRow({ cell: true }));
      // In `aligned`, the right-hand cell continues the formula: an empty first child keeps a leading
      // relation infix (spaced), as TeX's `{}` does.
      row.push(name === 'aligned' && row.length % 2 === 1 ? mrow([mrow([]), ...nodes]) : single(nodes));
      const cmd = this.peekCommand();
      if (this.src[this.pos] === '&') this.pos++;
      else if (cmd === '\\') {
        this.pos += 2;
        rows.push([]);
      } else {
        if (cmd === 'end') {
          this.readCommand();
          const end = this.readRawArgument('end');
          if (end !== name) this.errors.push(`\\begin{${name}} ended by \\end{${end}}`);
        } else this.errors.push(`\\begin{${name}} without \\end`);
        break;
      }
    }
    // A trailing \\ leaves an empty last row.
    const last = rows[rows.length - 1];
    if (rows.length > 1 && last?.length === 1 && last[0]?.tag === 'mrow' && last[0].children.length === 0)
      rows.pop();
    const table: MathNode = {
      tag: 'mtable',
      children: rows.map((cells) => ({
        tag: 'mtr',
        children: cells.map((c, j): MathNode => {
          if (name === 'cases')
            return { tag: 'mtd', children: [c], attrs: { columnalign: 'left' }, style: 'left' };
          if (name !== 'aligned') return { tag: 'mtd', children: [c] };
          return j % 2 === 1
            ? { tag: 'mtd', children: [c], attrs: { columnalign: 'left' }, style: 'alignLeft' }
            : { tag: 'mtd', children: [c], attrs: { columnalign: 'right' }, style: 'alignRight' };
        }),
      })),
    };
    const fences: Readonly<Record<string, [string, string]>> = {
      cases: ['{', ''],
      pmatrix: ['(', ')'],
      bmatrix: ['[', ']'],
    };
    const [open, close] = fences[name] ?? ['', ''];
    const parts = [
      ...(open ? [this.stretchyFence(open, 'prefix')] : []),
      table,
      ...(close ? [this.stretchyFence(close, 'postfix')] : []),
    ];
    return { node: single(parts), cls: 'inner' };
  }

  private parseCommand(): Atom | null {
    const name = this.readCommand();
    if (name === '') {
      this.errors.push('\\ at the end');
      return null;
    }
    const greek = GREEK[name];
    if (greek) return { node: this.letter(greek, false), cls: 'ord' };
    const upperGreek = GREEK_UPPER[name];
    if (upperGreek) return { node: this.letter(upperGreek, true), cls: 'ord' };
    const ord = ORD_SYMBOLS[name];
    if (ord) return { node: this.letter(ord.text, ord.upright === true), cls: 'ord' };
    const bin = BIN_SYMBOLS[name];
    if (bin) return { node: mo(bin), cls: 'bin' };
    const rel = REL_SYMBOLS[name];
    if (rel) return { node: mo(rel), cls: 'rel' };
    const large = LARGE_OPS[name];
    if (large) return { node: mo(large.text), cls: 'op', limits: large.limits };
    const fn = FUNCTIONS[name];
    if (fn !== undefined) return { node: { tag: 'mi', text: name }, cls: 'op', fn: true, limits: fn };
    const fence = FENCE_COMMANDS[name];
    if (fence) return this.fenceAtom(DELIM_COMMANDS[name] ?? name, fence);
    if (name in SPACES) {
      const width = SPACES[name];
      return width ? { node: space(width), cls: 'space' } : null;
    }
    const accent = ACCENTS[name];
    if (accent) {
      const base = this.parseArgument(`\\${name}`);
      const mark = mo(accent.mark, { stretchy: accent.stretchy ? 'true' : 'false' });
      return { node: { tag: 'mover', children: [base, mark], attrs: { accent: 'true' } }, cls: 'ord' };
    }
    const big = /^(big|Big|bigg|Bigg)([lmr]?)$/.exec(name);
    if (big) {
      const size = BIG_SIZES[big[1] ?? ''] ?? '1.2em';
      const d = this.readDelimiter();
      if (!d) return null;
      const cls: AtomClass =
        big[2] === 'l'
          ? 'open'
          : big[2] === 'r'
            ? 'close'
            : big[2] === 'm'
              ? 'rel'
              : (CHAR_CLASS[d] ?? 'ord');
      const attrs = {
        stretchy: 'true',
        symmetric: 'true',
        minsize: size,
        maxsize: size,
        lspace: '0',
        rspace: '0',
      };
      return { node: mo(d, attrs), cls };
    }
    switch (name) {
      case 'frac':
      case 'dfrac':
      case 'tfrac': {
        const num = this.parseArgument(`\\${name}`);
        const den = this.parseArgument(`\\${name}`);
        const attrs =
          name === 'dfrac'
            ? { displaystyle: 'true' }
            : name === 'tfrac'
              ? { displaystyle: 'false' }
              : undefined;
        return {
          node: attrs
            ? { tag: 'mfrac', children: [num, den], attrs }
            : { tag: 'mfrac', children: [num, den] },
          cls: 'inner',
        };
      }
      case 'sqrt': {
        let index: MathNode | null = null;
        if (this.at('[')) {
          this.pos++;
          index = single(finishRow(this.parseRow({ bracket: true })));
          if (this.src[this.pos] === ']') this.pos++;
          else this.errors.push('\\sqrt[: missing ]');
        }
        const body = this.parseArgument('\\sqrt');
        return {
          node: index ? { tag: 'mroot', children: [body, index] } : { tag: 'msqrt', children: [body] },
          cls: 'ord',
        };
      }
      case 'left':
        return this.parseLeftRight();
      case 'begin':
        return this.parseEnvironment();
      case 'mathrm':
      case 'mathbf':
      case 'boldsymbol':
      case 'bm':
      case 'mathbb':
      case 'mathit': {
        const font: Font =
          name === 'mathrm'
            ? 'normal'
            : name === 'mathbf'
              ? 'bold'
              : name === 'mathbb'
                ? 'bb'
                : name === 'mathit'
                  ? 'italic'
                  : 'bolditalic';
        return { node: this.inFont(font, () => this.parseArgument(`\\${name}`)), cls: 'ord' };
      }
      case 'operatorname': {
        const text = this.readRawArgument(name);
        return { node: this.letter(text, true), cls: 'op', fn: true };
      }
      case 'text':
      case 'textrm':
      case 'mbox':
      case 'texttt': {
        // Spaces at the ends of a token are dropped by the renderer: keep them as no-break spaces.
        const text = this.readRawArgument(name).replace(/^ +| +$/g, (s) => '\u00a0'.repeat(s.length));
        return {
          node: name === 'texttt' ? { tag: 'mtext', text, style: 'mono' } : { tag: 'mtext', text },
          cls: 'ord',
        };
      }
      case '$':
      case '%':
      case '#':
      case '&':
      case '_':
        return { node: { tag: 'mi', text: name, attrs: { mathvariant: 'normal' } }, cls: 'ord' };
      default:
        return this.unknownCommand(`\\${name}`);
    }
  }
}

/** Parses a TeX-subset formula into MathML nodes. Never throws. */
export function parseTex(tex: string): ParsedTex {
  const parser = new TexParser(tex);
  const tree = parser.parse();
  return { tree, unknown: parser.unknown, errors: parser.errors };
}

// ------------------------------------------------------------------------------------------------------
// Rendering
// ------------------------------------------------------------------------------------------------------

const STYLES: Readonly<Record<MathStyle, CSSProperties>> = {
  unknown: { color: '#d1242f' },
  mono: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  left: { textAlign: 'left' },
  alignLeft: { textAlign: 'left', paddingLeft: 0 },
  alignRight: { textAlign: 'right', paddingRight: 0, paddingLeft: '1em' },
};

function renderNode(node: MathNode): ReactNode {
  const props: Record<string, unknown> = { ...node.attrs };
  if (node.style) props.style = STYLES[node.style];
  if ('text' in node) return createElement(node.tag, props, node.text === '' ? undefined : node.text);
  return createElement(node.tag, props, ...node.children.map(renderNode));
}

/** A TeX formula as native MathML: `<math display="block">` when `display`, inline otherwise. */
export function MathTex({ tex, display = false }: { tex: string; display?: boolean }): JSX.Element {
  const { tree } = parseTex(tex);
  return createElement(
    'math',
    { display: display ? 'block' : 'inline' },
    createElement(
      'semantics',
      null,
      renderNode(tree),
      createElement('annotation', { encoding: 'application/x-tex' }, tex),
    ),
  );
}

// ------------------------------------------------------------------------------------------------------
// Rich text: paragraphs with $…$ maths and **bold**
// ------------------------------------------------------------------------------------------------------

export type RichSegment =
  { kind: 'text'; text: string; bold: boolean } | { kind: 'math'; tex: string; bold: boolean };

/**
 * Splits a paragraph into text and inline maths: `$…$` is maths (`\$` is a literal dollar, outside and
 * inside maths), `**…**` is bold (it may contain maths). A `$` or `**` without its partner is literal text.
 */
export function splitRichText(text: string): RichSegment[] {
  const out: RichSegment[] = [];
  let bold = false;
  let buf = '';
  const flush = () => {
    if (!buf) return;
    const last = out[out.length - 1];
    if (last?.kind === 'text' && last.bold === bold) last.text += buf;
    else out.push({ kind: 'text', text: buf, bold });
    buf = '';
  };
  /** The index of the `$` closing the maths opened at `from - 1`, or -1. */
  const closingDollar = (from: number) => {
    for (let j = from; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '$') return j;
    }
    return -1;
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\$', i)) {
      buf += '$';
      i += 2;
    } else if (text[i] === '$') {
      const end = closingDollar(i + 1);
      if (end < 0) {
        buf += '$';
        i++;
        continue;
      }
      flush();
      const tex = text.slice(i + 1, end);
      if (tex.trim()) out.push({ kind: 'math', tex, bold });
      i = end + 1;
    } else if (text.startsWith('**', i) && (bold || text.indexOf('**', i + 2) >= 0)) {
      flush();
      bold = !bold;
      i += 2;
    } else {
      buf += text[i];
      i++;
    }
  }
  flush();
  return out;
}

/**
 * A paragraph's content with inline maths and bold (a fragment: wrap it in the `<p>`, `<li>`, … you need).
 */
export function RichText({ text }: { text: string }): JSX.Element {
  const segments = splitRichText(text);
  const parts: ReactNode[] = [];
  let boldRun: ReactNode[] = [];
  const draw = (s: RichSegment, key: number) =>
    s.kind === 'math' ? <MathTex key={key} tex={s.tex} /> : s.text;
  const endBold = (key: number) => {
    if (boldRun.length) parts.push(<strong key={`b${key}`}>{boldRun}</strong>);
    boldRun = [];
  };
  segments.forEach((s, i) => {
    if (s.bold) boldRun.push(draw(s, i));
    else {
      endBold(i);
      parts.push(draw(s, i));
    }
  });
  endBold(segments.length);
  return <>{parts}</>;
}
