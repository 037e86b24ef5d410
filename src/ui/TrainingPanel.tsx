import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { downsampleMinMax } from '../core/downsample.ts';
import { useEffect, useId, useState, type ChangeEvent } from 'react';
import {
  controlTraining,
  findLearningRate,
  resumeCheckpoint,
  saveCheckpoint,
  startTraining,
} from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import type { TrainConfigInput } from '../worker/protocol.ts';

const MAX_POINTS = 400;

/** `?recipe=<JSON>` in the address: a shared link reproduces the recipe (missing fields: defaults). */
export function recipeFromUrl(): TrainConfigInput {
  const raw = new URLSearchParams(window.location.search).get('recipe');
  if (raw === null) return {};
  try {
    return JSON.parse(raw) as TrainConfigInput;
  } catch {
    return {};
  }
}

function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}

function SeriesChart({
  label,
  x,
  lines,
  log = false,
}: {
  label: string;
  x: number[];
  lines: { name: string; y: number[]; color: string }[];
  log?: boolean;
}) {
  const ds = lines.map((l) => downsampleMinMax(x, l.y, MAX_POINTS));
  const byX = new Map<number, Record<string, number>>();
  ds.forEach((d, k) =>
    d.x.forEach((xv, i) => {
      const row = byX.get(xv) ?? { step: xv };
      const y = d.y[i] as number;
      row[lines[k]!.name] = log && !(y > 0) ? NaN : y;
      byX.set(xv, row);
    }),
  );
  const data = [...byX.values()].sort((a, b) => (a['step'] ?? 0) - (b['step'] ?? 0));
  return (
    <figure className="chart" aria-label={label}>
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={170}>
        <LineChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} />
          <YAxis
            scale={log ? 'log' : 'auto'}
            domain={['auto', 'auto']}
            width={60}
            tickFormatter={(v: number) => fmt(v, 3)}
          />
          <Tooltip formatter={(v) => fmt(Number(v))} labelFormatter={(v) => `step ${Number(v)}`} />
          <Legend />
          {lines.map((l) => (
            <Line
              key={l.name}
              dataKey={l.name}
              stroke={l.color}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** "Save checkpoint" asks the worker; the answer becomes a download link (object URL, revoked when replaced). */
function CheckpointControls({ canSave, canResume }: { canSave: boolean; canResume: boolean }) {
  const checkpoint = useLabStore((s) => s.checkpoint);
  const inputId = useId();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (checkpoint === null) return undefined;
    const u = URL.createObjectURL(new Blob([checkpoint.text], { type: 'application/json' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [checkpoint]);
  const onFile = (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    ev.target.value = '';
    if (f !== undefined) void f.text().then(resumeCheckpoint);
  };
  return (
    <div className="row">
      <button type="button" onClick={saveCheckpoint} disabled={!canSave}>
        Save checkpoint
      </button>
      {checkpoint !== null && url !== null && (
        <a href={url} download={`checkpoint-epoch${checkpoint.epoch}-step${checkpoint.globalStep}.json`}>
          Download checkpoint (epoch {checkpoint.epoch}, step {checkpoint.globalStep})
        </a>
      )}
      <label className={`button${canResume ? '' : ' disabled'}`} htmlFor={inputId}>
        Resume from checkpoint…
      </label>
      <input
        id={inputId}
        className="visually-hidden"
        type="file"
        accept=".json,application/json"
        disabled={!canResume}
        onChange={onFile}
        aria-label="Resume from checkpoint file"
      />
    </div>
  );
}

export function TrainingPanel() {
  const t = useLabStore((s) => s.training);
  const lr = useLabStore((s) => s.lrFinder);
  const hasData = useLabStore((s) => s.dataset.loaded !== null && s.dataset.pending === null);
  const active = t.status === 'running' || t.status === 'paused' || t.status === 'starting';
  const plan = t.plan;
  const last = t.epochs[t.epochs.length - 1];
  // The global step (a run resumed from a checkpoint receives only the steps after it).
  const stepsDone = t.series.step.length > 0 ? (t.series.step[t.series.step.length - 1] ?? 0) + 1 : 0;
  const best = t.result ? t.epochs.find((e) => e.epoch === t.result?.bestEpoch) : undefined;
  const planned = plan ? Array.from({ length: plan.totalSteps }, (_, i) => i) : [];
  return (
    <section className="card wide" aria-labelledby="training-title">
      <h2 id="training-title">Training</h2>
      <div className="row">
        <button type="button" onClick={() => startTraining(recipeFromUrl())} disabled={!hasData || active}>
          Start
        </button>
        {t.status === 'paused' ? (
          <button type="button" onClick={() => controlTraining('resume')}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => controlTraining('pause')} disabled={t.status !== 'running'}>
            Pause
          </button>
        )}
        <button type="button" onClick={() => controlTraining('step-once')} disabled={t.status !== 'paused'}>
          Step
        </button>
        <button type="button" onClick={() => controlTraining('stop')} disabled={!active}>
          Stop
        </button>
        <button
          type="button"
          onClick={() => findLearningRate(recipeFromUrl())}
          disabled={!hasData || active || lr.running}
        >
          Find LR
        </button>
      </div>
      <CheckpointControls
        canSave={t.status === 'paused' || t.status === 'done' || t.status === 'stopped'}
        canResume={hasData && !active}
      />
      <p role="status" aria-label="Training status" data-status={t.status} data-steps={stepsDone}>
        {t.status === 'idle'
          ? 'Not started.'
          : `${t.status} · epoch ${last?.epoch ?? 0}/${plan?.config.epochs ?? '…'} · step ${stepsDone}/${plan?.totalSteps ?? '…'}${
              t.series.loss.length > 0 ? ` · loss ${fmt(t.series.loss[t.series.loss.length - 1] ?? NaN)}` : ''
            }`}
      </p>
      {t.error !== null && (
        <p className="error" role="alert">
          {t.error}
        </p>
      )}
      {plan !== null && (
        <p className="muted small" data-testid="training-recipe">
          {plan.config.optimizer.kind}, {plan.config.schedule.kind}
          {'maxLr' in plan.config.schedule ? ` max_lr ${plan.config.schedule.maxLr}` : ''}, loss{' '}
          {plan.config.loss.kind}
          {plan.config.loss.kind === 'huber' ? ` δ ${plan.config.loss.delta}` : ''}, clip{' '}
          {plan.config.clip.maxNorm ?? 'off'}, batch {plan.config.batchSize}, F={plan.config.model.atomFeaLen}
          ×{plan.config.model.nConv} convs, seed {String(plan.config.seed)}
          {plan.outliers !== null ? ` · outliers removed: ${plan.outliers.removed.length}` : ''}
        </p>
      )}
      {stepsDone > 0 && (
        <div className="charts">
          <SeriesChart
            label="Training loss per step"
            x={t.series.step}
            lines={[{ name: 'loss', y: t.series.loss, color: 'var(--accent)' }]}
            log
          />
          <SeriesChart
            label="Learning rate (planned and actual)"
            x={[...planned, ...t.series.step]}
            lines={[
              {
                name: 'planned lr',
                y: [...(plan?.plannedLr ?? []), ...t.series.step.map(() => NaN)],
                color: '#9aa7b4',
              },
              { name: 'lr', y: [...planned.map(() => NaN), ...t.series.lr], color: '#d4761c' },
            ]}
          />
          <SeriesChart
            label="Momentum / β₁"
            x={t.series.step}
            lines={[{ name: 'momentum', y: t.series.momentum, color: '#8250df' }]}
          />
          <SeriesChart
            label="Gradient norm before and after clipping"
            x={t.series.step}
            lines={[
              { name: 'before', y: t.series.gradPre, color: '#cf222e' },
              { name: 'after', y: t.series.gradPost, color: '#1a7f37' },
            ]}
            log
          />
        </div>
      )}
      {t.nanEvents.length > 0 && (
        <ul className="warnings" aria-label="NaN events">
          {t.nanEvents.map((e, i) => (
            <li key={i}>
              step {e.step}: {e.kind} → {e.action}
              {e.action === 'rollback' ? ` (restored step ${e.restoredToStep}, lr × ${e.lrScale})` : ''}
            </li>
          ))}
        </ul>
      )}
      {t.epochs.length > 0 && (
        <table className="rejections" aria-label="Epochs">
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              <th scope="col">Train loss</th>
              <th scope="col">Val loss</th>
              <th scope="col">Val MAE</th>
              <th scope="col">Test MAE</th>
              <th scope="col">lr</th>
            </tr>
          </thead>
          <tbody>
            {t.epochs.slice(-8).map((e) => (
              <tr key={e.epoch}>
                <td>{e.epoch}</td>
                <td>{fmt(e.trainLoss)}</td>
                <td>{fmt(e.val.loss)}</td>
                <td>{fmt(e.val.mae)}</td>
                <td>{fmt(e.test.mae)}</td>
                <td>{fmt(e.lr)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {t.result !== null && best !== undefined && (
        <dl className="facts" aria-label="Final metrics" data-testid="final-metrics">
          <dt>Finished</dt>
          <dd>
            {t.result.end} after {t.result.epochs} epochs (best epoch {t.result.bestEpoch})
          </dd>
          <dt>Validation</dt>
          <dd data-testid="final-val">
            MAE {fmt(best.val.mae)}, RMSE {fmt(best.val.rmse)}, Pearson {fmt(best.val.pearson, 3)}, Spearman{' '}
            {fmt(best.val.spearman, 3)}
          </dd>
          <dt>Test</dt>
          <dd data-testid="final-test">
            MAE {fmt(best.test.mae)}, RMSE {fmt(best.test.rmse)}, Pearson {fmt(best.test.pearson, 3)},
            Spearman {fmt(best.test.spearman, 3)}
          </dd>
        </dl>
      )}
      {(lr.running || lr.outcome !== null || lr.error !== null) && (
        <p data-testid="lr-finder" className="small">
          LR range test:{' '}
          {lr.running
            ? `iteration ${lr.progress?.iteration ?? 0}…`
            : lr.error !== null
              ? lr.error
              : lr.outcome?.suggestion
                ? `suggested lr ${fmt(lr.outcome.suggestion.valley.lr)} (valley; steep ${fmt(lr.outcome.suggestion.steep.lr)}, minimum/10 ${fmt(lr.outcome.suggestion.minimum.lr)}), stopped: ${lr.outcome.stoppedBy}`
                : `no suggestion (stopped: ${lr.outcome?.stoppedBy ?? '?'})`}
        </p>
      )}
    </section>
  );
}
