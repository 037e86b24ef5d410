/**
 * Safe user expressions f(x, y) for the optimizer playground: a small recursive-descent parser (never
 * `eval` or `new Function`) that builds an AST and compiles it, once, to closures that evaluate the value,
 * the gradient and the Hessian exactly by forward-mode second-order automatic differentiation.
 *
 * ## Grammar (lowest precedence first)
 *
 *     expression := sum
 *     sum        := product (('+' | '-') product)*                       left-associative
 *     product    := unary (('*' | '/') unary | implicit)*                 left-associative
 *     implicit   := power, allowed only after a number token (2x, 3(x+1), 2 sin(x)) or before '(' after ')'
 *     unary      := ('+' | '-') unary | power
 *     power      := primary (('^' | '**') unary)?                        right-associative: 2^3^2 = 2^9
 *     primary    := number | name | name '(' arguments ')' | '(' expression ')'
 *
 * So the power binds tighter than a unary minus on its left (−x^2 = −(x²), −2^2 = −4), while its exponent
 * may carry a sign (2^−x). Implicit multiplication has the precedence of `*`: 2x^2 = 2·(x²), 2^2x = (2²)·x.
 *
 * - Numbers: `3`, `.5`, `1.`, `1e-3`, `2.5E+4`. A letter `e` not followed by digits is the constant e
 *   (so `2e` = 2·e and `2e3` = 2000).
 * - Names: the variables `x`, `y`; the constants `pi` (also `π`) and `e`. Names are case-sensitive.
 * - Functions of one argument: sin cos tan exp log (natural; alias ln) sqrt abs tanh sinh cosh atan;
 *   of two: min max pow(a, b) = a^b, atan2(a, b) = the angle of the point (b, a) (JavaScript's order).
 * - JavaScript spellings are accepted so that formulas can be pasted: `**`, `Math.exp(…)`, `Math.PI`,
 *   `Math.E` (every function above with a `Math.` prefix). Typographic `−`, `×` and `·` are read as
 *   `-`, `*` and `*`.
 * - Limits: {@link MAX_EXPRESSION_LENGTH} characters and {@link MAX_NESTING_DEPTH} levels of nesting
 *   (parentheses, function calls, signs and exponents each open a level).
 *
 * ## Differentiation
 *
 * Every node evaluates to a second-order hyper-dual number, the 6-vector (v, ∂x, ∂y, ∂xx, ∂xy, ∂yy) of the
 * node's value and its first and second partial derivatives at (x, y). Seeds: x = (x, 1, 0, 0, 0, 0),
 * y = (y, 0, 1, 0, 0, 0), constants (c, 0, …, 0). For a one-argument function g of a node u with
 * derivatives g′, g″ at u.v (chain rule):
 *
 *     w.v = g(u.v);  w.∂i = g′·u.∂i;  w.∂ij = g″·u.∂i·u.∂j + g′·u.∂ij
 *
 * and for a two-argument h(a, b) with partials h_a, h_b, h_aa, h_ab, h_bb:
 *
 *     w.∂i  = h_a·a.∂i + h_b·b.∂i
 *     w.∂ij = h_aa·a.∂i·a.∂j + h_ab·(a.∂i·b.∂j + a.∂j·b.∂i) + h_bb·b.∂i·b.∂j + h_a·a.∂ij + h_b·b.∂ij
 *
 * Products and quotients use Leibniz's rule directly (the quotient w = a/b from a = w·b:
 * w.∂i = (a.∂i − w·b.∂i)/b, w.∂ij = (a.∂ij − w.∂i·b.∂j − w.∂j·b.∂i − w·b.∂ij)/b), so the value of every node
 * is computed with the same operation as in the value-only closure: `f` and the `.v` of the gradient
 * evaluation agree bit for bit.
 *
 * Powers: an exponent without x or y (e.g. `2`, `-1`, `1/2`, `pi`) is evaluated once at compile time
 * and the power uses `u ** c` with g′ = c·u^(c−1), g″ = c(c−1)·u^(c−2) — correct for negative bases and
 * integer c ((−3)^2 = 9, (−3)^3 = −27), with g′ = 0 for c = 0 and g″ = 0 for c ∈ {0, 1} exactly (no 0·∞).
 * A variable exponent a^b is a ** b with the derivatives of exp(b·ln a): h_a = w·b/a, h_b = w·ln a,
 * h_aa = w·b(b−1)/a², h_ab = w(1 + b·ln a)/a, h_bb = w·(ln a)²; they are NaN for a < 0 (ln a is NaN)
 * even where the value is real (e.g. (−2)^y at y = 2).
 *
 * Evaluation never throws: domain errors give NaN or ±Infinity (log of a negative number, 1/0, …), as in
 * JavaScript. Non-smooth points take a one-sided choice: abs′(0) = 0; min/max differentiate the argument
 * they return (the first one on a tie).
 *
 * Evaluation is allocation-free apart from the returned arrays: each compiled node owns a 6-element
 * buffer it overwrites, so a {@link ParsedExpression} must not be evaluated re-entrantly (it never calls
 * back into user code, so this only matters if it is shared across threads, which JavaScript does not do).
 */
