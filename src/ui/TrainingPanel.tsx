/**
 * Run controls: start, pause/resume, one step, stop, the LR range test (its curve, its suggestion and
 * one click to apply it), checkpoints; the run's status with epoch, crystals/s and ETA; NaN events, the
 * epoch table, the final metrics and the weights' health.
 */
import { memo, useEffect, useId, useState, type ChangeEvent } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { referenceLr, type ScheduleSpec } from '../core/recipe.ts';
import {
  controlTraining,
  findLearningRate,
  resumeCheckpoint,
  saveCheckpoint,
  startEditedRecipe,
} from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import { TICKS } from './charts.tsx';
import { formatDuration } from './format.ts';
import { fmt, useT, type T } from './i18n/index.ts';

/** "Save checkpoint" asks the worker; the answer becomes a download link (object URL, revoked when replaced). */
function CheckpointControls({ canSave, canResume, t }: { canSave: boolean; canResume: boolean; t: T }) {
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
        {t('run.saveCheckpoint')}
      </button>
      {checkpoint !== null && url !== null && (
        <a href={url} download={`checkpoint-epoch${checkpoint.epoch}-step${checkpoint.globalStep}.json`}>
          {t('run.downloadCheckpoint', { epoch: checkpoint.epoch, step: checkpoint.globalStep })}
        </a>
      )}
      <label className={`button${canResume ? '' : ' disabled'}`} htmlFor={inputId}>
        {t('run.resumeCheckpoint')}
      </label>
      <input
        id={inputId}
        className="visually-hidden"
        type="file"
        accept=".json,application/json"
        disabled={!canResume}
        onChange={onFile}
        aria-label={t('run.resumeCheckpointFile')}
      />
    </div>
  );
}

/** Rounds to two significant digits (a learning rate a person can read and type). */
function round2(x: number): number {
  return Number(x.toPrecision(2));
}

