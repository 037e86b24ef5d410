/**
 * The Experiments view: the run history (sortable, filterable; rename, tag, delete, resume, export,
 * import) and the comparison of the runs picked (overlaid curves, a metrics table with deltas against a
 * baseline, the config diff).
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  deleteRun,
  deleteRunWeights,
  exportBundle,
  exportEpochsCsv,
  exportModel,
  exportPytorch,
  exportStepsCsv,
  importBundle,
  loadSeries,
  parseTags,
  renameRun,
  resumeRun,
  setRunTags,
  type ExportFile,
} from '../../store/history/actions.ts';
import { filterRuns, runSummary, sortRuns, type RunSortKey } from '../../store/history/compare.ts';
import type { RunMeta } from '../../store/history/types.ts';
import { useLabStore } from '../../store/labStore.ts';
import type { HistoryNotice } from '../../store/historySlice.ts';
import { downloadBlob } from '../chartExport.ts';
import { fmt, useT, type T } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/en.ts';
import { CompareView } from './CompareView.tsx';
import { formatBytes, formatDuration } from '../format.ts';

async function save(file: Promise<ExportFile | ExportFile[] | null>): Promise<void> {
  const f = await file;
  if (f === null) return;
  for (const x of Array.isArray(f) ? f : [f]) downloadBlob(x.blob, x.name);
}

/** A small line of the run's validation MAE (solid) and train loss (dashed) per epoch, log scale. */
function Sparkline({ run, label }: { run: RunMeta; label: string }) {
  const w = 120;
  const h = 30;
  const series = [run.epochs.map((e) => e.val.mae), run.epochs.map((e) => e.trainLoss)];
  const all = series.flat().filter((v) => Number.isFinite(v) && v > 0);
  if (run.epochs.length < 2 || all.length === 0) {
    return <span className="muted small">—</span>;
  }
  const lo = Math.log(Math.min(...all));
  const hi = Math.log(Math.max(...all));
  const span = hi - lo || 1;
  const n = run.epochs.length;
  const path = (ys: number[]) =>
    ys
      .map((y, i) => {
        if (!(Number.isFinite(y) && y > 0)) return null;
        const px = (i / (n - 1)) * (w - 2) + 1;
        const py = h - 2 - ((Math.log(y) - lo) / span) * (h - 4);
        return `${px.toFixed(1)},${py.toFixed(1)}`;
      })
      .filter((p): p is string => p !== null)
      .join(' ');
  return (
    <svg className="sparkline" width={w} height={h} role="img" aria-label={label} data-points={n}>
      <polyline points={path(series[1]!)} fill="none" stroke="var(--muted)" strokeDasharray="3 2" />
      <polyline points={path(series[0]!)} fill="none" stroke="var(--accent)" strokeWidth={1.5} />
    </svg>
  );
}

const NOTICE_KEY: Record<HistoryNotice['kind'], MessageKey> = {
  imported: 'runs.notice.imported',
  'imported-no-weights': 'runs.notice.importedNoWeights',
  'imported-copy': 'runs.notice.importedCopy',
};

const STATUS_KEY: Record<RunMeta['status'], MessageKey> = {
  running: 'runs.status.running',
  paused: 'runs.status.paused',
  done: 'runs.status.done',
  stopped: 'runs.status.stopped',
  failed: 'runs.status.failed',
  interrupted: 'runs.status.interrupted',
};

