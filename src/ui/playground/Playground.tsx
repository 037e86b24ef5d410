/**
 * The 2-D optimizer playground: pick a surface (or type one), race several optimizers from a start you
 * click, play/pause/step the paths, read the gradient and the Hessian's curvature under the cursor, and
 * compare f against the step. Everything is pure src/core maths computed on the main thread: a full set
 * of paths (8 optimizers × 1,000 steps) costs well under a millisecond per optimizer.
 */
import { memo, useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import type { ExprError } from '../../core/expr.ts';
import { FUNCTION_2D_NAMES, FUNCTIONS_2D, type Function2DName } from '../../core/functions2d.ts';
import {
  defaultOptimizer,
  lrPresets,
  PLAYGROUND_KINDS,
  type PlaygroundOptimizerKind,
} from '../../core/playground.ts';
import { useLabStore } from '../../store/labStore.ts';
import { type BatchKind, type PlaygroundRun } from '../../store/playgroundSlice.ts';
import { StepChart, tickLabel, type ChartLine } from '../charts.tsx';
import { CheckField, NumberField, RangeField, SelectField } from '../fields.tsx';
import { fmt, useT, type T } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/en.ts';
import { ContourMap, probeInfo, type MapPath, type Probe } from './ContourMap.tsx';
import { resolveSurface, runAll, type RunOutcome } from './surface.ts';

const KIND_KEY: Record<PlaygroundOptimizerKind, MessageKey> = {
  SGD: 'pg.kind.SGD',
  Momentum: 'pg.kind.Momentum',
  Nesterov: 'pg.kind.Nesterov',
  Adagrad: 'pg.kind.Adagrad',
  RMSprop: 'pg.kind.RMSprop',
  Adam: 'pg.kind.Adam',
  AdamW: 'pg.kind.AdamW',
};

const BATCH_KEY: Record<BatchKind, MessageKey> = {
  full: 'pg.batch.full',
  mini: 'pg.batch.mini',
  single: 'pg.batch.single',
};

/** A run's name as the table, legend and chart show it. */
export function runName(r: PlaygroundRun, t: T): string {
  const b = r.batch === 'full' ? '' : ` · ${t(BATCH_KEY[r.batch])}`;
  return `${t(KIND_KEY[r.opt.kind])} lr ${tickLabel(r.opt.lr)}${b}`;
}

/** Advances the shown step while playing (speed in steps per second), stopping at the end. */
function useAnimation() {
  const playing = useLabStore((s) => s.pgPlaying);
  useEffect(() => {
    if (!playing) return;
    let raf = 0;
    let last = performance.now();
    let carry = 0;
    const tick = (now: number) => {
      const s = useLabStore.getState();
      carry += ((now - last) / 1000) * s.pgSpeed;
      last = now;
      const adv = Math.floor(carry);
      if (adv > 0) {
        carry -= adv;
        const next = Math.min(s.pg.settings.steps, s.pgStep + adv);
        s.setPgStep(next);
        if (next >= s.pg.settings.steps) {
          s.setPgPlaying(false);
          return;
        }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing]);
}

export function Playground({ compact = false }: { compact?: boolean }) {
  const t = useT();
  const pg = useLabStore((s) => s.pg);
  const step = useLabStore((s) => s.pgStep);
  const log = useLabStore((s) => s.pgLogColour);
  const setPg = useLabStore((s) => s.setPg);
  const [probe, setProbe] = useState<Probe | null>(null);
  useAnimation();
  // Everything drawn comes from one deferred set-up: a new surface and its start arrive together, so the
  // paths are computed once per change (not once with the new surface and the old start, then again).
  const deferredPg = useDeferredValue(pg);
  const resolved = useMemo(() => resolveSurface(deferredPg.surface), [deferredPg.surface]);
  // A typed expression that does not parse keeps the last good surface on the map.
  const [lastGood, setLastGood] = useState(resolved.ok ? resolved.s : null);
  useEffect(() => {
    if (resolved.ok) setLastGood(resolved.s);
  }, [resolved]);
  const s = resolved.ok ? resolved.s : lastGood;
  const outcomes = useMemo(() => (s === null ? [] : runAll(s, deferredPg)), [s, deferredPg]);
  const paths: MapPath[] = useMemo(
    () =>
      outcomes.map((o, i) => ({
        id: o.id,
        color: deferredPg.runs[i]?.color ?? '#888',
        xs: o.result.xs,
        ys: o.result.ys,
        start: o.start,
      })),
    [outcomes, deferredPg.runs],
  );
  if (s === null)
    return (
      <div className={compact ? 'playground compact' : 'playground'} data-testid="playground">
        {/* A link (or a view switch) can open on an expression that does not parse: keep it editable. */}
        <SurfacePicker resolvedError={resolved.ok ? null : resolved.error} />
        <p role="alert">{t('pg.noSurface')}</p>
      </div>
    );
  const info = probe !== null ? probeInfo(s.surface, probe) : null;
  return (
    <div className={compact ? 'playground compact' : 'playground'} data-testid="playground">
      {!compact && <SurfacePicker resolvedError={resolved.ok ? null : resolved.error} />}
      <p className="small muted mono" data-testid="pg-formula">
        {s.formula}
      </p>
      <div className="pg-grid">
        <div>
          <ContourMap
            surface={s.surface}
            box={s.box}
            log={log}
            paths={paths}
            step={step}
            critical={s.critical}
            start={deferredPg.start}
            probe={probe}
            onProbe={setProbe}
            onStart={(x, y) => setPg({ start: [round3(x), round3(y)] })}
            label={t('pg.mapLabel')}
            height={compact ? 300 : 380}
          />
          <p className="small probe-readout" aria-live="polite" data-testid="pg-probe">
            {info === null || probe === null ? (
              t('pg.probeHint')
            ) : (
              <>
                (x, y) = ({fmt(probe.x, 3)}, {fmt(probe.y, 3)}) · f = {fmt(info.f, 4)} · ∇f = (
                {fmt(info.g[0], 3)}, {fmt(info.g[1], 3)}) · λ₁ = {fmt(info.values[0], 3)}, λ₂ ={' '}
                {fmt(info.values[1], 3)} →{' '}
                <strong data-testid="pg-curvature">{t(CURVATURE_KEY[info.kind])}</strong>
              </>
            )}
          </p>
          <p className="small muted">{t('pg.legendMarks')}</p>
        </div>
        <div>
          <Transport />
          <LossChart outcomes={outcomes} runs={deferredPg.runs} step={step} steps={pg.settings.steps} t={t} />
        </div>
      </div>
      <RunsTable outcomes={outcomes} runs={deferredPg.runs} step={step} t={t} />
      {compact ? (
        <details className="pg-more">
          <summary>{t('pg.settingsMore')}</summary>
          <RunEditor />
          <SettingsEditor />
        </details>
      ) : (
        <>
          <RunEditor />
          <SettingsEditor />
        </>
      )}
    </div>
  );
}

const CURVATURE_KEY = {
  minimum: 'pg.curv.minimum',
  maximum: 'pg.curv.maximum',
  saddle: 'pg.curv.saddle',
  degenerate: 'pg.curv.degenerate',
} as const satisfies Record<string, MessageKey>;

const POINT_KEY = {
  minimum: 'pg.point.minimum',
  maximum: 'pg.point.maximum',
  saddle: 'pg.point.saddle',
  degenerate: 'pg.point.degenerate',
} as const satisfies Record<string, MessageKey>;

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Surface choice: the seven fixture functions or a typed expression (with its error, if any). */
function SurfacePicker({ resolvedError }: { resolvedError: ExprError | null }) {
  const t = useT();
  const lang = useLabStore((s) => s.lang);
  const pg = useLabStore((s) => s.pg);
  const setPg = useLabStore((s) => s.setPg);
  const exprId = useId();
  const custom = pg.surface.kind === 'custom' ? pg.surface : null;
  const [draft, setDraft] = useState(custom?.source ?? 'x^2 + 3*sin(y)^2 - 0.2*x*y');
  const choice = pg.surface.kind === 'builtin' ? pg.surface.name : 'custom';
  const options = [
    ...FUNCTION_2D_NAMES.map((n) => ({
      value: n,
      label: FUNCTIONS_2D[n].label,
    })),
    { value: 'custom' as const, label: t('pg.custom') },
  ];
  return (
    <div className="row wrap pg-surface">
      <SelectField
        label={t('pg.surface')}
        value={choice}
        options={options}
        testId="pg-surface"
        onChange={(v) => {
          if (v === 'custom') setPg({ surface: { kind: 'custom', source: draft, half: custom?.half ?? 3 } });
          else setPg({ surface: { kind: 'builtin', name: v }, start: DEFAULT_STARTS[v] });
        }}
      />
      {custom !== null && (
        <>
          <div className="field grow">
            <label htmlFor={exprId}>{t('pg.expression')}</label>
            <input
              id={exprId}
              type="text"
              className="mono"
              value={draft}
              spellCheck={false}
              aria-invalid={resolvedError !== null}
              aria-describedby={resolvedError !== null ? `${exprId}-err` : `${exprId}-hint`}
              onChange={(ev) => {
                setDraft(ev.target.value);
                setPg({ surface: { ...custom, source: ev.target.value } });
              }}
            />
            {resolvedError !== null ? (
              <span id={`${exprId}-err`} className="field-error" role="alert" data-testid="pg-expr-error">
                {t('pg.exprError', {
                  pos: resolvedError.position + 1,
                  // English keeps the parser's own sentence (it carries hints such as "did you mean");
                  // the other languages say the same by the error's code.
                  message:
                    lang === 'en'
                      ? resolvedError.message
                      : t(`pg.exprErr.${resolvedError.code}`, { token: resolvedError.token ?? '' }),
                })}
                <br />
                <code className="expr-caret">
                  {draft}
                  {'\n'}
                  {' '.repeat(resolvedError.position)}
                  {'^'.repeat(Math.max(1, resolvedError.length))}
                </code>
              </span>
            ) : (
              <span id={`${exprId}-hint`} className="field-hint">
                {t('pg.exprHint')}
              </span>
            )}
          </div>
          <NumberField
            label={t('pg.window')}
            value={custom.half}
            min={0.1}
            max={100}
            invalidText={t('field.notNumber')}
            onChange={(v) => v > 0 && setPg({ surface: { ...custom, half: v } })}
          />
        </>
      )}
    </div>
  );
}

/** The fixture's first start for each function (a sensible place to begin). */
const DEFAULT_STARTS: Record<Function2DName, [number, number]> = {
  rosenbrock: [-1.5, 2],
  beale: [1, 1.5],
  himmelblau: [0, 0],
  saddle: [1, 0.001],
  monkey_saddle: [0.5, 0.001],
  ill_conditioned_quadratic: [-4, 1],
  two_minima: [0.75, 0.5],
};

/** Play, pause, single step, reset, the step slider and the speed. */
function Transport() {
  const t = useT();
  const step = useLabStore((s) => s.pgStep);
  const steps = useLabStore((s) => s.pg.settings.steps);
  const playing = useLabStore((s) => s.pgPlaying);
  const speed = useLabStore((s) => s.pgSpeed);
  const setStep = useLabStore((s) => s.setPgStep);
  const setPlaying = useLabStore((s) => s.setPgPlaying);
  const setSpeed = useLabStore((s) => s.setPgSpeed);
  return (
    <div className="pg-transport">
      <div className="row wrap">
        <button
          type="button"
          className="primary"
          onClick={() => {
            if (!playing && step >= steps) setStep(0);
            setPlaying(!playing);
          }}
        >
          {playing ? t('pg.pause') : t('pg.play')}
        </button>
        <button type="button" disabled={step >= steps} onClick={() => setStep(Math.min(steps, step + 1))}>
          {t('pg.stepOnce')}
        </button>
        <button
          type="button"
          onClick={() => {
            setPlaying(false);
            setStep(0);
          }}
        >
          {t('pg.reset')}
        </button>
        <button
          type="button"
          onClick={() => {
            setPlaying(false);
            setStep(steps);
          }}
        >
          {t('pg.toEnd')}
        </button>
      </div>
      <RangeField
        label={t('pg.step')}
        value={step}
        min={0}
        max={steps}
        step={1}
        onChange={(v) => {
          setPlaying(false);
          setStep(v);
        }}
        format={(v) => `${v} / ${steps}`}
        testId="pg-step"
      />
      <RangeField
        label={t('pg.speed')}
        value={speed}
        min={2}
        max={200}
        step={1}
        onChange={setSpeed}
        format={(v) => t('pg.speedValue', { n: v })}
      />
    </div>
  );
}

/** f against the step for every run, up to the shown step (log axis when every f is positive). */
const LossChart = memo(function LossChart({
  outcomes,
  runs,
  step,
  steps,
  t,
}: {
  outcomes: readonly RunOutcome[];
  runs: readonly PlaygroundRun[];
  step: number;
  steps: number;
  t: T;
}) {
  const playing = useLabStore((s) => s.pgPlaying);
  const lines: ChartLine[] = outcomes.map((o, i) => {
    const n = Math.min(step, o.result.fs.length - 1) + 1;
    const r = runs[i]!;
    return {
      key: o.id,
      name: runName(r, t),
      x: Array.from({ length: n }, (_, k) => k),
      y: o.result.fs.subarray(0, n),
      color: r.color,
    };
  });
  let positive = true;
  for (const o of outcomes) for (const f of o.result.fs) if (Number.isFinite(f) && f <= 0) positive = false;
  return (
    <StepChart
      label={t('pg.lossChart')}
      caption={positive ? t('pg.logAxis') : t('pg.linearAxis')}
      lines={lines}
      log={positive}
      points={lines.reduce((a, l) => a + l.x.length, 0)}
      xLabel={(x) => t('pg.stepN', { n: x })}
      xMax={steps}
      height={230}
      testId="pg-loss-chart"
      interactive={!playing}
    />
  );
});

/** Where each run got to: final point and f, steps to reach a minimum, and what happened on the way. */
function RunsTable({
  outcomes,
  runs,
  step,
  t,
}: {
  outcomes: readonly RunOutcome[];
  runs: readonly PlaygroundRun[];
  step: number;
  t: T;
}) {
  return (
    <table className="data pg-table" data-testid="pg-runs">
      <caption className="visually-hidden">{t('pg.tableCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('pg.col.run')}</th>
          <th scope="col">{t('pg.col.point', { n: step })}</th>
          <th scope="col">{t('pg.col.f')}</th>
          <th scope="col">{t('pg.col.reached')}</th>
          <th scope="col">{t('pg.col.notes')}</th>
        </tr>
      </thead>
      <tbody>
        {outcomes.map((o, i) => {
          const r = runs[i]!;
          const k = Math.min(step, o.result.xs.length - 1);
          const x = o.result.xs[k]!;
          const y = o.result.ys[k]!;
          const f = o.result.fs[k]!;
          const notes: string[] = [];
          if (o.result.diverged !== null) notes.push(t('pg.note.diverged', { n: o.result.diverged }));
          if (o.result.skipped.length > 0)
            notes.push(t('pg.note.skipped', { n: o.result.skipped.length, first: o.result.skipped[0]! }));
          if (o.result.clipped > 0) notes.push(t('pg.note.clipped', { n: o.result.clipped }));
          if (o.nearEnd !== null && o.result.diverged === null)
            notes.push(
              t('pg.note.endsNear', {
                kind: t(POINT_KEY[o.nearEnd.kind]),
                x: tickLabel(o.nearEnd.x),
                y: tickLabel(o.nearEnd.y),
              }),
            );
          return (
            <tr
              key={o.id}
              data-run={r.opt.kind}
              data-final-x={o.result.xs[o.result.xs.length - 1]}
              data-final-y={o.result.ys[o.result.ys.length - 1]}
              data-final-f={o.result.fs[o.result.fs.length - 1]}
              data-reached={o.reached?.step ?? ''}
              data-diverged={o.result.diverged ?? ''}
              data-near={o.nearEnd?.kind ?? ''}
            >
              <th scope="row">
                <span className="dot" style={{ background: r.color }} aria-hidden="true" /> {runName(r, t)}
              </th>
              <td className="mono">
                ({fmt(x, 3)}, {fmt(y, 3)})
              </td>
              <td className="mono">{fmt(f, 4)}</td>
              <td className="mono">
                {o.reached === null
                  ? '—'
                  : t('pg.reachedAt', {
                      n: o.reached.step,
                      x: tickLabel(o.reached.x),
                      y: tickLabel(o.reached.y),
                    })}
              </td>
              <td className="small">{notes.join(' · ')}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Each optimizer's kind, lr (with presets), batch (noise) and hyper-parameters; add and remove. */
function RunEditor() {
  const t = useT();
  const runs = useLabStore((s) => s.pg.runs);
  const add = useLabStore((s) => s.addPgRun);
  const [kind, setKind] = useState<PlaygroundOptimizerKind>('Adam');
  return (
    <section className="pg-runs-editor" aria-label={t('pg.optimizers')}>
      <h3>{t('pg.optimizers')}</h3>
      {runs.map((r) => (
        <RunRow key={r.id} run={r} />
      ))}
      <div className="row">
        <SelectField
          label={t('pg.addKind')}
          value={kind}
          options={PLAYGROUND_KINDS.map((k) => ({ value: k, label: t(KIND_KEY[k]) }))}
          onChange={setKind}
        />
        <button type="button" disabled={runs.length >= 8} onClick={() => add(kind)}>
          {t('pg.add')}
        </button>
      </div>
    </section>
  );
}

function RunRow({ run }: { run: PlaygroundRun }) {
  const t = useT();
  const setRun = useLabStore((s) => s.setPgRun);
  const remove = useLabStore((s) => s.removePgRun);
  const o = run.opt;
  const inv = t('field.notNumber');
  const setOpt = (p: Partial<typeof o>) => setRun(run.id, { opt: { ...o, ...p } });
  const preset = (which: 'tooSmall' | 'right' | 'tooLarge') => {
    const st = useLabStore.getState().pg;
    const res = resolveSurface(st.surface);
    if (!res.ok) return;
    const p = lrPresets(res.s.surface, run.start ?? st.start, o.kind, res.s.box, st.settings.steps);
    setOpt({ lr: p[which] });
  };
  return (
    <fieldset className="pg-run" data-testid={`pg-run-${run.id}`}>
      <legend>
        <span className="dot" style={{ background: run.color }} aria-hidden="true" /> {runName(run, t)}
      </legend>
      <div className="row wrap">
        <SelectField
          label={t('pg.kind')}
          value={o.kind}
          options={PLAYGROUND_KINDS.map((k) => ({ value: k, label: t(KIND_KEY[k]) }))}
          onChange={(k) => setRun(run.id, { opt: defaultOptimizer(k, o.lr) })}
        />
        <NumberField
          label="lr"
          value={o.lr}
          min={0}
          invalidText={inv}
          onChange={(v) => v >= 0 && setOpt({ lr: v })}
        />
        {(o.kind === 'Momentum' || o.kind === 'Nesterov' || o.kind === 'RMSprop') && (
          <NumberField
            label={t('pg.momentum')}
            value={o.momentum}
            min={0}
            max={0.999}
            invalidText={inv}
            onChange={(v) => v >= 0 && v < 1 && setOpt({ momentum: v })}
          />
        )}
        {(o.kind === 'Adam' || o.kind === 'AdamW') && (
          <>
            <NumberField
              label="β₁"
              value={o.beta1}
              invalidText={inv}
              onChange={(v) => v >= 0 && v < 1 && setOpt({ beta1: v })}
            />
            <NumberField
              label="β₂"
              value={o.beta2}
              invalidText={inv}
              onChange={(v) => v >= 0 && v < 1 && setOpt({ beta2: v })}
            />
          </>
        )}
        {o.kind === 'RMSprop' && (
          <NumberField
            label="α"
            value={o.alpha}
            invalidText={inv}
            onChange={(v) => v >= 0 && setOpt({ alpha: v })}
          />
        )}
        {o.kind === 'AdamW' && (
          <NumberField
            label={t('pg.weightDecay')}
            value={o.weightDecay}
            invalidText={inv}
            onChange={(v) => v >= 0 && setOpt({ weightDecay: v })}
          />
        )}
        <SelectField
          label={t('pg.batch')}
          value={run.batch}
          options={(['full', 'mini', 'single'] as const).map((b) => ({ value: b, label: t(BATCH_KEY[b]) }))}
          onChange={(b) => setRun(run.id, { batch: b })}
        />
      </div>
      <div className="row wrap">
        <span className="small muted">{t('pg.presets')}</span>
        <button type="button" className="small-btn" onClick={() => preset('tooSmall')}>
          {t('pg.preset.tooSmall')}
        </button>
        <button type="button" className="small-btn" onClick={() => preset('right')}>
          {t('pg.preset.right')}
        </button>
        <button type="button" className="small-btn" onClick={() => preset('tooLarge')}>
          {t('pg.preset.tooLarge')}
        </button>
        <button type="button" className="small-btn" onClick={() => remove(run.id)}>
          {t('pg.remove')}
        </button>
      </div>
    </fieldset>
  );
}

/** Steps, noise, seed, 1/√(t+1) decay, clipping, NaN guard, colour scale, start. */
function SettingsEditor() {
  const t = useT();
  const settings = useLabStore((s) => s.pg.settings);
  const start = useLabStore((s) => s.pg.start);
  const set = useLabStore((s) => s.setPgSettings);
  const setPg = useLabStore((s) => s.setPg);
  const log = useLabStore((s) => s.pgLogColour);
  const setLog = useLabStore((s) => s.setPgLogColour);
  const inv = t('field.notNumber');
  return (
    <section aria-label={t('pg.settings')}>
      <h3>{t('pg.settings')}</h3>
      <div className="row wrap">
        <RangeField
          label={t('pg.noise')}
          value={settings.noise}
          min={0}
          max={2}
          step={0.01}
          onChange={(noise) => set({ noise })}
          format={(v) => `σ = ${v.toFixed(2)}`}
          testId="pg-noise"
        />
        <span className="small muted">{t('pg.noiseHint')}</span>
      </div>
      <div className="row wrap">
        <NumberField
          label={t('pg.steps')}
          value={settings.steps}
          integer
          min={1}
          max={5000}
          invalidText={inv}
          onChange={(v) => v >= 1 && v <= 5000 && set({ steps: v })}
        />
        <NumberField
          label={t('pg.seed')}
          value={settings.seed}
          integer
          invalidText={inv}
          onChange={(v) => set({ seed: v })}
        />
        <NumberField
          label={t('pg.startX')}
          value={start[0]}
          invalidText={inv}
          onChange={(v) => setPg({ start: [v, start[1]] })}
        />
        <NumberField
          label={t('pg.startY')}
          value={start[1]}
          invalidText={inv}
          onChange={(v) => setPg({ start: [start[0], v] })}
        />
      </div>
      <div className="row wrap">
        <CheckField label={t('pg.decay')} checked={settings.decay} onChange={(decay) => set({ decay })} />
        <CheckField
          label={t('pg.clip')}
          checked={settings.clipNorm !== null}
          onChange={(on) => set({ clipNorm: on ? 10 : null })}
        />
        {settings.clipNorm !== null && (
          <NumberField
            label="max_norm"
            value={settings.clipNorm}
            min={0}
            invalidText={inv}
            onChange={(v) => v > 0 && set({ clipNorm: v })}
          />
        )}
        <CheckField
          label={t('pg.nanGuard')}
          checked={settings.nanGuard}
          onChange={(nanGuard) => set({ nanGuard })}
        />
        <CheckField label={t('pg.logColour')} checked={log} onChange={setLog} />
      </div>
    </section>
  );
}
