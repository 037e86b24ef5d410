/**
 * The run history's IndexedDB database, through the `idb` wrapper (promises, typed schema).
 *
 * Object stores (database {@link DB_NAME}, version {@link DB_VERSION}):
 * - `runs`: {@link RunMeta} by `id`;
 * - `steps`: {@link StepChunk} by `[runId, firstStep]` (one chunk per epoch, so a run's series is read
 *   back in key order with one range query);
 * - `checkpoints`: {@link StoredCheckpoint} by `[runId, slot]`.
 *
 * Every write that changes a run's contents happens in one transaction over the stores it touches, so a
 * crash leaves a run as it was before the write or after it, never half-written. Write failures are
 * turned into {@link HistoryError}s that say what was not saved and what to do (a full disk or a browser
 * quota: `QuotaExceededError`), never swallowed.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  STEP_COLUMNS,
  type CheckpointSlot,
  type RunMeta,
  type StepChunk,
  type StepTable,
  type StoredCheckpoint,
} from './types.ts';

export const DB_NAME = 'optimization-lab';
export const DB_VERSION = 1;

interface LabDb extends DBSchema {
  runs: { key: string; value: RunMeta };
  steps: { key: [string, number]; value: StepChunk };
  checkpoints: { key: [string, string]; value: StoredCheckpoint };
}

/** A history write or read that failed, with a message for people; `quota` when storage is full. */
export class HistoryError extends Error {
  readonly quota: boolean;
  constructor(message: string, quota: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = 'HistoryError';
    this.quota = quota;
  }
}

/** Whether `e` (or the transaction error behind it) is the browser refusing more storage. */
export function isQuotaError(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return false;
  const name = (e as { name?: unknown }).name;
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  return isQuotaError((e as { cause?: unknown }).cause);
}

/** A HistoryError for a failed `what` ("save epoch 3 of “run”"). */
export function historyError(what: string, e: unknown): HistoryError {
  if (e instanceof HistoryError) return e;
  if (isQuotaError(e)) {
    return new HistoryError(
      `Could not ${what}: the browser's storage for this page is full (quota exceeded). ` +
        'Export runs you want to keep and delete them (or delete their weights), then try again.',
      true,
      e,
    );
  }
  const why = e instanceof Error ? e.message : String(e);
  return new HistoryError(`Could not ${what}: ${why}`, false, e);
}

/** The part of a chunk range to keep when truncating at `step` (null: drop the whole chunk). */
function cutChunk(c: StepChunk, step: number): StepChunk | null {
  const keep = step - c.firstStep;
  if (keep <= 0) return null;
  if (keep >= c.loss.length) return c;
  const out = { runId: c.runId, firstStep: c.firstStep } as StepChunk;
  for (const col of STEP_COLUMNS) out[col] = c[col].slice(0, keep);
  return out;
}

const runRange = (runId: string) => IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]);
const slotRange = (runId: string) => IDBKeyRange.bound([runId, ''], [runId, '\uffff']);

export class RunStore {
  private constructor(private readonly db: IDBPDatabase<LabDb>) {}

