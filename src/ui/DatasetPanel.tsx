import { useId, useState, type ChangeEvent, type DragEvent } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chooseTarget, loadDataset } from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import type { DatasetInfo, DroppedFile } from '../worker/protocol.ts';

const PHASE_LABEL = { generating: 'Generating', parsing: 'Reading', featurizing: 'Building graphs' } as const;

/** The built-in teaching set at its defaults (2,000 synthetic crystals). */
export function loadBuiltin(): void {
  // `?size=N` in the address: a smaller built-in set (e.g. for a quick demo on a slow GPU).
  const size = Number(new URLSearchParams(window.location.search).get('size'));
  const settings = Number.isInteger(size) && size >= 10 ? { size } : {};
  loadDataset({ kind: 'builtin', settings }, 'Built-in teaching set');
}

/** Minimal view of the File System entries a drop gives (webkitGetAsEntry: Chromium, Firefox, Safari). */
interface FsEntry {
  isFile: boolean;
  isDirectory: boolean;
  fullPath: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (es: FsEntry[]) => void, fail: (e: unknown) => void): void };
}

/** Every file under a dropped entry, with its path inside the drop (folders are walked). */
async function entryFiles(entry: FsEntry): Promise<DroppedFile[]> {
  if (entry.isFile && entry.file) {
    const read = entry.file.bind(entry);
    const file = await new Promise<File>((ok, fail) => read(ok, fail));
    return [{ path: entry.fullPath.replace(/^\//, ''), file }];
  }
  if (!entry.isDirectory || !entry.createReader) return [];
  const reader = entry.createReader();
  const all: FsEntry[] = [];
  // readEntries returns a batch at a time (≤ 100 in Chromium) until it returns none.
  for (;;) {
    const batch = await new Promise<FsEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    all.push(...batch);
  }
  return (await Promise.all(all.map(entryFiles))).flat();
}

/** What a drop holds: folders walked through their entries when the browser gives them, else the files. */
async function droppedFiles(dt: DataTransfer): Promise<DroppedFile[]> {
  const entries = Array.from(dt.items, (item) =>
    item.kind === 'file' ? (item.webkitGetAsEntry() as FsEntry | null) : null,
  ).filter((e): e is FsEntry => e !== null);
  if (entries.length > 0) return (await Promise.all(entries.map(entryFiles))).flat();
  return filesOf(dt.files);
}

function filesOf(list: FileList | null): DroppedFile[] {
  return Array.from(list ?? [], (f) => ({ path: f.webkitRelativePath || f.name, file: f }));
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : x.toFixed(digits);
}

function TargetHistogram({ info }: { info: DatasetInfo }) {
  const h = info.summary.target.histogram;
  const data = Array.from(h.counts, (count, i) => ({
    x: ((h.edges[i] ?? 0) + (h.edges[i + 1] ?? 0)) / 2,
    count,
  }));
  return (
    <figure className="chart" aria-label={`Histogram of ${info.target}`}>
      <ResponsiveContainer width="100%" height={160}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="x" tickFormatter={(v: number) => fmt(v, 1)} minTickGap={24} />
          <YAxis
            allowDecimals={false}
            width={48}
            tickFormatter={(v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : String(v))}
          />
          <Tooltip
            formatter={(v) => [String(v), 'structures']}
            labelFormatter={(v) => `${info.target} ≈ ${fmt(Number(v))}`}
          />
          <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        {info.target}: min {fmt(info.summary.target.min)}, mean {fmt(info.summary.target.mean)}, max{' '}
        {fmt(info.summary.target.max)}, std {fmt(info.summary.target.std)}
      </figcaption>
    </figure>
  );
}

function TargetPicker({ info, disabled }: { info: DatasetInfo; disabled: boolean }) {
  const id = useId();
  if (info.targetChoices.length < 2 || info.format === 'synthetic') return null;
  return (
    <div className="row">
      <label htmlFor={id}>Target</label>
      <select
        id={id}
        value={info.target}
        disabled={disabled}
        onChange={(ev) => chooseTarget(ev.target.value)}
      >
        {info.targetChoices.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
    </div>
  );
}

function Summary({ info, busy }: { info: DatasetInfo; busy: boolean }) {
  const s = info.summary;
  return (
    <>
      <TargetPicker info={info} disabled={busy} />
      <dl className="facts" aria-label="Dataset summary">
        <dt>Dataset</dt>
        <dd data-testid="dataset-name">{info.name}</dd>
        <dt>Format</dt>
        <dd>{info.format}</dd>
        <dt>Structures</dt>
        <dd data-testid="dataset-count">{s.count.toLocaleString('en')}</dd>
        <dt>Rejected</dt>
        <dd data-testid="dataset-rejected">{s.rejectedCount.toLocaleString('en')}</dd>
        <dt>Elements</dt>
        <dd
          data-testid="dataset-elements"
          title={s.elements.map((e) => `${e.symbol} (${e.structures})`).join(', ')}
        >
          {s.elements.length}: {s.elements.map((e) => e.symbol).join(' ')}
        </dd>
        <dt>Atoms / structure</dt>
        <dd>
          {s.atoms.min === s.atoms.max
            ? s.atoms.min
            : `${s.atoms.min}–${s.atoms.max} (median ${s.atoms.median})`}
        </dd>
        <dt>Split (train/val/test)</dt>
        <dd data-testid="dataset-split">
          {info.split.train} / {info.split.val} / {info.split.test}
        </dd>
        <dt>Normalisation</dt>
        <dd>
          mean {fmt(info.normalizer.mean)}, std {fmt(info.normalizer.std)}{' '}
          <span className="muted">(training split)</span>
        </dd>
        <dt>Fingerprint</dt>
        <dd>
          <code title={info.fingerprint}>{info.fingerprint.slice(0, 16)}</code>
        </dd>
        <dt>Time</dt>
        <dd
          data-testid="dataset-timing"
          data-parse-ms={info.timings.parseMs}
          data-featurize-ms={info.timings.featurizeMs}
        >
          read {(info.timings.parseMs / 1000).toFixed(2)} s, graphs{' '}
          {(info.timings.featurizeMs / 1000).toFixed(2)} s
        </dd>
      </dl>
      {info.description !== null && (
        <p className="note" data-testid="dataset-description">
          <strong>Synthetic data.</strong> {info.description}
        </p>
      )}
      <TargetHistogram info={info} />
      {info.warnings.length > 0 && (
        <ul className="warnings">
          {info.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {info.rejected.length > 0 && (
        <details>
          <summary>
            Rejected items ({s.rejectedCount}
            {s.rejectedCount > info.rejected.length ? `, first ${info.rejected.length} shown` : ''})
          </summary>
          <table className="rejections" aria-label="Rejected items">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Row / line</th>
                <th scope="col">Reason</th>
                <th scope="col">What is wrong</th>
              </tr>
            </thead>
            <tbody>
              {info.rejected.map((r, i) => (
                <tr key={i}>
                  <td>{r.source.file}</td>
                  <td>
                    {r.source.row !== undefined
                      ? `row ${r.source.row}`
                      : r.source.line !== undefined
                        ? `line ${r.source.line}`
                        : ''}
                  </td>
                  <td>{r.reason}</td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}

export function DatasetPanel() {
  const dataset = useLabStore((s) => s.dataset);
  const filesId = useId();
  const folderId = useId();
  const onFiles = (ev: ChangeEvent<HTMLInputElement>) => {
    const files = filesOf(ev.target.files);
    if (files.length > 0)
      loadDataset(
        { kind: 'files', files },
        files.length === 1 ? (files[0]?.path ?? '') : `${files.length} files`,
      );
    ev.target.value = '';
  };
  const p = dataset.pending;
  const [over, setOver] = useState(false);
  const onDrop = (ev: DragEvent<HTMLDivElement>) => {
    ev.preventDefault();
    setOver(false);
    void droppedFiles(ev.dataTransfer).then((files) => {
      if (files.length > 0) {
        loadDataset(
          { kind: 'files', files },
          files.length === 1 ? (files[0]?.path ?? '') : `${files.length} files`,
        );
      }
    });
  };
  return (
    <section className="card" aria-labelledby="dataset-title">
      <h2 id="dataset-title">Dataset</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dataset-dropzone"
        aria-label="Drop dataset files, folders or zips here"
        onDragOver={(ev) => {
          ev.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop files, a folder or a zip here
      </div>
      <div className="row">
        <button type="button" onClick={loadBuiltin} disabled={p !== null}>
          Built-in teaching set
        </button>
        <label className="button" htmlFor={filesId}>
          Open files…
        </label>
        <input
          id={filesId}
          className="visually-hidden"
          type="file"
          multiple
          onChange={onFiles}
          aria-label="Open dataset files"
        />
        <label className="button" htmlFor={folderId}>
          Open folder…
        </label>
        <input
          id={folderId}
          // Chromium, Firefox and Safari read a whole folder with this non-standard attribute.
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          className="visually-hidden"
          type="file"
          multiple
          onChange={onFiles}
          aria-label="Open dataset folder"
        />
      </div>
      <p className="muted small">
        Reads CGCNN folders or zips (id_prop.csv + CIFs), CSV with a CIF column, pymatgen/matminer JSON
        (.json, .json.gz), extended XYZ, and POSCAR files with a targets CSV.
      </p>
      {p !== null && (
        <div className="progress" data-testid="dataset-progress">
          <span>
            {p.label}: {p.progress ? PHASE_LABEL[p.progress.phase] : 'Starting'}…
          </span>
          <progress
            max={p.progress?.total ?? 1}
            value={p.progress?.done ?? 0}
            aria-label="Dataset progress"
          />
        </div>
      )}
      {dataset.error !== null && (
        <p className="error" role="alert" data-testid="dataset-error">
          {dataset.error}
          {dataset.loaded !== null ? ` (Still using ${dataset.loaded.name}.)` : ''}
        </p>
      )}
      {dataset.loaded !== null ? (
        <Summary info={dataset.loaded} busy={p !== null} />
      ) : (
        p === null && <p className="muted">No dataset loaded.</p>
      )}
    </section>
  );
}