import type { Matrix2 } from './functions2d.ts';

/** A hyper-dual number's six parts, read from its buffer: [v, ∂x, ∂y, ∂xx, ∂xy, ∂yy]. */
type Dual6 = readonly [number, number, number, number, number, number];

/** The kinds of parse error, each with its own English message. */
export type ExprErrorCode =
  | 'empty'
  | 'too-long'
  | 'unexpected-character'
  | 'unexpected-token'
  | 'unexpected-end'
  | 'missing-close-paren'
  | 'unknown-name'
  | 'unknown-function'
  | 'wrong-arity'
  | 'too-deep';

/** A parse error: what is wrong, where (0-based character index and length in the source), what to do. */
export interface ExprError {
  code: ExprErrorCode;
  /** An English sentence or two for people: what is wrong, where (1-based column), how to fix it. */
  message: string;
  /** 0-based index of the first offending character (the source length for errors at the end). */
  position: number;
  /** Number of offending characters (0 for errors at the end). */
  length: number;
  /** The offending token's text, when there is one. */
  token?: string;
}

/** A smooth(ish) function of two variables with analytic first and second derivatives. */
export interface Surface2D {
  f(x: number, y: number): number;
  /** [∂f/∂x, ∂f/∂y]. */
  grad(x: number, y: number): [number, number];
  /** [[f_xx, f_xy], [f_xy, f_yy]]. */
  hessian(x: number, y: number): Matrix2;
}

/** A successfully parsed expression: a {@link Surface2D} plus its source and canonical text. */
export interface ParsedExpression extends Surface2D {
  /** The text that was parsed, unchanged. */
  source: string;
  /**
   * Canonical re-printed form: single spaces around binary + − * /, `^` for powers, no spaces around `^`,
   * explicit `*` for implicit products, `log` for `ln`, names without `Math.`, and only the parentheses
   * the grammar needs. Parsing `text` again gives the same tree (and therefore the same `text`).
   */
  text: string;
}

export type ParseResult = { ok: true; expr: ParsedExpression } | { ok: false; error: ExprError };

/** Longest accepted source, in UTF-16 code units (what `string.length` counts). */
export const MAX_EXPRESSION_LENGTH = 500;

/** Deepest accepted nesting of parentheses, function calls, unary signs and exponents. */
export const MAX_NESTING_DEPTH = 40;

/** One-argument functions (after alias resolution: `ln` → `log`). */
const UNARY_FUNCTIONS = [
  'sin',
  'cos',
  'tan',
  'exp',
  'log',
  'sqrt',
  'abs',
  'tanh',
  'sinh',
  'cosh',
  'atan',
] as const;
type UnaryFn = (typeof UNARY_FUNCTIONS)[number];

/** Two-argument functions. */
const BINARY_FUNCTIONS = ['min', 'max', 'pow', 'atan2'] as const;
type BinaryFn = (typeof BINARY_FUNCTIONS)[number];

/** Maps, not object literals: a user's `constructor` or `__proto__` must not find Object.prototype. */
const FUNCTION_ALIASES: ReadonlyMap<string, string> = new Map([['ln', 'log']]);

const isUnaryFn = (s: string): s is UnaryFn => (UNARY_FUNCTIONS as readonly string[]).includes(s);
const isBinaryFn = (s: string): s is BinaryFn => (BINARY_FUNCTIONS as readonly string[]).includes(s);

const FUNCTION_LIST = [...UNARY_FUNCTIONS, 'ln', ...BINARY_FUNCTIONS].join(', ');

// ----------------------------------------------------------------------------------------------------------
// AST
// ----------------------------------------------------------------------------------------------------------

type Node =
  | { type: 'num'; value: number }
  | { type: 'var'; name: 'x' | 'y' }
  | { type: 'const'; name: 'pi' | 'e' }
  | { type: 'neg'; arg: Node }
  | { type: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Node; right: Node }
  | { type: 'call1'; fn: UnaryFn; arg: Node }
  | { type: 'call2'; fn: BinaryFn; a: Node; b: Node };

// ----------------------------------------------------------------------------------------------------------
// Tokenizer
// ----------------------------------------------------------------------------------------------------------

type TokenType = 'num' | 'name' | 'op' | '(' | ')' | ',';