/** The LR range test: loss (smoothed, as fastai) against the lr on a log axis, the suggestion, "apply". */
const LrFinderView = memo(function LrFinderView({ t, disabled }: { t: T; disabled: boolean }) {
  const lr = useLabStore((s) => s.lrFinder);
  const recipe = useLabStore((s) => s.recipe);
  const setRecipe = useLabStore((s) => s.setRecipe);
  if (!lr.running && lr.outcome === null && lr.error === null) return null;
  const o = lr.outcome;
  const data = o
    ? Array.from(o.lrs, (x, i) => ({ lr: x, loss: o.losses[i] })).filter((d) => Number.isFinite(d.loss))
    : [];
  const sug = o?.suggestion?.valley.lr;
  const apply = () => {
    if (sug === undefined) return;
    const v = round2(sug);
    const schedule: ScheduleSpec =
      recipe.schedule.kind === 'onecycle'
        ? { ...recipe.schedule, maxLr: v }
        : { ...recipe.schedule, baseLr: v };
    setRecipe({ ...recipe, schedule, optimizer: { ...recipe.optimizer, lr: referenceLr(schedule) } });
  };
  return (
    <div data-testid="lr-finder" className="lrfinder">
      <p className="small" aria-live="polite">
        {t('lr.title')}:{' '}
        {lr.running
          ? t('lr.running', { i: lr.progress?.iteration ?? 0, lr: fmt(lr.progress?.lr ?? 0) })
          : lr.error !== null
            ? lr.error
            : o?.suggestion
              ? t('lr.suggestion', {
                  valley: fmt(o.suggestion.valley.lr),
                  steep: fmt(o.suggestion.steep.lr),
                  min: fmt(o.suggestion.minimum.lr),
                  stop: o.stoppedBy,
                })
              : t('lr.noSuggestion', { stop: o?.stoppedBy ?? '?' })}
      </p>
      {data.length > 1 && (
        <figure className="chart" aria-label={t('lr.chart')}>
          <ResponsiveContainer width="100%" height={160}>
            <LineChart data={data} margin={{ top: 6, right: 10, bottom: 2, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" opacity={0.35} />
              <XAxis
                dataKey="lr"
                type="number"
                scale="log"
                domain={['dataMin', 'dataMax']}
                interval={0}
                tick={TICKS.xExp}
              />
              <YAxis width={56} domain={['auto', 'auto']} interval={0} tick={TICKS.y2} />
              <Tooltip formatter={(v) => fmt(Number(v))} labelFormatter={(v) => `lr ${fmt(Number(v))}`} />
              {sug !== undefined && (
                <ReferenceLine
                  x={sug}
                  stroke="var(--ok)"
                  strokeDasharray="4 3"
                  label={{ value: t('lr.valley'), fill: 'var(--ok)', fontSize: 12 }}
                />
              )}
              <Line
                dataKey="loss"
                name={t('lr.loss')}
                stroke="var(--accent)"
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
      {sug !== undefined && (
        <button type="button" onClick={apply} disabled={disabled}>
          {recipe.schedule.kind === 'onecycle'
            ? t('lr.applyMax', { lr: fmt(round2(sug)) })
            : t('lr.applyBase', { lr: fmt(round2(sug)) })}
        </button>
      )}
    </div>
  );
});

/** Crystals per second and time left, from the running time (pauses excluded) and the steps done. */
function speedOf(
  tr: ReturnType<typeof useLabStore.getState>['training'],
  batchSize: number,
  now: number,
): { perSecond: number; etaS: number } | null {
  const { clock, series, plan } = tr;
  if (plan === null || clock.firstStep === null || series.step.length === 0) return null;
  const ms = clock.activeMs + (clock.runningSince !== null ? now - clock.runningSince : 0);
  const done = (series.step[series.step.length - 1] ?? 0) + 1 - clock.firstStep;
  if (done <= 0 || ms <= 0) return null;
  const left = plan.totalSteps - (done + clock.firstStep);
  return { perSecond: (done * batchSize) / (ms / 1000), etaS: Math.max(0, (left * ms) / done / 1000) };
}

/** Where the run is kept: the Experiments view (or why runs are not kept in this browser). */
function HistoryLine() {
  const t = useT();
  const phase = useLabStore((s) => s.history.phase);
  const error = useLabStore((s) => s.history.error);
  const setView = useLabStore((s) => s.setView);
  if (phase === 'unavailable') {
    return (
      <p className="small note" data-testid="history-line">
        {t('run.notKept', { why: error ?? '' })}
      </p>
    );
  }
  if (phase !== 'ready') return null;
  return (
    <p className="small muted" data-testid="history-line">
      {t('run.kept')}{' '}
      <a
        href="?view=runs"
        onClick={(ev) => {
          ev.preventDefault();
          setView('runs');
        }}
      >
        {t('run.openExperiments')}
      </a>
      {error !== null && (
        <span className="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </p>
  );
}

export function TrainingPanel() {
  const lang = useLabStore((s) => s.lang);
  const t = useT();
  const tr = useLabStore((s) => s.training);
  const lrBusy = useLabStore((s) => s.lrFinder.running);
  const recipe = useLabStore((s) => s.recipe);
  const recipeError = useLabStore((s) => s.recipeError);
  const hasData = useLabStore((s) => s.dataset.loaded !== null && s.dataset.pending === null);
  const backendReady = useLabStore((s) => s.backend.phase === 'ready');
  const active = tr.status === 'running' || tr.status === 'paused' || tr.status === 'starting';
  const plan = tr.plan;
  const last = tr.epochs[tr.epochs.length - 1];
  // The global step (a run resumed from a checkpoint receives only the steps after it).
  const stepsDone = tr.series.step.length > 0 ? (tr.series.step[tr.series.step.length - 1] ?? 0) + 1 : 0;
  // The best epoch's metrics, or the last epoch's when none was best (e.g. every val MAE was NaN).
  const best = tr.result ? (tr.epochs.find((e) => e.epoch === tr.result?.bestEpoch) ?? last) : undefined;
  const speed = plan ? speedOf(tr, plan.config.batchSize, performance.now()) : null;
  const canStart = hasData && backendReady && !active && recipeError === null;
  const statusWord = tr.status === 'idle' ? '' : t(`status.${tr.status}` as const);
  return (
    <section className="card wide" aria-labelledby="training-title">
      <h2 id="training-title">{t('run.title')}</h2>
      <div className="row">
        <button type="button" className="primary" onClick={startEditedRecipe} disabled={!canStart}>
          {t('run.start')}
        </button>
        {tr.status === 'paused' ? (
          <button type="button" onClick={() => controlTraining('resume')}>
            {t('run.resume')}
          </button>
        ) : (
          <button type="button" onClick={() => controlTraining('pause')} disabled={tr.status !== 'running'}>
            {t('run.pause')}
          </button>
        )}
        <button type="button" onClick={() => controlTraining('step-once')} disabled={tr.status !== 'paused'}>
          {t('run.step')}
        </button>
        <button type="button" onClick={() => controlTraining('stop')} disabled={!active}>
          {t('run.stop')}
        </button>
        <button type="button" onClick={() => findLearningRate(recipe)} disabled={!canStart || lrBusy}>
          {t('run.findLr')}
        </button>
      </div>
      <p
        role="status"
        aria-label={t('run.statusLabel')}
        data-status={tr.status}
        data-steps={stepsDone}
        className="status-line"
      >
        {tr.status === 'idle'
          ? recipeError !== null
            ? t('run.fixRecipe')
            : t('run.notStarted')
          : t('run.statusText', {
              status: statusWord,
              epoch: last?.epoch ?? 0,
              epochs: plan?.config.epochs ?? '…',
              step: stepsDone,
              steps: plan?.totalSteps ?? '…',
            })}
        {tr.series.loss.length > 0 &&
          ` · ${t('run.lossNow', { loss: fmt(tr.series.loss[tr.series.loss.length - 1] ?? NaN) })}`}
      </p>
      {plan !== null && (
        <progress className="runbar" max={plan.totalSteps} value={stepsDone} aria-label={t('run.progress')} />
      )}
      {speed !== null && (
        <p className="small" data-testid="run-speed" data-per-second={speed.perSecond}>
          {t('run.speed', { rate: speed.perSecond.toFixed(1) })}
          {active && ` · ${t('run.eta', { eta: formatDuration(speed.etaS * 1000, lang) })}`}
        </p>
      )}
      {tr.error !== null && (
        <p className="error" role="alert">
          {tr.error}
        </p>
      )}
      {plan !== null && <HistoryLine />}
      {plan !== null && (
        <p className="muted small" data-testid="training-recipe">
          {plan.config.optimizer.kind}, {plan.config.schedule.kind}
          {'maxLr' in plan.config.schedule ? ` max_lr ${plan.config.schedule.maxLr}` : ''},{' '}
          {t('run.lossWord')} {plan.config.loss.kind}
          {plan.config.loss.kind === 'huber' ? ` δ ${plan.config.loss.delta}` : ''}, clip{' '}
          {plan.config.clip.maxNorm ?? t('common.off')}, batch {plan.config.batchSize}, F=
          {plan.config.model.atomFeaLen}×{plan.config.model.nConv} conv, seed {String(plan.config.seed)}
          {plan.outliers !== null
            ? ` · ${t('run.outliersRemoved', { n: plan.outliers.removed.length })}`
            : ''}
        </p>
      )}
      <CheckpointControls
        t={t}
        canSave={tr.status === 'paused' || tr.status === 'done' || tr.status === 'stopped'}
        canResume={hasData && !active}
      />
      <LrFinderView t={t} disabled={active} />
      {tr.nanEvents.length > 0 && (
        <div className="nan-box" data-testid="nan-events">
          <h3>{t('nan.title', { n: tr.nanEvents.length })}</h3>
          <ul className="warnings" aria-label={t('nan.listLabel')}>
            {tr.nanEvents.slice(-6).map((e, i) => (
              <li key={i}>
                {t('nan.event', {
                  step: e.step,
                  kind: t(`nan.kind.${e.kind}` as const),
                  action: t(`nan.${e.action}` as const),
                })}
                {e.action === 'rollback'
                  ? ` ${t('nan.rollbackDetail', { step: e.restoredToStep ?? '?', scale: e.lrScale })}`
                  : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
      {tr.weights !== null && (
        <p
          className={tr.weights.nonFinite === 0 ? 'ok-line' : 'error'}
          data-testid="weights-health"
          data-nonfinite={tr.weights.nonFinite}
        >
          {tr.weights.nonFinite === 0
            ? t('run.weightsFinite', {
                n: tr.weights.count.toLocaleString('en'),
                max: fmt(tr.weights.maxAbs, 3),
              })
            : t('run.weightsBad', { bad: tr.weights.nonFinite, n: tr.weights.count })}
        </p>
      )}
      {tr.epochs.length > 0 && (
        <table className="rejections" aria-label={t('run.epochsTable')}>
          <thead>
            <tr>
              <th scope="col">{t('run.epoch')}</th>
              <th scope="col">{t('run.trainLoss')}</th>
              <th scope="col">{t('run.valLoss')}</th>
              <th scope="col">{t('run.valMae')}</th>
              <th scope="col">{t('run.testMae')}</th>
              <th scope="col">lr</th>
              <th scope="col">NaN</th>
            </tr>
          </thead>
          <tbody>
            {tr.epochs.slice(-6).map((e) => (
              <tr key={e.epoch} className={e.improved ? 'improved' : undefined}>
                <td>{e.epoch}</td>
                <td>{fmt(e.trainLoss)}</td>
                <td>{fmt(e.val.loss)}</td>
                <td>{fmt(e.val.mae)}</td>
                <td>{fmt(e.test.mae)}</td>
                <td>{fmt(e.lr)}</td>
                <td>{e.nanSteps}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tr.result !== null && best !== undefined && (
        <dl className="facts" aria-label={t('run.finalMetrics')} data-testid="final-metrics">
          <dt>{t('run.finished')}</dt>
          <dd>
            {tr.epochs.some((e) => e.epoch === tr.result?.bestEpoch)
              ? t('run.finishedText', {
                  end: t(`end.${tr.result.end}` as const),
                  epochs: tr.result.epochs,
                  best: tr.result.bestEpoch,
                })
              : t('run.finishedNoBest', {
                  end: t(`end.${tr.result.end}` as const),
                  epochs: tr.result.epochs,
                })}
          </dd>
          <dt>{t('run.validation')}</dt>
          <dd data-testid="final-val">
            MAE {fmt(best.val.mae)}, RMSE {fmt(best.val.rmse)}, Pearson {fmt(best.val.pearson, 3)}, Spearman{' '}
            {fmt(best.val.spearman, 3)}
          </dd>
          <dt>{t('run.test')}</dt>
          <dd data-testid="final-test">
            MAE {fmt(best.test.mae)}, RMSE {fmt(best.test.rmse)}, Pearson {fmt(best.test.pearson, 3)},
            Spearman {fmt(best.test.spearman, 3)}
          </dd>
        </dl>
      )}
    </section>
  );
}
