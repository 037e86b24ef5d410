/**
 * Delimited text (CSV/TSV) as rows of cells with the line each row starts on, via papaparse (quoted
 * fields may span lines, as the CIFs inside perov5's CSV do).
 */
import Papa from 'papaparse';

/** One parsed row: its cells and the 1-based line of the file where it starts. */
export interface TableRow {
  cells: string[];
  line: number;
}

/** A delimited file split into rows (blank rows dropped), with the delimiter used. */
export interface RawTable {
  delimiter: string;
  rows: TableRow[];
  /** papaparse's complaints (e.g. an unclosed quote), with the 1-based line where known. */
  problems: { line: number; message: string }[];
}

/**
 * The delimiter of a table, judged from its first line outside quotes: tab, semicolon or comma,
 * whichever occurs most (comma on a tie or when none occurs).
 */
export function guessDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    ['\t', 0],
    [';', 0],
  ]);
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch !== undefined && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const d of ['\t', ';']) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/**
 * Parses delimited text into rows with their starting lines (CRLF and CR read as LF, also inside quoted
 * cells). Rows whose cells are all empty are dropped. Never throws: malformed quoting is reported in `problems`, and the rest is returned.
 */
export function readTable(input: string, delimiter = guessDelimiter(input)): RawTable {
  // One line-break style for papaparse (it guesses one for the whole file); a mixed file is common
  // (CRLF rows around LF-only CIF text). Line numbers are unchanged: CRLF and lone CR count as one break.
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const rows: TableRow[] = [];
  const problems: { line: number; message: string }[] = [];
  let prevCursor = 0;
  let counted = 0; // offset up to which newlines were counted
  let line = 1; // line number at `counted`
  Papa.parse<string[]>(text, {
    delimiter,
    newline: '\n',
    header: false,
    skipEmptyLines: false,
    step(result) {
      let start = prevCursor;
      while (start < text.length && text[start] === '\n') start++;
      for (let k = counted; k < start; k++) if (text.charCodeAt(k) === 10) line++;
      counted = start;
      prevCursor = result.meta.cursor;
      const cells = result.data;
      for (const e of result.errors) {
        problems.push({ line, message: e.message });
      }
      if (cells.some((c) => c.trim() !== '')) rows.push({ cells, line });
    },
  });
  return { delimiter, rows, problems };
}