interface Token {
  type: TokenType;
  /** Normalised text: operators as ASCII (`**` stays `**`), names as written (with `Math.`). */
  text: string;
  /** For numbers, the value. */
  value: number;
  pos: number;
  len: number;
}

/** One-character tokens, typographic variants normalised to ASCII. */
const SINGLE_CHAR_TOKENS: ReadonlyMap<string, [TokenType, string]> = new Map<string, [TokenType, string]>([
  ['+', ['op', '+']],
  ['-', ['op', '-']],
  ['\u2212', ['op', '-']],
  ['*', ['op', '*']],
  ['\u00d7', ['op', '*']],
  ['\u00b7', ['op', '*']],
  ['/', ['op', '/']],
  ['^', ['op', '^']],
  ['(', ['(', '(']],
  [')', [')', ')']],
  [',', [',', ',']],
  ['\u03c0', ['name', 'pi']],
]);

const NUMBER_RE = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Thrown inside the parser only; {@link parseExpression} turns it into a ParseResult. */
class ParseFailure extends Error {
  constructor(readonly error: ExprError) {
    super(error.message);
  }
}

function fail(code: ExprErrorCode, message: string, position: number, length: number, token?: string): never {
  const error: ExprError = { code, message, position, length };
  if (token !== undefined) error.token = token;
  throw new ParseFailure(error);
}

/** 1-based column for messages. */
const col = (pos: number): string => `column ${pos + 1}`;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const num = NUMBER_RE.exec(rest);
    if (num !== null) {
      const text = num[0];
      tokens.push({ type: 'num', text, value: Number(text), pos: i, len: text.length });
      i += text.length;
      continue;
    }
    const name = NAME_RE.exec(rest);
    if (name !== null) {
      let text = name[0];
      // JavaScript's Math.<name>: one dotted name.
      if (text === 'Math' && src[i + 4] === '.') {
        const member = NAME_RE.exec(src.slice(i + 5));
        if (member === null) {
          fail(
            'unexpected-character',
            `'Math.' at ${col(i)} must be followed by a function or constant name, such as Math.exp or Math.PI.`,
            i,
            5,
            'Math.',
          );
        }
        text = `Math.${member[0]}`;
      }
      tokens.push({ type: 'name', text, value: Number.NaN, pos: i, len: text.length });
      i += text.length;
      continue;
    }
    if (src.startsWith('**', i)) {
      tokens.push({ type: 'op', text: '**', value: Number.NaN, pos: i, len: 2 });
      i += 2;
      continue;
    }
    const hit = SINGLE_CHAR_TOKENS.get(ch);
    if (hit !== undefined) {
      tokens.push({ type: hit[0], text: hit[1], value: Number.NaN, pos: i, len: 1 });
      i++;
      continue;
    }
    const hint =
      ch === '.'
        ? ' A decimal point must be followed or preceded by digits, as in 0.5 or .5.'
        : ch === '[' || ch === '{'
          ? ' Use round parentheses ( ) for grouping.'
          : ' Allowed are numbers, x, y, pi, e, function names, + - * / ^ ** ( ) and commas.';
    // A whole code point (an emoji is two UTF-16 units).
    const full = String.fromCodePoint(src.codePointAt(i) as number);
    fail('unexpected-character', `Unexpected character '${full}' at ${col(i)}.${hint}`, i, full.length, full);
  }
  return tokens;
}

// ----------------------------------------------------------------------------------------------------------
// Parser
// ----------------------------------------------------------------------------------------------------------

const VALUE_NAMES: ReadonlyMap<string, Node> = new Map<string, Node>([
  ['x', { type: 'var', name: 'x' }],
  ['y', { type: 'var', name: 'y' }],
  ['pi', { type: 'const', name: 'pi' }],
  ['e', { type: 'const', name: 'e' }],
  ['Math.PI', { type: 'const', name: 'pi' }],
  ['Math.E', { type: 'const', name: 'e' }],
]);

