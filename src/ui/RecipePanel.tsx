/**
 * The Recipe panel: every choice of a run (optimizer, schedule, loss, clipping, outliers, NaN policy,
 * batch, epochs, model size, seed, backend) in one form that edits the store's `recipe`, with a preview
 * of the planned lr and momentum for the loaded dataset before training starts. The recipe is validated
 * by the same function the worker uses (src/core/recipe.ts) and lives in the URL.
 */
import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { makeOptimizerConfig, type OptimizerConfig, type OptimizerKind } from '../core/optimizers.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  oneCycleSpec,
  referenceLr,
  resolveSchedule,
  stepsPerEpoch,
  type NanPolicy,
  type ScheduleSpec,
  type TrainConfig,
} from '../core/recipe.ts';
import {
  plannedSchedule,
  withDefaults as scheduleWithDefaults,
  type ScheduleKind,
} from '../core/schedules.ts';
import type { LossConfig } from '../core/losses.ts';
import type { OutlierMethod } from '../core/outliers.ts';
import { downsampleMinMax } from '../core/downsample.ts';
import { chooseBackend } from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import { BACKEND_PREFERENCES } from '../store/urlState.ts';
import type { BackendPreference, DatasetInfo } from '../worker/protocol.ts';
import { trainingOutliers } from './trainingOutliers.ts';
import { CheckField, FieldGroup, NumberField, SelectField } from './fields.tsx';
import { HtmlLegend, TICKS } from './charts.tsx';
import { fmt, useT, type T } from './i18n/index.ts';

const OPTIMIZERS: readonly OptimizerKind[] = ['Adam', 'AdamW', 'SGD', 'RMSprop', 'Adagrad'];
const SCHEDULES: readonly ScheduleKind[] = [
  'onecycle',
  'constant',
  'cosine',
  'step',
  'exponential',
  'invsqrt',
  'linear-warmup',
];

/** The optimizer of `kind` with torch's defaults (and the schedule's reference lr, which it overrides anyway). */
function optimizerOf(kind: OptimizerKind, lr: number): OptimizerConfig {
  return makeOptimizerConfig(kind, { lr });
}

/** A schedule of `kind` that starts from the current one's reference lr; `steps` sizes cosine/step. */
function scheduleOf(kind: ScheduleKind, lr: number, steps: number): ScheduleSpec {
  switch (kind) {
    case 'onecycle':
      return oneCycleSpec({ maxLr: lr });
    case 'constant':
      return { kind, baseLr: lr };
    case 'cosine':
      return { kind, baseLr: lr, tMax: Math.max(1, steps), etaMin: 0 };
    case 'step':
      return { kind, baseLr: lr, stepSize: Math.max(1, Math.round(steps / 3)), gamma: 0.1 };
    case 'multistep':
      return {
        kind,
        baseLr: lr,
        milestones: [Math.round(steps / 2), Math.round((3 * steps) / 4)],
        gamma: 0.1,
      };
    case 'exponential':
      return { kind, baseLr: lr, gamma: 0.995 };
    case 'invsqrt':
      return { kind, baseLr: lr };
    case 'linear-warmup':
      return scheduleWithDefaults({ kind, baseLr: lr, totalIters: Math.max(1, Math.round(steps / 10)) });
  }
}

/** Training rows kept by the recipe's outlier filter (what the trainer will train on), or null without data. */
export function keptTrainingRows(info: DatasetInfo | null, recipe: TrainConfig): number | null {
  if (info === null) return null;
  if (recipe.outliers === null) return info.trainRows.targets.length;
  return trainingOutliers(info, recipe.outliers)?.kept.length ?? info.trainRows.targets.length;
}

