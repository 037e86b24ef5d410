import type { StateCreator } from 'zustand';
import type { RunSortKey } from './history/compare.ts';
import type { RunMeta, StepTable } from './history/types.ts';

/** What an import did: `name` is the stored run's name (a copy's differs from `original`). */
export interface HistoryNotice {
  kind: 'imported' | 'imported-no-weights' | 'imported-copy';
  name: string;
  original: string;
  epochs: number;
  checkpoints: number;
}

/**
 * The run history as the page shows it: the stored runs (records only; their step series are loaded
 * when a run is compared), the person's selection, sort and filter, and the last storage problem.
 * Written by src/store/history/recorder.ts and actions.ts; the records themselves live in IndexedDB.
 */
export interface HistorySlice {
  history: {
    /** 'loading' until the database is open; 'unavailable' when the browser has none (then `error`). */
    phase: 'loading' | 'ready' | 'unavailable';
    /** Newest first. */
    runs: RunMeta[];
    /** The last storage error (quota, a failed write or import), for people; null when none. */
    error: string | null;
    /** The last successful action worth saying (an import), for the page to word, or null. */
    notice: HistoryNotice | null;
    /** Runs picked for comparison, in the order picked. */
    selected: string[];
    /** The run the deltas are measured against (one of `selected`; the first when null). */
    baseline: string | null;
    filter: string;
    sort: { key: RunSortKey; dir: 'asc' | 'desc' };
    /** Step series loaded for comparison, by run id, with the record version (`updatedAt`) they match. */
    series: Record<string, { updatedAt: number; steps: StepTable }>;
    /** Browser storage used and available to this page, bytes (navigator.storage.estimate), if known. */
    usage: { used: number; quota: number } | null;
  };
  historyLoaded: (runs: RunMeta[]) => void;
  historyUnavailable: (message: string) => void;
  /** Adds or replaces a run record (keeps the newest-first order). */
  historyPut: (run: RunMeta) => void;
  historyRemove: (id: string) => void;
  historyError: (message: string | null) => void;
  historyNotice: (notice: HistoryNotice | null) => void;
  historySelect: (ids: string[]) => void;
  historyBaseline: (id: string | null) => void;
  historyFilter: (q: string) => void;
  historySort: (sort: HistorySlice['history']['sort']) => void;
  historySeries: (id: string, updatedAt: number, steps: StepTable) => void;
  historyUsage: (usage: { used: number; quota: number } | null) => void;
}

export const createHistorySlice: StateCreator<HistorySlice, [], [], HistorySlice> = (set) => {
  const patch = (p: Partial<HistorySlice['history']>) => set((s) => ({ history: { ...s.history, ...p } }));
  return {
    history: {
      phase: 'loading',
      runs: [],
      error: null,
      notice: null,
      selected: [],
      baseline: null,
      filter: '',
      sort: { key: 'createdAt', dir: 'desc' },
      series: {},
      usage: null,
    },
    historyLoaded: (runs) => patch({ phase: 'ready', runs }),
    historyUnavailable: (error) => patch({ phase: 'unavailable', error }),
    historyPut: (run) =>
      set((s) => {
        const others = s.history.runs.filter((r) => r.id !== run.id);
        const runs = [...others, run].sort((a, b) => b.createdAt - a.createdAt);
        return { history: { ...s.history, runs } };
      }),
    historyRemove: (id) =>
      set((s) => {
        const { [id]: _gone, ...series } = s.history.series;
        return {
          history: {
            ...s.history,
            runs: s.history.runs.filter((r) => r.id !== id),
            selected: s.history.selected.filter((x) => x !== id),
            baseline: s.history.baseline === id ? null : s.history.baseline,
            series,
          },
        };
      }),
    historyError: (error) => patch({ error }),
    historyNotice: (notice) => patch({ notice }),
    historySelect: (selected) =>
      set((s) => ({
        history: {
          ...s.history,
          selected,
          baseline:
            s.history.baseline !== null && selected.includes(s.history.baseline) ? s.history.baseline : null,
        },
      })),
    historyBaseline: (baseline) => patch({ baseline }),
    historyFilter: (filter) => patch({ filter }),
    historySort: (sort) => patch({ sort }),
    historySeries: (id, updatedAt, steps) =>
      set((s) => ({
        history: { ...s.history, series: { ...s.history.series, [id]: { updatedAt, steps } } },
      })),
    historyUsage: (usage) => patch({ usage }),
  };
};