/** The function a name refers to (with aliases and `Math.` resolved), or null. */
function resolveFunction(name: string): UnaryFn | BinaryFn | null {
  const bare = name.startsWith('Math.') ? name.slice(5) : name;
  const canonical = FUNCTION_ALIASES.get(bare) ?? bare;
  if (isUnaryFn(canonical) || isBinaryFn(canonical)) return canonical;
  return null;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly src: string,
  ) {}

  parse(): Node {
    const node = this.parseSum();
    const t = this.peek();
    if (t !== undefined) {
      if (t.type === ')') {
        fail(
          'unexpected-token',
          `Unmatched ')' at ${col(t.pos)}: there is no '(' for it to close. Remove it or add a '(' earlier.`,
          t.pos,
          t.len,
          t.text,
        );
      }
      this.unexpectedAfterOperand(t);
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private previous(): Token | undefined {
    return this.tokens[this.i - 1];
  }

  private next(): Token | undefined {
    const t = this.tokens[this.i];
    if (t !== undefined) this.i++;
    return t;
  }

  private isOp(t: Token | undefined, ...ops: string[]): boolean {
    return t !== undefined && t.type === 'op' && ops.includes(t.text);
  }

  private enter(at: Token): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      fail(
        'too-deep',
        `The expression is nested more than ${MAX_NESTING_DEPTH} levels deep at ${col(at.pos)} ` +
          '(parentheses, function calls, signs and exponents each add a level). Simplify it.',
        at.pos,
        at.len,
        at.text,
      );
    }
  }

  private parseSum(): Node {
    let left = this.parseProduct();
    for (let t = this.peek(); this.isOp(t, '+', '-'); t = this.peek()) {
      this.next();
      const right = this.parseProduct();
      left = { type: 'bin', op: (t as Token).text as '+' | '-', left, right };
    }
    return left;
  }

  /** Whether the next token starts an implicit product with the previous one (2x, 3(…), 2 sin(…), )(). */
  private implicitProduct(): boolean {
    const t = this.peek();
    const prev = this.previous();
    if (t === undefined || prev === undefined) return false;
    if (prev.type === 'num') return t.type === 'name' || t.type === '(';
    if (prev.type === ')') return t.type === '(';
    return false;
  }

  private parseProduct(): Node {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '*', '/')) {
        this.next();
        const right = this.parseUnary();
        left = { type: 'bin', op: (t as Token).text as '*' | '/', left, right };
      } else if (this.implicitProduct()) {
        const right = this.parsePower();
        left = { type: 'bin', op: '*', left, right };
      } else {
        return left;
      }
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (!this.isOp(t, '+', '-')) return this.parsePower();
    this.next();
    this.enter(t as Token);
    const arg = this.parseUnary();
    this.depth--;
    return (t as Token).text === '-' ? { type: 'neg', arg } : arg;
  }

  private parsePower(): Node {
    const base = this.parsePrimary();
    const t = this.peek();
    if (t === undefined || !this.isOp(t, '^', '**')) return base;
    this.next();
    this.enter(t);
    const exponent = this.parseUnary(); // right-associative, may carry a sign
    this.depth--;
    return { type: 'bin', op: '^', left: base, right: exponent };
  }

  private parsePrimary(): Node {
    const t = this.next();
    if (t === undefined) this.unexpectedEnd();
    switch (t.type) {
      case 'num':
        return { type: 'num', value: t.value };
      case '(': {
        this.enter(t);
        const inner = this.parseSum();
        this.expectClose(t, null);
        this.depth--;
        return inner;
      }
      case 'name':
        return this.parseName(t);
      case ')':
        return fail(
          'unexpected-token',
          `Unexpected ')' at ${col(t.pos)}: a number, x, y, a function or '(' was expected here` +
            (this.tokens[this.i - 2]?.type === '(' ? ' (empty parentheses).' : '.'),
          t.pos,
          t.len,
          t.text,
        );
      case ',':
        return fail(
          'unexpected-token',
          `Unexpected ',' at ${col(t.pos)}: commas only separate the two arguments of min, max, pow or atan2.`,
          t.pos,
          t.len,
          t.text,
        );
      case 'op':
        return fail(
          'unexpected-token',
          `Unexpected '${t.text}' at ${col(t.pos)}: a number, x, y, a function or '(' was expected ` +
            `before it${this.tokens[this.i - 2]?.type === 'op' ? ' (two operators in a row?)' : ''}.`,
          t.pos,
          t.len,
          t.text,
        );
    }
  }

  private parseName(t: Token): Node {
    const value = VALUE_NAMES.get(t.text);
    const fn = resolveFunction(t.text);
    const open = this.peek();
    if (open !== undefined && open.type === '(') {
      if (value !== undefined) {
        fail(
          'unknown-function',
          `'${t.text}' at ${col(t.pos)} is a ${value.type === 'var' ? 'variable' : 'constant'}, not a function. ` +
            `To multiply, write ${t.text}*(…).`,
          t.pos,
          t.len,
          t.text,
        );
      }
      if (fn === null) {
        fail(
          'unknown-function',
          `Unknown function '${t.text}' at ${col(t.pos)}. Available functions: ${FUNCTION_LIST}.`,
          t.pos,
          t.len,
          t.text,
        );
      }
      return this.parseCall(t, fn, open);
    }
    if (value !== undefined) return value;
    if (fn !== null) {
      const after = this.peek();
      if (after === undefined) {
        fail(
          'unexpected-end',
          `The expression ends after the function name '${t.text}': write its argument in parentheses, ` +
            `as in ${fn}(x).`,
          this.src.length,
          0,
        );
      }
      fail(
        'unexpected-token',
        `Expected '(' after the function name '${t.text}' at ${col(t.pos)}, found '${after.text}'. ` +
          `Write the argument in parentheses, as in ${fn}(x).`,
        after.pos,
        after.len,
        after.text,
      );
    }
    let hint = ' The variables are x and y; the constants are pi and e.';
    if (/^[xy]+$/.test(t.text)) hint = ` To multiply, write the '*': ${t.text.split('').join('*')}.`;
    else if (VALUE_NAMES.has(t.text.toLowerCase()))
      hint = ` Names are case-sensitive: did you mean '${t.text.toLowerCase()}'?`;
    fail('unknown-name', `Unknown name '${t.text}' at ${col(t.pos)}.${hint}`, t.pos, t.len, t.text);
  }

  private parseCall(nameTok: Token, fn: UnaryFn | BinaryFn, open: Token): Node {
    this.next(); // '('
    this.enter(open);
    const args: Node[] = [this.parseSum()];
    while (this.peek()?.type === ',') {
      this.next();
      args.push(this.parseSum());
    }
    const close = this.expectClose(open, nameTok.text);
    this.depth--;
    const arity = isUnaryFn(fn) ? 1 : 2;
    if (args.length !== arity) {
      fail(
        'wrong-arity',
        `The function ${nameTok.text} at ${col(nameTok.pos)} takes ` +
          `${arity === 1 ? 'one argument' : 'two arguments'} but got ${args.length}. ` +
          `Write ${arity === 1 ? `${fn}(x)` : `${fn}(x, y)`}.`,
        nameTok.pos,
        close.pos + close.len - nameTok.pos,
        nameTok.text,
      );
    }
    if (isUnaryFn(fn)) return { type: 'call1', fn, arg: args[0] as Node };
    return { type: 'call2', fn, a: args[0] as Node, b: args[1] as Node };
  }

  /**
   * Consumes the ')' matching `open` (of a call of `fn`, or a plain group when null), or fails with a
   * message pointing at what is wrong.
   */
  private expectClose(open: Token, fn: string | null): Token {
    const t = this.peek();
    if (t === undefined) {
      const which = fn === null ? `The '(' at ${col(open.pos)}` : `The '(' of ${fn}( at ${col(open.pos)}`;
      fail(
        'missing-close-paren',
        `${which} is never closed: add a ')' at the end or where the group ends.`,
        open.pos,
        open.len,
        '(',
      );
    }
    if (t.type !== ')') this.unexpectedAfterOperand(t);
    this.next();
    return t;
  }

  /** A token that cannot follow a complete operand (e.g. `x y`, `(x+1)2`). */
  private unexpectedAfterOperand(t: Token): never {
    const prev = this.previous();
    const hint =
      t.type === 'num' || t.type === 'name' || t.type === '('
        ? ` An operator is missing before it: write ${prev?.text ?? ''}*${t.text} to multiply.`
        : t.type === ','
          ? ' Commas only separate the two arguments of min, max, pow or atan2.'
          : ' An operator such as + or * was expected here.';
    fail('unexpected-token', `Unexpected '${t.text}' at ${col(t.pos)}.${hint}`, t.pos, t.len, t.text);
  }

  private unexpectedEnd(): never {
    const prev = this.previous();
    const after = prev === undefined ? '' : ` after '${prev.text}'`;
    fail(
      'unexpected-end',
      `The expression ends too early${after}: a number, x, y, a function or '(' should follow.`,
      this.src.length,
      0,
    );
  }
}