const SchedulePreview = memo(function SchedulePreview({
  recipe,
  nTrain,
  t,
}: {
  recipe: TrainConfig;
  nTrain: number;
  t: T;
}) {
  const preview = useMemo(() => {
    const spe = stepsPerEpoch(nTrain, recipe.batchSize);
    const total = spe * recipe.epochs;
    try {
      const planned = plannedSchedule(resolveSchedule(recipe.schedule, total), total);
      const steps = Array.from({ length: total }, (_, i) => i);
      const lr = downsampleMinMax(steps, planned.lr, 300);
      const mom = planned.momentum ? downsampleMinMax(steps, planned.momentum, 300) : null;
      const data = lr.x.map((x, i) => ({ step: x, lr: lr.y[i], momentum: mom?.y[i] }));
      return { spe, total, data, hasMomentum: mom !== null };
    } catch {
      return null;
    }
  }, [recipe.schedule, recipe.batchSize, recipe.epochs, nTrain]);
  if (preview === null) return null;
  return (
    <figure
      className="chart"
      aria-label={t('recipe.preview')}
      data-testid="schedule-preview"
      data-total-steps={preview.total}
    >
      <figcaption>
        {t('recipe.preview')} —{' '}
        {t('recipe.previewSteps', {
          total: preview.total,
          epochs: recipe.epochs,
          spe: preview.spe,
          n: nTrain,
        })}
        <HtmlLegend
          items={[
            { key: 'lr', name: t('chart.plannedLr'), color: 'var(--lr)' },
            ...(preview.hasMomentum
              ? [{ key: 'm', name: t('chart.plannedMomentum'), color: 'var(--mom)', dashed: true }]
              : []),
          ]}
        />
      </figcaption>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={preview.data} margin={{ top: 4, right: 4, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.4} />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            interval={0}
            tick={TICKS.xInt}
          />
          <YAxis yAxisId="lr" width={64} interval={0} tick={TICKS.y3} />
          {preview.hasMomentum && (
            <YAxis
              yAxisId="m"
              orientation="right"
              width={40}
              domain={['auto', 'auto']}
              interval={0}
              tick={TICKS.yr2}
            />
          )}
          <Tooltip
            formatter={(v) => fmt(Number(v))}
            labelFormatter={(v) => t('chart.stepN', { n: Number(v) })}
          />
          <Line
            yAxisId="lr"
            dataKey="lr"
            name={t('chart.plannedLr')}
            stroke="var(--lr)"
            dot={false}
            isAnimationActive={false}
          />
          {preview.hasMomentum && (
            <Line
              yAxisId="m"
              dataKey="momentum"
              name={t('chart.plannedMomentum')}
              stroke="var(--mom)"
              dot={false}
              isAnimationActive={false}
              strokeDasharray="5 3"
            />
          )}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

function OptimizerFields({
  recipe,
  set,
  t,
  off,
}: {
  recipe: TrainConfig;
  set: (r: TrainConfig) => void;
  t: T;
  off: boolean;
}) {
  const o = recipe.optimizer;
  const put = (p: Partial<OptimizerConfig>) =>
    set({ ...recipe, optimizer: { ...o, ...p } as OptimizerConfig });
  const bad = t('field.notNumber');
  const cycled = recipe.schedule.kind === 'onecycle' && recipe.schedule.cycleMomentum;
  return (
    <>
      <SelectField
        label={t('recipe.optimizer')}
        value={o.kind}
        options={OPTIMIZERS.map((k) => ({ value: k, label: k }))}
        onChange={(k) => set({ ...recipe, optimizer: optimizerOf(k, referenceLr(recipe.schedule)) })}
        disabled={off}
        testId="recipe-optimizer"
      />
      {(o.kind === 'SGD' || o.kind === 'RMSprop') && (
        <NumberField
          label={t('recipe.momentum')}
          value={o.momentum}
          onChange={(v) => put({ momentum: v })}
          invalidText={bad}
          disabled={off || cycled}
          hint={cycled ? t('recipe.cycledHint') : undefined}
        />
      )}
      {o.kind === 'SGD' && (
        <CheckField
          label={t('recipe.nesterov')}
          checked={o.nesterov}
          onChange={(v) => put({ nesterov: v })}
          disabled={off}
        />
      )}
      {(o.kind === 'Adam' || o.kind === 'AdamW') && (
        <>
          <NumberField
            label="β₁"
            value={o.betas[0]}
            onChange={(v) => put({ betas: [v, o.betas[1]] })}
            invalidText={bad}
            disabled={off || cycled}
            hint={cycled ? t('recipe.cycledHint') : undefined}
          />
          <NumberField
            label="β₂"
            value={o.betas[1]}
            onChange={(v) => put({ betas: [o.betas[0], v] })}
            invalidText={bad}
            disabled={off}
          />
          <CheckField
            label="AMSGrad"
            checked={o.amsgrad}
            onChange={(v) => put({ amsgrad: v })}
            disabled={off}
          />
        </>
      )}
      {o.kind === 'RMSprop' && (
        <NumberField
          label="α"
          value={o.alpha}
          onChange={(v) => put({ alpha: v })}
          invalidText={bad}
          disabled={off}
        />
      )}
      {o.kind === 'Adagrad' && (
        <NumberField
          label={t('recipe.lrDecay')}
          value={o.lrDecay}
          onChange={(v) => put({ lrDecay: v })}
          invalidText={bad}
          disabled={off}
        />
      )}
      {o.kind !== 'SGD' && (
        <NumberField
          label="ε"
          value={o.eps}
          onChange={(v) => put({ eps: v })}
          invalidText={bad}
          disabled={off}
        />
      )}
      <NumberField
        label={t('recipe.weightDecay')}
        value={o.weightDecay}
        onChange={(v) => put({ weightDecay: v })}
        invalidText={bad}
        disabled={off}
      />
    </>
  );
}

function ScheduleFields({
  recipe,
  set,
  t,
  off,
  steps,
}: {
  recipe: TrainConfig;
  set: (r: TrainConfig) => void;
  t: T;
  off: boolean;
  steps: number;
}) {
  const s = recipe.schedule;
  const bad = t('field.notNumber');
  const put = (p: Partial<ScheduleSpec>) => {
    const schedule = { ...s, ...p } as ScheduleSpec;
    set({ ...recipe, schedule, optimizer: { ...recipe.optimizer, lr: referenceLr(schedule) } });
  };
  const kindLabel = (k: ScheduleKind) => t(`schedule.${k}` as const);
  return (
    <>
      <SelectField
        label={t('recipe.schedule')}
        value={s.kind}
        options={SCHEDULES.map((k) => ({ value: k, label: kindLabel(k) }))}
        onChange={(k) => {
          const schedule = scheduleOf(k, referenceLr(s), steps);
          set({ ...recipe, schedule, optimizer: { ...recipe.optimizer, lr: referenceLr(schedule) } });
        }}
        disabled={off}
        testId="recipe-schedule"
      />
      {s.kind === 'onecycle' ? (
        <>
          <NumberField
            label="max_lr"
            value={s.maxLr}
            onChange={(v) => put({ maxLr: v })}
            invalidText={bad}
            disabled={off}
            testId="recipe-max-lr"
          />
          <NumberField
            label="pct_start"
            value={s.pctStart}
            onChange={(v) => put({ pctStart: v })}
            invalidText={bad}
            disabled={off}
          />
          <NumberField
            label="div_factor"
            value={s.divFactor}
            onChange={(v) => put({ divFactor: v })}
            invalidText={bad}
            disabled={off}
          />
          <NumberField
            label="final_div_factor"
            value={s.finalDivFactor}
            onChange={(v) => put({ finalDivFactor: v })}
            invalidText={bad}
            disabled={off}
          />
          <SelectField
            label={t('recipe.anneal')}
            value={s.annealStrategy}
            options={[
              { value: 'cos', label: 'cos' },
              { value: 'linear', label: 'linear' },
            ]}
            onChange={(v) => put({ annealStrategy: v })}
            disabled={off}
          />
          <CheckField
            label={t('recipe.cycleMomentum')}
            checked={s.cycleMomentum}
            onChange={(v) => put({ cycleMomentum: v })}
            disabled={off}
          />
          {s.cycleMomentum && (
            <>
              <NumberField
                label="base_momentum"
                value={s.baseMomentum}
                onChange={(v) => put({ baseMomentum: v })}
                invalidText={bad}
                disabled={off}
              />
              <NumberField
                label="max_momentum"
                value={s.maxMomentum}
                onChange={(v) => put({ maxMomentum: v })}
                invalidText={bad}
                disabled={off}
              />
            </>
          )}
        </>
      ) : (
        <NumberField
          label={t('recipe.baseLr')}
          value={s.baseLr}
          onChange={(v) => put({ baseLr: v })}
          invalidText={bad}
          disabled={off}
          testId="recipe-base-lr"
        />
      )}
      {s.kind === 'cosine' && (
        <>
          <NumberField
            label="T_max"
            value={s.tMax}
            integer
            onChange={(v) => put({ tMax: v })}
            invalidText={bad}
            disabled={off}
          />
          <NumberField
            label="eta_min"
            value={s.etaMin}
            onChange={(v) => put({ etaMin: v })}
            invalidText={bad}
            disabled={off}
          />
        </>
      )}
      {s.kind === 'step' && (
        <>
          <NumberField
            label="step_size"
            value={s.stepSize}
            integer
            onChange={(v) => put({ stepSize: v })}
            invalidText={bad}
            disabled={off}
          />
          <NumberField
            label="γ"
            value={s.gamma}
            onChange={(v) => put({ gamma: v })}
            invalidText={bad}
            disabled={off}
          />
        </>
      )}
      {s.kind === 'exponential' && (
        <NumberField
          label="γ"
          value={s.gamma}
          onChange={(v) => put({ gamma: v })}
          invalidText={bad}
          disabled={off}
        />
      )}
      {s.kind === 'linear-warmup' && (
        <>
          <NumberField
            label="start_factor"
            value={s.startFactor}
            onChange={(v) => put({ startFactor: v })}
            invalidText={bad}
            disabled={off}
          />
          <NumberField
            label="total_iters"
            value={s.totalIters}
            integer
            onChange={(v) => put({ totalIters: v })}
            invalidText={bad}
            disabled={off}
          />
        </>
      )}
    </>
  );
}

/**
 * The panel locks while a run is in progress. The lock reaches the form as a deferred value, so pressing
 * Start does not re-render forty fields in the same task (the form re-renders in a background render).
 */
export function RecipePanel() {
  const off = useLabStore(
    (s) =>
      s.training.status === 'running' || s.training.status === 'paused' || s.training.status === 'starting',
  );
  return <RecipeForm off={useDeferredValue(off)} />;
}

const RecipeForm = memo(function RecipeForm({ off }: { off: boolean }) {
  const t = useT();
  const recipe = useLabStore((s) => s.recipe);
  const error = useLabStore((s) => s.recipeError);
  const setRecipe = useLabStore((s) => s.setRecipe);
  const backendPref = useLabStore((s) => s.backendPreference);
  const info = useLabStore((s) => s.dataset.loaded);
  const nTrain = keptTrainingRows(info, recipe);
  const steps = nTrain === null ? 0 : stepsPerEpoch(nTrain, recipe.batchSize) * recipe.epochs;
  const bad = t('field.notNumber');
  const set = setRecipe;
  const loss = recipe.loss;
  const lossKinds: LossConfig['kind'][] = ['huber', 'mse', 'mae', 'smoothl1'];
  const outlierMethods: (OutlierMethod | 'off')[] = ['off', 'sigma', 'iterative-sigma', 'mad'];
  const policies: NanPolicy[] = ['rollback', 'skip', 'stop'];
  return (
    <section className="card" aria-labelledby="recipe-title" data-testid="recipe-panel">
      <h2 id="recipe-title">{t('recipe.title')}</h2>
      {off && <p className="muted small">{t('recipe.locked')}</p>}
      <FieldGroup title={t('recipe.optimizerGroup')}>
        <OptimizerFields recipe={recipe} set={set} t={t} off={off} />
      </FieldGroup>
      <FieldGroup title={t('recipe.scheduleGroup')}>
        <ScheduleFields recipe={recipe} set={set} t={t} off={off} steps={steps} />
      </FieldGroup>
      {nTrain !== null && nTrain > 0 && <SchedulePreview recipe={recipe} nTrain={nTrain} t={t} />}
      <FieldGroup title={t('recipe.lossGroup')}>
        <SelectField
          label={t('recipe.loss')}
          value={loss.kind}
          options={lossKinds.map((k) => ({ value: k, label: t(`loss.${k}` as const) }))}
          onChange={(k) =>
            set({
              ...recipe,
              loss:
                k === 'huber'
                  ? { kind: k, delta: 0.2 }
                  : k === 'smoothl1'
                    ? { kind: k, beta: 0.2 }
                    : { kind: k },
            })
          }
          disabled={off}
          testId="recipe-loss"
        />
        {loss.kind === 'huber' && (
          <NumberField
            label="δ"
            value={loss.delta}
            onChange={(v) => set({ ...recipe, loss: { kind: 'huber', delta: v } })}
            invalidText={bad}
            disabled={off}
            hint={t('recipe.deltaHint')}
            testId="recipe-delta"
          />
        )}
        {loss.kind === 'smoothl1' && (
          <NumberField
            label="β"
            value={loss.beta}
            onChange={(v) => set({ ...recipe, loss: { kind: 'smoothl1', beta: v } })}
            invalidText={bad}
            disabled={off}
          />
        )}
        <CheckField
          label={t('recipe.clip')}
          checked={recipe.clip.maxNorm !== null}
          onChange={(v) =>
            set({ ...recipe, clip: { maxNorm: v ? (DEFAULT_TRAIN_CONFIG.clip.maxNorm ?? 1) : null } })
          }
          disabled={off}
        />
        {recipe.clip.maxNorm !== null && (
          <NumberField
            label="max_norm"
            value={recipe.clip.maxNorm}
            onChange={(v) => set({ ...recipe, clip: { maxNorm: v } })}
            invalidText={bad}
            disabled={off}
            testId="recipe-max-norm"
          />
        )}
        <SelectField
          label={t('recipe.outliers')}
          value={recipe.outliers?.method ?? 'off'}
          options={outlierMethods.map((m) => ({ value: m, label: t(`outliers.${m}` as const) }))}
          onChange={(m) =>
            set({ ...recipe, outliers: m === 'off' ? null : { method: m, k: recipe.outliers?.k ?? 4 } })
          }
          disabled={off}
          testId="recipe-outliers"
        />
        {recipe.outliers !== null && (
          <NumberField
            label="k"
            value={recipe.outliers.k}
            onChange={(v) => recipe.outliers && set({ ...recipe, outliers: { ...recipe.outliers, k: v } })}
            invalidText={bad}
            disabled={off}
            testId="recipe-outlier-k"
          />
        )}
        <SelectField
          label={t('recipe.nanPolicy')}
          value={recipe.nanPolicy}
          options={policies.map((p) => ({ value: p, label: t(`nan.${p}` as const) }))}
          onChange={(p) => set({ ...recipe, nanPolicy: p })}
          disabled={off}
        />
      </FieldGroup>
      <FieldGroup title={t('recipe.runGroup')}>
        <NumberField
          label={t('recipe.batchSize')}
          value={recipe.batchSize}
          integer
          onChange={(v) => set({ ...recipe, batchSize: v })}
          invalidText={bad}
          disabled={off}
          testId="recipe-batch"
        />
        <NumberField
          label={t('recipe.epochs')}
          value={recipe.epochs}
          integer
          onChange={(v) => set({ ...recipe, epochs: v })}
          invalidText={bad}
          disabled={off}
          testId="recipe-epochs"
        />
        <NumberField
          label={t('recipe.seed')}
          value={typeof recipe.seed === 'number' ? recipe.seed : 0}
          integer
          onChange={(v) => set({ ...recipe, seed: v })}
          invalidText={bad}
          disabled={off}
        />
        <NumberField
          label={t('recipe.atomFeaLen')}
          value={recipe.model.atomFeaLen}
          integer
          onChange={(v) => set({ ...recipe, model: { ...recipe.model, atomFeaLen: v } })}
          invalidText={bad}
          disabled={off}
          testId="recipe-f"
        />
        <NumberField
          label={t('recipe.nConv')}
          value={recipe.model.nConv}
          integer
          onChange={(v) => set({ ...recipe, model: { ...recipe.model, nConv: v } })}
          invalidText={bad}
          disabled={off}
        />
        <NumberField
          label={t('recipe.hFeaLen')}
          value={recipe.model.hFeaLen}
          integer
          onChange={(v) => set({ ...recipe, model: { ...recipe.model, hFeaLen: v } })}
          invalidText={bad}
          disabled={off}
        />
        <SelectField<BackendPreference>
          label={t('recipe.backend')}
          value={backendPref}
          options={BACKEND_PREFERENCES.map((b) => ({
            value: b,
            label: b === 'auto' ? t('recipe.backendAuto') : b,
          }))}
          onChange={chooseBackend}
          disabled={off}
          testId="recipe-backend"
        />
      </FieldGroup>
      {error !== null && (
        <p className="error" role="alert" data-testid="recipe-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" onClick={() => set(DEFAULT_TRAIN_CONFIG)} disabled={off}>
          {t('recipe.reset')}
        </button>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(window.location.href)}>
          {t('recipe.copyLink')}
        </button>
      </div>
    </section>
  );
});
