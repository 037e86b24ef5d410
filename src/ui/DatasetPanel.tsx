/**
 * The Dataset panel: the built-in teaching set (size, label noise, "failed DFT" outliers), a drop zone
 * for files, folders and zips, file/folder pickers, "load from URL"; progress while reading and building
 * graphs; the summary, the target histogram with the outlier filter's μ ± kσ band (from the recipe) and
 * the training rows it would remove, each inspectable; the rejected-rows report.
 */
import { useEffect, useId, useMemo, useState, type ChangeEvent, type DragEvent } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { filterOutliers, type OutlierConfig } from '../core/outliers.ts';
import { trainingOutliers } from './trainingOutliers.ts';
import { chooseTarget, loadBuiltin, loadFiles, loadFromUrl } from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import { DEFAULT_BUILTIN, type BuiltinChoice } from '../store/urlState.ts';
import type { DatasetInfo, DroppedFile } from '../worker/protocol.ts';
import { NumberField } from './fields.tsx';
import { TICKS } from './charts.tsx';
import { fmt, useT, type T } from './i18n/index.ts';

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

/** The recipe's outlier filter on the training targets: band, removed rows (with z), or null when off. */
function useOutlierPreview(info: DatasetInfo, config: OutlierConfig | null) {
  return useMemo(() => {
    if (config === null) return null;
    const r = trainingOutliers(info, config);
    if (r === null) return null;
    try {
      // The verdict uses a robust score (median, 1.4826·MAD): a few huge values inflate the std and
      // hide how far out they are (masking), not the median and the MAD.
      const robust = filterOutliers({ method: 'mad', k: 1 }, info.trainRows.targets);
      const removed = Array.from(r.removed, (i) => ({
        i,
        id: info.trainRows.ids[i] ?? String(i),
        value: info.trainRows.targets[i]!,
        z: r.z[i]!,
        robustZ: robust.scale > 0 ? (info.trainRows.targets[i]! - robust.center) / robust.scale : Number.NaN,
        formula: info.trainRows.formulas[i] ?? '',
        atoms: info.trainRows.atoms[i] ?? 0,
      })).sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
      return {
        lo: r.center - r.threshold,
        hi: r.center + r.threshold,
        center: r.center,
        scale: r.scale,
        k: r.k,
        method: r.method,
        removed,
      };
    } catch {
      return null;
    }
  }, [info, config]);
}

type Preview = NonNullable<ReturnType<typeof useOutlierPreview>>;