// ----------------------------------------------------------------------------------------------------------
// Canonical printing
// ----------------------------------------------------------------------------------------------------------

/** Binding strength of a node as printed: sum 1, product 2, unary 3, power 4, atom 5. */
function strength(n: Node): number {
  switch (n.type) {
    case 'num':
    case 'var':
    case 'const':
    case 'call1':
    case 'call2':
      return 5;
    case 'neg':
      return 3;
    case 'bin':
      return n.op === '^' ? 4 : n.op === '*' || n.op === '/' ? 2 : 1;
  }
}

function formatNumber(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '1e999';
  return String(v);
}

function print(n: Node): string {
  const wrap = (child: Node, min: number): string => {
    const s = print(child);
    return strength(child) >= min ? s : `(${s})`;
  };
  switch (n.type) {
    case 'num':
      return formatNumber(n.value);
    case 'var':
    case 'const':
      return n.name;
    case 'neg':
      // "-(-x)" rather than "--x"; the operand of a sign is a unary or a power.
      return n.arg.type === 'neg' ? `-(${print(n.arg)})` : `-${wrap(n.arg, 3)}`;
    case 'call1':
      return `${n.fn}(${print(n.arg)})`;
    case 'call2':
      return `${n.fn}(${print(n.a)}, ${print(n.b)})`;
    case 'bin':
      switch (n.op) {
        case '+':
        case '-':
          return `${wrap(n.left, 1)} ${n.op} ${wrap(n.right, 2)}`;
        case '*':
        case '/':
          return `${wrap(n.left, 2)} ${n.op} ${wrap(n.right, 3)}`;
        case '^':
          return `${wrap(n.left, 5)}^${wrap(n.right, 3)}`;
      }
  }
}