  /** Opens (and on first use creates) the history database. */
  static async open(name: string = DB_NAME, onBlocked?: (message: string) => void): Promise<RunStore> {
    if (typeof indexedDB === 'undefined') {
      throw new HistoryError(
        'This browser offers no IndexedDB here (a private window may disable it): runs will not be kept after a reload.',
        false,
      );
    }
    try {
      let opened: IDBPDatabase<LabDb> | null = null;
      const db = await openDB<LabDb>(name, DB_VERSION, {
        // A newer version of the lab in another tab needs the database upgraded: let it (this page's
        // history stops writing; a reload brings it back) rather than blocking it forever.
        blocking() {
          opened?.close();
        },
        blocked() {
          onBlocked?.(
            'An older tab of the lab keeps the run history open: close it (or reload it) to continue.',
          );
        },
        upgrade(d) {
          if (!d.objectStoreNames.contains('runs')) d.createObjectStore('runs', { keyPath: 'id' });
          if (!d.objectStoreNames.contains('steps'))
            d.createObjectStore('steps', { keyPath: ['runId', 'firstStep'] });
          if (!d.objectStoreNames.contains('checkpoints')) {
            d.createObjectStore('checkpoints', { keyPath: ['runId', 'slot'] });
          }
        },
      });
      opened = db;
      return new RunStore(db);
    } catch (e) {
      throw historyError('open the run history', e);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Every stored run, newest first. */
  async listRuns(): Promise<RunMeta[]> {
    const all = await this.db.getAll('runs');
    return all.sort((a, b) => b.createdAt - a.createdAt);
  }

  getRun(id: string): Promise<RunMeta | undefined> {
    return this.db.get('runs', id);
  }

  /**
   * Writes a run's record, a chunk of its series, and checkpoints to put or drop, in one transaction.
   * The stored name and tags win over `meta`'s (a person may have renamed or tagged the run meanwhile,
   * here or in another tab). Returns the record as written. `what` names the write for the error message.
   */
  async commit(
    meta: RunMeta,
    opts: { chunk?: StepChunk | null; put?: StoredCheckpoint[]; drop?: CheckpointSlot[] } = {},
    what = `save run “${meta.name}”`,
  ): Promise<RunMeta> {
    try {
      const tx = this.db.transaction(['runs', 'steps', 'checkpoints'], 'readwrite');
      const runs = tx.objectStore('runs');
      const old = await runs.get(meta.id);
      const written = old ? { ...meta, name: old.name, tags: old.tags } : meta;
      const writes: Promise<unknown>[] = [runs.put(written)];
      if (opts.chunk && opts.chunk.loss.length > 0) writes.push(tx.objectStore('steps').put(opts.chunk));
      for (const slot of opts.drop ?? []) writes.push(tx.objectStore('checkpoints').delete([meta.id, slot]));
      for (const c of opts.put ?? []) writes.push(tx.objectStore('checkpoints').put(c));
      await Promise.all([...writes, tx.done]);
      return written;
    } catch (e) {
      throw historyError(what, e);
    }
  }

  /** Changes a run's record only (name, tags, status); `patch` is applied to the stored record. */
  async update(id: string, patch: Partial<Omit<RunMeta, 'id'>>): Promise<RunMeta | undefined> {
    try {
      const tx = this.db.transaction('runs', 'readwrite');
      const old = await tx.store.get(id);
      if (old === undefined) {
        await tx.done;
        return undefined;
      }
      const next = { ...old, ...patch, id };
      await Promise.all([tx.store.put(next), tx.done]);
      return next;
    } catch (e) {
      throw historyError('change the run', e);
    }
  }

  /** Deletes a run with its series and checkpoints. */
  async delete(id: string): Promise<void> {
    try {
      const tx = this.db.transaction(['runs', 'steps', 'checkpoints'], 'readwrite');
      await Promise.all([
        tx.objectStore('runs').delete(id),
        tx.objectStore('steps').delete(runRange(id)),
        tx.objectStore('checkpoints').delete(slotRange(id)),
        tx.done,
      ]);
    } catch (e) {
      throw historyError('delete the run', e);
    }
  }

  /** Deletes a run's checkpoints (its weights) but keeps its record and curves. */
  async deleteWeights(id: string): Promise<void> {
    try {
      const tx = this.db.transaction(['runs', 'checkpoints'], 'readwrite');
      const meta = await tx.objectStore('runs').get(id);
      const writes: Promise<unknown>[] = [tx.objectStore('checkpoints').delete(slotRange(id))];
      if (meta) writes.push(tx.objectStore('runs').put({ ...meta, resumePoint: null, topK: [] }));
      await Promise.all([...writes, tx.done]);
    } catch (e) {
      throw historyError('delete the run’s weights', e);
    }
  }

  /**
   * The run's per-step series, steps `stepsFrom` … `stepsFrom + stepsStored − 1`, chunks placed by their
   * first step; steps no chunk holds (a write that failed) are NaN, so a gap stays a gap.
   */
  async readSteps(run: { id: string; stepsFrom: number; stepsStored: number }): Promise<StepTable> {
    const chunks = await this.db.getAll('steps', runRange(run.id));
    const n = run.stepsStored;
    const out = {} as StepTable;
    for (const col of STEP_COLUMNS) out[col] = new Float32Array(n).fill(Number.NaN);
    for (const c of chunks) {
      const at = c.firstStep - run.stepsFrom;
      const from = Math.max(0, -at);
      const to = Math.min(c.loss.length, n - at);
      if (to <= from) continue;
      for (const col of STEP_COLUMNS) out[col].set(c[col].subarray(from, to), at + from);
    }
    return out;
  }

  /** Drops the series from global step `step` on (a resumed run replays them). */
  async truncateSteps(id: string, step: number): Promise<void> {
    try {
      const tx = this.db.transaction('steps', 'readwrite');
      const chunks = await tx.store.getAll(runRange(id));
      const writes: Promise<unknown>[] = [];
      for (const c of chunks) {
        const cut = cutChunk(c, step);
        if (cut === null) writes.push(tx.store.delete([id, c.firstStep]));
        else if (cut !== c) writes.push(tx.store.put(cut));
      }
      await Promise.all([...writes, tx.done]);
    } catch (e) {
      throw historyError('prepare the run for resuming', e);
    }
  }

  getCheckpoint(id: string, slot: CheckpointSlot): Promise<StoredCheckpoint | undefined> {
    return this.db.get('checkpoints', [id, slot]);
  }

  listCheckpoints(id: string): Promise<StoredCheckpoint[]> {
    return this.db.getAll('checkpoints', slotRange(id));
  }

  /** Writes a whole run (an imported bundle) in one transaction. */
  async putWhole(meta: RunMeta, steps: StepTable, checkpoints: StoredCheckpoint[]): Promise<void> {
    const chunk = { runId: meta.id, firstStep: meta.stepsFrom } as StepChunk;
    for (const col of STEP_COLUMNS) chunk[col] = steps[col];
    try {
      const tx = this.db.transaction(['runs', 'steps', 'checkpoints'], 'readwrite');
      await Promise.all([
        tx.objectStore('steps').delete(runRange(meta.id)),
        tx.objectStore('checkpoints').delete(slotRange(meta.id)),
        tx.objectStore('runs').put(meta),
        ...(chunk.loss.length > 0 ? [tx.objectStore('steps').put(chunk)] : []),
        ...checkpoints.map((c) => tx.objectStore('checkpoints').put(c)),
        tx.done,
      ]);
    } catch (e) {
      throw historyError(`import run “${meta.name}”`, e);
    }
  }
}