function SortHeader({ label, k, className }: { label: string; k: RunSortKey; className?: string }) {
  const sort = useLabStore((s) => s.history.sort);
  const setSort = useLabStore((s) => s.historySort);
  const active = sort.key === k;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className="link sort"
        onClick={() =>
          setSort({
            key: k,
            dir: active ? (sort.dir === 'asc' ? 'desc' : 'asc') : k === 'name' ? 'asc' : 'desc',
          })
        }
      >
        {label}
        <span aria-hidden="true">{active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** The name cell: the name, or an editor while renaming. */
function NameCell({ run, t }: { run: RunMeta; t: T }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(run.name);
  const tagsId = useId();
  const [tagsDraft, setTagsDraft] = useState<string | null>(null);
  if (editing) {
    return (
      <form
        className="row"
        onSubmit={(ev) => {
          ev.preventDefault();
          void renameRun(run.id, draft).then(() => setEditing(false));
        }}
      >
        <input
          aria-label={t('runs.nameLabel')}
          value={draft}
          maxLength={200}
          autoFocus
          onChange={(ev) => setDraft(ev.target.value)}
          onKeyDown={(ev) => {
            if (ev.key === 'Escape') setEditing(false);
          }}
        />
        <button type="submit">{t('runs.save')}</button>
      </form>
    );
  }
  return (
    <div>
      <strong className="run-name">{run.name}</strong>{' '}
      <button
        type="button"
        className="link small"
        aria-label={t('runs.renameRun', { name: run.name })}
        onClick={() => {
          setDraft(run.name);
          setEditing(true);
        }}
      >
        {t('runs.rename')}
      </button>
      <div className="tags">
        {run.tags.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
        {tagsDraft === null ? (
          <button
            type="button"
            className="link small"
            aria-label={t('runs.editTags', { name: run.name })}
            onClick={() => setTagsDraft(run.tags.join(', '))}
          >
            {run.tags.length ? t('runs.tagsEdit') : t('runs.tagsAdd')}
          </button>
        ) : (
          <form
            className="row"
            onSubmit={(ev) => {
              ev.preventDefault();
              void setRunTags(run.id, parseTags(tagsDraft)).then(() => setTagsDraft(null));
            }}
          >
            <label htmlFor={tagsId} className="visually-hidden">
              {t('runs.tagsLabel')}
            </label>
            <input
              id={tagsId}
              value={tagsDraft}
              autoFocus
              placeholder={t('runs.tagsPlaceholder')}
              onChange={(ev) => setTagsDraft(ev.target.value)}
              onKeyDown={(ev) => {
                if (ev.key === 'Escape') setTagsDraft(null);
              }}
            />
            <button type="submit">{t('runs.save')}</button>
          </form>
        )}
      </div>
    </div>
  );
}

/** Whether a run can continue from its stored checkpoint (cut off or stopped before its last step). */
function resumable(run: RunMeta): boolean {
  return (
    (run.status === 'interrupted' || run.status === 'stopped') &&
    run.resumePoint !== null &&
    run.resumePoint.globalStep < run.totalSteps
  );
}

/** The per-run actions menu. */
function RunActions({ run, t }: { run: RunMeta; t: T }) {
  const [withWeights, setWithWeights] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const hasWeights = run.resumePoint !== null;
  const live = run.status === 'running' || run.status === 'paused';
  return (
    <details className="menu">
      <summary aria-label={t('runs.actionsFor', { name: run.name })}>{t('runs.actions')}</summary>
      <div className="menu-body">
        <label className="inline small">
          <input
            type="checkbox"
            checked={withWeights && hasWeights}
            disabled={!hasWeights}
            onChange={(e) => setWithWeights(e.target.checked)}
          />{' '}
          {t('runs.withWeights')}
        </label>
        <button type="button" onClick={() => void save(exportBundle(run.id, withWeights && hasWeights))}>
          {t('runs.exportBundle')}
        </button>
        <button type="button" onClick={() => void save(exportEpochsCsv(run.id))}>
          {t('runs.exportEpochsCsv')}
        </button>
        <button type="button" onClick={() => void save(exportStepsCsv(run.id))}>
          {t('runs.exportStepsCsv')}
        </button>
        {run.topK.length > 0 && (
          <button type="button" onClick={() => void save(exportModel(run.id, 'best'))}>
            {t('runs.exportBestModel', { epoch: run.topK[0]?.epoch ?? 0 })}
          </button>
        )}
        <button type="button" disabled={!hasWeights} onClick={() => void save(exportModel(run.id, 'final'))}>
          {t('runs.exportModel')}
        </button>
        <button type="button" onClick={() => void save(exportPytorch(run.id))}>
          {t('runs.exportPytorch')}
        </button>
        {hasWeights && !live && (
          <button type="button" onClick={() => void deleteRunWeights(run.id)}>
            {t('runs.deleteWeights')}
          </button>
        )}
        {confirming ? (
          <span className="row">
            <button type="button" className="danger" onClick={() => void deleteRun(run.id)}>
              {t('runs.deleteConfirm', { name: run.name })}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('runs.cancel')}
            </button>
          </span>
        ) : (
          <button type="button" className="danger" disabled={live} onClick={() => setConfirming(true)}>
            {t('runs.delete')}
          </button>
        )}
      </div>
    </details>
  );
}

function RunTable({ runs, t }: { runs: RunMeta[]; t: T }) {
  const selected = useLabStore((s) => s.history.selected);
  const select = useLabStore((s) => s.historySelect);
  const lang = useLabStore((s) => s.lang);
  const trainingBusy = useLabStore((s) => s.training.status === 'running' || s.training.status === 'paused');
  const dateFmt = useMemo(
    () => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }),
    [lang],
  );
  return (
    <div className="table-scroll">
      <table className="data runs" aria-label={t('runs.tableLabel')}>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">{t('runs.compareCol')}</span>
            </th>
            <SortHeader label={t('runs.col.name')} k="name" />
            <SortHeader label={t('runs.col.status')} k="status" />
            <SortHeader label={t('runs.col.started')} k="createdAt" />
            <SortHeader label={t('runs.col.lr')} k="maxLr" className="num" />
            <SortHeader label={t('runs.col.epochs')} k="epochs" className="num" />
            <SortHeader label={t('runs.col.valMae')} k="valMae" className="num" />
            <SortHeader label={t('runs.col.testMae')} k="testMae" className="num" />
            <SortHeader label={t('runs.col.time')} k="timeMs" className="num" />
            <th scope="col">{t('runs.col.curve')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('runs.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const s = runSummary(run);
            const picked = selected.includes(run.id);
            return (
              <tr key={run.id} data-run-id={run.id} className={picked ? 'picked' : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('runs.pick', { name: run.name })}
                    checked={picked}
                    onChange={(ev) =>
                      select(ev.target.checked ? [...selected, run.id] : selected.filter((x) => x !== run.id))
                    }
                  />
                </td>
                <td>
                  <NameCell run={run} t={t} />
                  <div className="small muted">
                    {run.dataset.name} · {run.config.optimizer.kind} ·{' '}
                    {t('runs.batch', { n: run.config.batchSize })}
                    {run.backend ? ` · ${run.backend}` : ''}
                  </div>
                </td>
                <td>
                  <span className={`status-pill status-${run.status}`}>{t(STATUS_KEY[run.status])}</span>
                  {run.error !== null && <div className="small error">{run.error}</div>}
                  {resumable(run) && (
                    <button
                      type="button"
                      className="small-btn resume"
                      disabled={trainingBusy}
                      title={trainingBusy ? t('runs.resumeBusy') : undefined}
                      aria-label={t('runs.resumeRun', { name: run.name, epoch: run.resumePoint?.epoch ?? 0 })}
                      onClick={() => void resumeRun(run.id)}
                    >
                      {t('runs.resume', { epoch: run.resumePoint?.epoch ?? 0 })}
                    </button>
                  )}
                </td>
                <td className="small">{dateFmt.format(run.createdAt)}</td>
                <td className="num mono">{Number(s.maxLr.toPrecision(3))}</td>
                <td className="num mono">
                  {s.epochs}/{run.config.epochs}
                </td>
                <td className="num mono">{s.val ? fmt(s.val.mae) : '—'}</td>
                <td className="num mono">{s.test ? fmt(s.test.mae) : '—'}</td>
                <td className="num">{formatDuration(s.timeMs, lang)}</td>
                <td>
                  <Sparkline run={run} label={t('runs.curveLabel', { name: run.name })} />
                </td>
                <td>
                  <RunActions run={run} t={t} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Banner({
  kind,
  children,
  onClose,
  t,
}: {
  kind: 'alert' | 'status';
  children: ReactNode;
  onClose: () => void;
  t: T;
}) {
  return (
    <div className={kind === 'alert' ? 'note bad row spread' : 'note row spread'} role={kind}>
      <span>{children}</span>
      <button type="button" className="link" onClick={onClose}>
        {t('runs.dismiss')}
      </button>
    </div>
  );
}

export function ExperimentsView() {
  const t = useT();
  const h = useLabStore((s) => s.history);
  const setFilter = useLabStore((s) => s.historyFilter);
  const setError = useLabStore((s) => s.historyError);
  const setNotice = useLabStore((s) => s.historyNotice);
  const fileRef = useRef<HTMLInputElement>(null);
  const filterId = useId();
  const shown = useMemo(
    () => sortRuns(filterRuns(h.runs, h.filter), h.sort.key, h.sort.dir),
    [h.runs, h.filter, h.sort],
  );
  const picked = useMemo(
    () =>
      h.selected.map((id) => h.runs.find((r) => r.id === id)).filter((r): r is RunMeta => r !== undefined),
    [h.selected, h.runs],
  );
  useEffect(() => {
    if (picked.length > 0) void loadSeries(picked.map((r) => r.id));
  }, [picked]);
  return (
    <>
      <section className="card" aria-labelledby="runs-title">
        <div className="row spread">
          <h2 id="runs-title">{t('runs.title')}</h2>
          <div className="row">
            <label htmlFor={filterId} className="inline">
              {t('runs.filter')}
            </label>
            <input
              id={filterId}
              type="search"
              className="filter"
              value={h.filter}
              placeholder={t('runs.filterPlaceholder')}
              onChange={(ev) => setFilter(ev.target.value)}
            />
            <label className="button">
              {t('runs.import')}
              <input
                ref={fileRef}
                type="file"
                accept=".json,application/json"
                className="visually-hidden"
                aria-label={t('runs.importLabel')}
                onChange={(ev) => {
                  const f = ev.target.files?.[0];
                  ev.target.value = '';
                  if (f) void f.text().then((text) => importBundle(text, f.name));
                }}
              />
            </label>
          </div>
        </div>
        <p className="small muted">{t('runs.intro')}</p>
        {h.error !== null && (
          <Banner kind="alert" onClose={() => setError(null)} t={t}>
            {h.error}
          </Banner>
        )}
        {h.notice !== null && (
          <Banner kind="status" onClose={() => setNotice(null)} t={t}>
            {t(NOTICE_KEY[h.notice.kind], { ...h.notice })}
          </Banner>
        )}
        {h.phase === 'loading' && <p className="muted">{t('runs.loading')}</p>}
        {h.phase === 'ready' && h.runs.length === 0 && <p className="muted">{t('runs.empty')}</p>}
        {h.runs.length > 0 && (
          <>
            <p className="small muted" data-testid="runs-count">
              {t('runs.count', { shown: shown.length, total: h.runs.length })}
              {h.usage !== null &&
                ` · ${t('runs.usage', { used: formatBytes(h.usage.used), quota: formatBytes(h.usage.quota) })}`}
            </p>
            <RunTable runs={shown} t={t} />
            {picked.length === 0 && <p className="small muted">{t('runs.pickHint')}</p>}
          </>
        )}
      </section>
      {picked.length > 0 && <CompareView runs={picked} />}
    </>
  );
}