// ----------------------------------------------------------------------------------------------------------
// Compilation to closures
// ----------------------------------------------------------------------------------------------------------

/** Value-only evaluator of a node. */
type ValueFn = (x: number, y: number) => number;

/**
 * Hyper-dual evaluator of a node: writes (v, ∂x, ∂y, ∂xx, ∂xy, ∂yy) into the node's own buffer and
 * returns it. The buffer is overwritten by the next call.
 */
type DualFn = (x: number, y: number) => Float64Array;

interface Compiled {
  value: ValueFn;
  dual: DualFn;
  /** Whether the node depends on x or y. */
  variable: boolean;
}

/** (g, g′, g″) at u for the one-argument functions. */
function unaryDerivs(fn: UnaryFn, u: number): [number, number, number] {
  switch (fn) {
    case 'sin': {
      const s = Math.sin(u);
      return [s, Math.cos(u), -s];
    }
    case 'cos': {
      const c = Math.cos(u);
      return [c, -Math.sin(u), -c];
    }
    case 'tan': {
      const t = Math.tan(u);
      const d = 1 + t * t;
      return [t, d, 2 * t * d];
    }
    case 'exp': {
      const e = Math.exp(u);
      return [e, e, e];
    }
    case 'log':
      return [Math.log(u), 1 / u, -1 / (u * u)];
    case 'sqrt': {
      const s = Math.sqrt(u);
      return [s, 0.5 / s, -0.25 / (s * u)];
    }
    case 'abs':
      return [Math.abs(u), u > 0 ? 1 : u < 0 ? -1 : u === 0 ? 0 : Number.NaN, 0];
    case 'tanh': {
      const t = Math.tanh(u);
      const d = 1 - t * t;
      return [t, d, -2 * t * d];
    }
    case 'sinh':
      return [Math.sinh(u), Math.cosh(u), Math.sinh(u)];
    case 'cosh':
      return [Math.cosh(u), Math.sinh(u), Math.cosh(u)];
    case 'atan': {
      const d = 1 / (1 + u * u);
      return [Math.atan(u), d, -2 * u * d * d];
    }
  }
}

const UNARY_VALUE: Readonly<Record<UnaryFn, (u: number) => number>> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  atan: Math.atan,
};

/** w = g(u) by the chain rule (see the module doc). */
function chain1(w: Float64Array, u: Float64Array, g: number, g1: number, g2: number): void {
  const ux = u[1] as number;
  const uy = u[2] as number;
  w[0] = g;
  w[1] = g1 * ux;
  w[2] = g1 * uy;
  w[3] = g2 * ux * ux + g1 * (u[3] as number);
  w[4] = g2 * ux * uy + g1 * (u[4] as number);
  w[5] = g2 * uy * uy + g1 * (u[5] as number);
}

/** w = h(a, b) by the two-argument chain rule (see the module doc); h is w's value. */
function chain2(
  w: Float64Array,
  a: Float64Array,
  b: Float64Array,
  h: number,
  ha: number,
  hb: number,
  haa: number,
  hab: number,
  hbb: number,
): void {
  const ax = a[1] as number;
  const ay = a[2] as number;
  const bx = b[1] as number;
  const by = b[2] as number;
  // A zero partial contributes exactly 0, even against an infinite derivative of its argument (no 0·∞).
  const term = (c: number, v: number): number => (c === 0 ? 0 : c * v);
  w[0] = h;
  w[1] = term(ha, ax) + term(hb, bx);
  w[2] = term(ha, ay) + term(hb, by);
  w[3] =
    term(haa, ax * ax) +
    term(hab, 2 * ax * bx) +
    term(hbb, bx * bx) +
    term(ha, a[3] as number) +
    term(hb, b[3] as number);
  w[4] =
    term(haa, ax * ay) +
    term(hab, ax * by + ay * bx) +
    term(hbb, bx * by) +
    term(ha, a[4] as number) +
    term(hb, b[4] as number);
  w[5] =
    term(haa, ay * ay) +
    term(hab, 2 * ay * by) +
    term(hbb, by * by) +
    term(ha, a[5] as number) +
    term(hb, b[5] as number);
}