function TargetHistogram({ info, preview, t }: { info: DatasetInfo; preview: Preview | null; t: T }) {
  const h = info.summary.target.histogram;
  const data = Array.from(h.counts, (count, i) => {
    const a = h.edges[i] ?? 0;
    const b = h.edges[i + 1] ?? 0;
    return { x: (a + b) / 2, count, out: preview !== null && (b < preview.lo || a > preview.hi) };
  });
  const x0 = h.edges[0] ?? 0;
  const x1 = h.edges[h.edges.length - 1] ?? 1;
  return (
    <figure
      className="chart"
      aria-label={t('data.histogram', { target: info.target })}
      data-testid="target-histogram"
    >
      <ResponsiveContainer width="100%" height={170}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="x" type="number" domain={[x0, x1]} interval={0} tick={TICKS.x1} minTickGap={24} />
          <YAxis allowDecimals={false} width={48} scale="sqrt" interval={0} tick={TICKS.yCount} />
          {preview !== null && (
            <ReferenceArea
              x1={Math.max(x0, preview.lo)}
              x2={Math.min(x1, preview.hi)}
              fill="var(--ok)"
              fillOpacity={0.08}
              stroke="var(--ok)"
              strokeOpacity={0.4}
            />
          )}
          {preview !== null && <ReferenceLine x={preview.center} stroke="var(--ok)" strokeDasharray="4 3" />}
          <Tooltip
            formatter={(v) => [String(v), t('data.structures')]}
            labelFormatter={(v) => `${info.target} ≈ ${fmt(Number(v), 3)}`}
          />
          <Bar dataKey="count" isAnimationActive={false} barSize={Math.max(2, 300 / data.length)}>
            {data.map((d, i) => (
              <Cell key={i} fill={d.out ? 'var(--bad)' : 'var(--accent)'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        {t('data.targetStats', {
          target: info.target,
          min: fmt(info.summary.target.min, 3),
          mean: fmt(info.summary.target.mean, 3),
          max: fmt(info.summary.target.max, 3),
          std: fmt(info.summary.target.std, 3),
        })}
        {preview !== null && (
          <>
            {' · '}
            <span data-testid="outlier-band">
              {t('data.band', {
                center: fmt(preview.center, 3),
                k: preview.k,
                lo: fmt(preview.lo, 3),
                hi: fmt(preview.hi, 3),
                method: t(`outliers.${preview.method}` as const),
              })}
            </span>
          </>
        )}
      </figcaption>
    </figure>
  );
}

/** Why a row might be an outlier: a value no material can have, or a rare but possible one. */
function verdict(row: Preview['removed'][number], p: Preview, t: T): string {
  const z = Math.abs(Number.isFinite(row.robustZ) ? row.robustZ : row.z);
  if (!Number.isFinite(row.value)) return t('data.verdictNonFinite');
  if (z > 50) return t('data.verdictFailure', { z: z.toFixed(0) });
  if (z > 8) return t('data.verdictSuspicious', { z: z.toFixed(1) });
  return t('data.verdictSwan', { z: z.toFixed(1), k: p.k });
}

function OutlierRows({ preview, info, t }: { preview: Preview; info: DatasetInfo; t: T }) {
  const [open, setOpen] = useState<number | null>(null);
  const shown = preview.removed.slice(0, 50);
  return (
    <details data-testid="outlier-rows" open={preview.removed.length > 0 && preview.removed.length <= 12}>
      <summary>
        {t('data.outlierRows', { n: preview.removed.length, total: info.trainRows.ids.length })}
      </summary>
      {preview.removed.length === 0 ? (
        <p className="muted small">{t('data.noOutliers')}</p>
      ) : (
        <table className="rejections" aria-label={t('data.outlierTable')}>
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col">{t('data.formula')}</th>
              <th scope="col">{info.target}</th>
              <th scope="col">z</th>
              <th scope="col">
                <span className="visually-hidden">{t('data.inspect')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.i} className={open === r.i ? 'selected' : undefined}>
                <td>{r.id}</td>
                <td>{r.formula}</td>
                <td>{fmt(r.value, 3)}</td>
                <td>{fmt(r.z, 1)}</td>
                <td>
                  <button
                    type="button"
                    className="small-btn"
                    aria-expanded={open === r.i}
                    onClick={() => setOpen(open === r.i ? null : r.i)}
                  >
                    {t('data.inspect')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open !== null &&
        (() => {
          const r = preview.removed.find((x) => x.i === open);
          if (r === undefined) return null;
          return (
            <div
              className="note"
              data-testid="outlier-detail"
              role="region"
              aria-label={t('data.inspectTitle', { id: r.id })}
            >
              <strong>{t('data.inspectTitle', { id: r.id })}</strong>
              <p className="small">
                {t('data.inspectBody', {
                  formula: r.formula,
                  atoms: r.atoms,
                  value: fmt(r.value, 4),
                  target: info.target,
                  z: fmt(r.z, 2),
                  center: fmt(preview.center, 3),
                  scale: fmt(preview.scale, 3),
                  rz: fmt(r.robustZ, 1),
                })}
              </p>
              <p className="small">
                <strong>{t('data.verdict')}</strong> {verdict(r, preview, t)}
              </p>
            </div>
          );
        })()}
    </details>
  );
}

function TargetPicker({ info, disabled, t }: { info: DatasetInfo; disabled: boolean; t: T }) {
  const id = useId();
  if (info.targetChoices.length < 2 || info.format === 'synthetic') return null;
  return (
    <div className="row">
      <label htmlFor={id}>{t('data.target')}</label>
      <select
        id={id}
        value={info.target}
        disabled={disabled}
        onChange={(ev) => chooseTarget(ev.target.value)}
      >
        {info.targetChoices.map((x) => (
          <option key={x} value={x}>
            {x}
          </option>
        ))}
      </select>
    </div>
  );
}

function Summary({ info, busy, t }: { info: DatasetInfo; busy: boolean; t: T }) {
  const s = info.summary;
  const outliers = useLabStore((st) => st.recipe.outliers);
  const preview = useOutlierPreview(info, outliers);
  return (
    <>
      <TargetPicker info={info} disabled={busy} t={t} />
      <dl className="facts" aria-label={t('data.summary')}>
        <dt>{t('data.name')}</dt>
        <dd data-testid="dataset-name">
          {info.name === 'builtin' || info.format === 'synthetic' ? t('data.builtinName') : info.name}
        </dd>
        <dt>{t('data.format')}</dt>
        <dd>{info.format}</dd>
        <dt>{t('data.structures')}</dt>
        <dd data-testid="dataset-count">{s.count.toLocaleString('en')}</dd>
        <dt>{t('data.rejected')}</dt>
        <dd data-testid="dataset-rejected">{s.rejectedCount.toLocaleString('en')}</dd>
        <dt>{t('data.elements')}</dt>
        <dd
          data-testid="dataset-elements"
          title={s.elements.map((e) => `${e.symbol} (${e.structures})`).join(', ')}
        >
          {s.elements.length}: {s.elements.map((e) => e.symbol).join(' ')}
        </dd>
        <dt>{t('data.atoms')}</dt>
        <dd>
          {s.atoms.min === s.atoms.max
            ? s.atoms.min
            : t('data.atomsRange', { min: s.atoms.min, max: s.atoms.max, median: s.atoms.median })}
        </dd>
        <dt>{t('data.split')}</dt>
        <dd data-testid="dataset-split">
          {info.split.train} / {info.split.val} / {info.split.test}
        </dd>
        <dt>{t('data.normalisation')}</dt>
        <dd>
          {t('data.normText', { mean: fmt(info.normalizer.mean, 3), std: fmt(info.normalizer.std, 3) })}
        </dd>
        <dt>{t('data.fingerprint')}</dt>
        <dd>
          <code title={info.fingerprint}>{info.fingerprint.slice(0, 16)}</code>
        </dd>
        <dt>{t('data.time')}</dt>
        <dd
          data-testid="dataset-timing"
          data-parse-ms={info.timings.parseMs}
          data-featurize-ms={info.timings.featurizeMs}
        >
          {t('data.timeText', {
            read: (info.timings.parseMs / 1000).toFixed(2),
            graphs: (info.timings.featurizeMs / 1000).toFixed(2),
          })}
        </dd>
      </dl>
      {info.description !== null && (
        <details className="note" data-testid="dataset-description">
          <summary>
            <strong>{t('data.synthetic')}</strong> {t('data.syntheticHow')}
          </summary>
          <p className="small">{info.description}</p>
        </details>
      )}
      <TargetHistogram info={info} preview={preview} t={t} />
      {preview !== null && <OutlierRows preview={preview} info={info} t={t} />}
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
            {t('data.rejectedItems', { n: s.rejectedCount })}
            {s.rejectedCount > info.rejected.length
              ? ` ${t('data.firstShown', { n: info.rejected.length })}`
              : ''}
          </summary>
          <table className="rejections" aria-label={t('data.rejectedTable')}>
            <thead>
              <tr>
                <th scope="col">{t('data.file')}</th>
                <th scope="col">{t('data.rowLine')}</th>
                <th scope="col">{t('data.reason')}</th>
                <th scope="col">{t('data.whatIsWrong')}</th>
              </tr>
            </thead>
            <tbody>
              {info.rejected.map((r, i) => (
                <tr key={i}>
                  <td>{r.source.file}</td>
                  <td>
                    {r.source.row !== undefined
                      ? t('data.rowN', { n: r.source.row })
                      : r.source.line !== undefined
                        ? t('data.lineN', { n: r.source.line })
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

function BuiltinOptions({ disabled, t }: { disabled: boolean; t: T }) {
  const choice = useLabStore((s) => s.datasetChoice);
  const [draft, setDraft] = useState<BuiltinChoice>(choice.kind === 'builtin' ? choice : DEFAULT_BUILTIN);
  // The set-up may change from outside (the address is read after the first render): follow it.
  useEffect(() => {
    if (choice.kind === 'builtin') setDraft(choice);
  }, [choice]);
  const bad = t('field.notNumber');
  return (
    <details className="builtin-options">
      <summary>{t('data.builtinOptions')}</summary>
      <div className="fields">
        <NumberField
          label={t('data.size')}
          value={draft.size}
          integer
          onChange={(v) => setDraft({ ...draft, size: v })}
          invalidText={bad}
          hint="10 – 20,000"
          testId="builtin-size"
        />
        <NumberField
          label={t('data.noise')}
          value={draft.noise}
          onChange={(v) => setDraft({ ...draft, noise: v })}
          invalidText={bad}
          hint="eV/atom"
        />
        <NumberField
          label={t('data.failedDft')}
          value={draft.outliers}
          onChange={(v) => setDraft({ ...draft, outliers: v })}
          invalidText={bad}
          hint={t('data.failedDftHint')}
          testId="builtin-outliers"
        />
      </div>
      <button
        type="button"
        disabled={
          disabled ||
          !(
            draft.size >= 10 &&
            draft.size <= 20000 &&
            draft.noise >= 0 &&
            draft.outliers >= 0 &&
            draft.outliers <= 1
          )
        }
        onClick={() => loadBuiltin({ ...draft, size: Math.round(draft.size) })}
      >
        {t('data.generate')}
      </button>
    </details>
  );
}

function UrlLoader({ disabled, t }: { disabled: boolean; t: T }) {
  const id = useId();
  const [url, setUrl] = useState('');
  return (
    <form
      className="row"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (url.trim() !== '') loadFromUrl(url.trim());
      }}
    >
      <label htmlFor={id}>{t('data.fromUrl')}</label>
      <input
        id={id}
        type="url"
        className="grow"
        placeholder="https://…/dataset.zip"
        value={url}
        onChange={(ev) => setUrl(ev.target.value)}
      />
      <button type="submit" disabled={disabled || url.trim() === ''}>
        {t('data.load')}
      </button>
    </form>
  );
}

export function DatasetPanel() {
  const t = useT();
  const dataset = useLabStore((s) => s.dataset);
  const choice = useLabStore((s) => s.datasetChoice);
  const filesId = useId();
  const folderId = useId();
  const labelOf = (files: DroppedFile[]) =>
    files.length === 1 ? (files[0]?.path ?? '') : t('data.nFiles', { n: files.length });
  const onFiles = (ev: ChangeEvent<HTMLInputElement>) => {
    const files = filesOf(ev.target.files);
    if (files.length > 0) loadFiles(files, labelOf(files));
    ev.target.value = '';
  };
  const p = dataset.pending;
  const [over, setOver] = useState(false);
  const onDrop = (ev: DragEvent<HTMLDivElement>) => {
    ev.preventDefault();
    setOver(false);
    void droppedFiles(ev.dataTransfer).then((files) => {
      if (files.length > 0) loadFiles(files, labelOf(files));
    });
  };
  const phase = p?.progress?.phase;
  return (
    <section className="card" aria-labelledby="dataset-title">
      <h2 id="dataset-title">{t('data.title')}</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dataset-dropzone"
        aria-label={t('data.dropLabel')}
        onDragOver={(ev) => {
          ev.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        {t('data.drop')}
      </div>
      <div className="row">
        <button
          type="button"
          onClick={() => loadBuiltin(choice.kind === 'builtin' ? choice : DEFAULT_BUILTIN)}
          disabled={p !== null}
        >
          {t('data.builtin')}
        </button>
        <label className="button" htmlFor={filesId}>
          {t('data.openFiles')}
        </label>
        <input
          id={filesId}
          className="visually-hidden"
          type="file"
          multiple
          onChange={onFiles}
          aria-label={t('data.openFilesLabel')}
        />
        <label className="button" htmlFor={folderId}>
          {t('data.openFolder')}
        </label>
        <input
          id={folderId}
          // Chromium, Firefox and Safari read a whole folder with this non-standard attribute.
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          className="visually-hidden"
          type="file"
          multiple
          onChange={onFiles}
          aria-label={t('data.openFolderLabel')}
        />
      </div>
      <BuiltinOptions disabled={p !== null} t={t} />
      <UrlLoader disabled={p !== null} t={t} />
      <p className="muted small">{t('data.formats')}</p>
      {p !== null && (
        <div className="progress" data-testid="dataset-progress">
          <span>
            {p.label === 'builtin' ? t('data.builtinName') : p.label}:{' '}
            {phase ? t(`phase.${phase}` as const) : t('phase.starting')}…
          </span>
          <progress
            max={p.progress?.total ?? 1}
            value={p.progress?.done ?? 0}
            aria-label={t('data.progress')}
          />
        </div>
      )}
      {dataset.error !== null && (
        <p className="error" role="alert" data-testid="dataset-error">
          {dataset.error}
          {dataset.loaded !== null
            ? ` ${t('data.stillUsing', { name: dataset.loaded.format === 'synthetic' ? t('data.builtinName') : dataset.loaded.name })}`
            : ''}
        </p>
      )}
      {dataset.loaded !== null ? (
        <Summary info={dataset.loaded} busy={p !== null} t={t} />
      ) : (
        p === null && <p className="muted">{t('data.none')}</p>
      )}
    </section>
  );
}