function constant(v: number): Compiled {
  const buf = new Float64Array(6);
  buf[0] = v;
  return { value: () => v, dual: () => buf, variable: false };
}

function compile(n: Node): Compiled {
  switch (n.type) {
    case 'num':
      return constant(n.value);
    case 'const':
      return constant(n.name === 'pi' ? Math.PI : Math.E);
    case 'var': {
      const buf = new Float64Array(6);
      if (n.name === 'x') {
        buf[1] = 1;
        return {
          value: (x) => x,
          dual: (x) => {
            buf[0] = x;
            return buf;
          },
          variable: true,
        };
      }
      buf[2] = 1;
      return {
        value: (_x, y) => y,
        dual: (_x, y) => {
          buf[0] = y;
          return buf;
        },
        variable: true,
      };
    }
    case 'neg': {
      const a = compile(n.arg);
      const buf = new Float64Array(6);
      return {
        value: (x, y) => -a.value(x, y),
        dual: (x, y) => {
          const u = a.dual(x, y);
          for (let k = 0; k < 6; k++) buf[k] = -(u[k] as number);
          return buf;
        },
        variable: a.variable,
      };
    }
    case 'call1': {
      const a = compile(n.arg);
      const g = UNARY_VALUE[n.fn];
      const fn = n.fn;
      const buf = new Float64Array(6);
      return {
        value: (x, y) => g(a.value(x, y)),
        dual: (x, y) => {
          const u = a.dual(x, y);
          const [v, g1, g2] = unaryDerivs(fn, u[0] as number);
          chain1(buf, u, v, g1, g2);
          return buf;
        },
        variable: a.variable,
      };
    }
    case 'call2':
      return n.fn === 'pow' ? compilePower(n.a, n.b) : compileBinaryFn(n.fn, n.a, n.b);
    case 'bin':
      return compileBinary(n.op, n.left, n.right);
  }
}

function compileBinaryFn(fn: 'min' | 'max' | 'atan2', left: Node, right: Node): Compiled {
  const a = compile(left);
  const b = compile(right);
  const buf = new Float64Array(6);
  const variable = a.variable || b.variable;
  if (fn === 'atan2') {
    return {
      value: (x, y) => Math.atan2(a.value(x, y), b.value(x, y)),
      dual: (x, y) => {
        const A = a.dual(x, y);
        const B = b.dual(x, y);
        const av = A[0] as number;
        const bv = B[0] as number;
        // h = atan2(a, b): h_a = b/r, h_b = −a/r, h_aa = −2ab/r², h_ab = (a² − b²)/r², h_bb = 2ab/r².
        const r = av * av + bv * bv;
        const r2 = r * r;
        chain2(
          buf,
          A,
          B,
          Math.atan2(av, bv),
          bv / r,
          -av / r,
          (-2 * av * bv) / r2,
          (av * av - bv * bv) / r2,
          (2 * av * bv) / r2,
        );
        return buf;
      },
      variable,
    };
  }
  const pickFirst = fn === 'min' ? (p: number, q: number) => p <= q : (p: number, q: number) => p >= q;
  const mathFn = fn === 'min' ? Math.min : Math.max;
  return {
    value: (x, y) => mathFn(a.value(x, y), b.value(x, y)),
    dual: (x, y) => {
      const A = a.dual(x, y);
      const B = b.dual(x, y);
      const av = A[0] as number;
      const bv = B[0] as number;
      if (Number.isNaN(av) || Number.isNaN(bv)) buf.fill(Number.NaN);
      else buf.set(pickFirst(av, bv) ? A : B);
      return buf;
    },
    variable,
  };
}

/** u^c for a constant c, or a^b with a variable exponent (see the module doc). */
function compilePower(baseNode: Node, expNode: Node): Compiled {
  const a = compile(baseNode);
  const b = compile(expNode);
  const buf = new Float64Array(6);
  if (!b.variable) {
    const c = b.value(0, 0);
    const c1 = c - 1;
    const c2 = c - 2;
    const k1 = c;
    const k2 = c * c1;
    return {
      value: (x, y) => a.value(x, y) ** c,
      dual: (x, y) => {
        const u = a.dual(x, y);
        const uv = u[0] as number;
        const g1 = c === 0 ? 0 : k1 * uv ** c1;
        const g2 = c === 0 || c === 1 ? 0 : k2 * uv ** c2;
        chain1(buf, u, uv ** c, g1, g2);
        return buf;
      },
      variable: a.variable,
    };
  }
  return {
    value: (x, y) => a.value(x, y) ** b.value(x, y),
    dual: (x, y) => {
      const A = a.dual(x, y);
      const B = b.dual(x, y);
      const av = A[0] as number;
      const bv = B[0] as number;
      const w = av ** bv;
      const L = Math.log(av);
      chain2(
        buf,
        A,
        B,
        w,
        (w * bv) / av,
        w * L,
        (w * bv * (bv - 1)) / (av * av),
        (w * (1 + bv * L)) / av,
        w * L * L,
      );
      return buf;
    },
    variable: true,
  };
}

function compileBinary(op: '+' | '-' | '*' | '/' | '^', left: Node, right: Node): Compiled {
  if (op === '^') return compilePower(left, right);
  const a = compile(left);
  const b = compile(right);
  const buf = new Float64Array(6);
  const variable = a.variable || b.variable;
  switch (op) {
    case '+':
      return {
        value: (x, y) => a.value(x, y) + b.value(x, y),
        dual: (x, y) => {
          const A = a.dual(x, y);
          const B = b.dual(x, y);
          for (let k = 0; k < 6; k++) buf[k] = (A[k] as number) + (B[k] as number);
          return buf;
        },
        variable,
      };
    case '-':
      return {
        value: (x, y) => a.value(x, y) - b.value(x, y),
        dual: (x, y) => {
          const A = a.dual(x, y);
          const B = b.dual(x, y);
          for (let k = 0; k < 6; k++) buf[k] = (A[k] as number) - (B[k] as number);
          return buf;
        },
        variable,
      };
    case '*':
      return {
        value: (x, y) => a.value(x, y) * b.value(x, y),
        dual: (x, y) => {
          const A = a.dual(x, y);
          const B = b.dual(x, y);
          const [av, ax, ay, axx, axy, ayy] = A as unknown as Dual6;
          const [bv, bx, by, bxx, bxy, byy] = B as unknown as Dual6;
          buf[0] = av * bv;
          buf[1] = ax * bv + av * bx;
          buf[2] = ay * bv + av * by;
          buf[3] = axx * bv + 2 * ax * bx + av * bxx;
          buf[4] = axy * bv + ax * by + ay * bx + av * bxy;
          buf[5] = ayy * bv + 2 * ay * by + av * byy;
          return buf;
        },
        variable,
      };
    case '/':
      return {
        value: (x, y) => a.value(x, y) / b.value(x, y),
        dual: (x, y) => {
          const A = a.dual(x, y);
          const B = b.dual(x, y);
          const [av, ax, ay, axx, axy, ayy] = A as unknown as Dual6;
          const [bv, bx, by, bxx, bxy, byy] = B as unknown as Dual6;
          const w = av / bv;
          const wx = (ax - w * bx) / bv;
          const wy = (ay - w * by) / bv;
          buf[0] = w;
          buf[1] = wx;
          buf[2] = wy;
          buf[3] = (axx - 2 * wx * bx - w * bxx) / bv;
          buf[4] = (axy - wx * by - wy * bx - w * bxy) / bv;
          buf[5] = (ayy - 2 * wy * by - w * byy) / bv;
          return buf;
        },
        variable,
      };
  }
}

// ----------------------------------------------------------------------------------------------------------
// Entry point
// ----------------------------------------------------------------------------------------------------------

/**
 * Parses `source` as an expression in x and y (grammar in the module doc) and compiles it. Returns
 * `{ ok: true, expr }` with a {@link ParsedExpression} whose `f`, `grad` and `hessian` never throw (they
 * return NaN/±Infinity where the expression is undefined), or `{ ok: false, error }` with the first
 * problem found, its 0-based position and length, and an English message suitable for showing to the user.
 */
export function parseExpression(source: string): ParseResult {
  try {
    if (source.trim() === '') {
      fail(
        'empty',
        'The expression is empty. Type a formula in x and y, for example x^2 + 3*y^2.',
        0,
        source.length,
      );
    }
    if (source.length > MAX_EXPRESSION_LENGTH) {
      fail(
        'too-long',
        `The expression has ${source.length} characters; at most ${MAX_EXPRESSION_LENGTH} are allowed. Shorten it.`,
        MAX_EXPRESSION_LENGTH,
        source.length - MAX_EXPRESSION_LENGTH,
      );
    }
    const tokens = tokenize(source);
    const ast = new Parser(tokens, source).parse();
    const compiled = compile(ast);
    const { value, dual } = compiled;
    const expr: ParsedExpression = {
      source,
      text: print(ast),
      f: (x, y) => value(x, y),
      grad: (x, y) => {
        const d = dual(x, y);
        return [d[1] as number, d[2] as number];
      },
      hessian: (x, y) => {
        const d = dual(x, y);
        const xy = d[4] as number;
        return [
          [d[3] as number, xy],
          [xy, d[5] as number],
        ];
      },
    };
    return { ok: true, expr };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}
