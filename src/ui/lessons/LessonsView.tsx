/**
 * The lessons: a numbered list, one lesson at a time with its text, maths (MathML) and live figure, and
 * a "try this" button that sets the figure up as the lesson describes. Presentation mode shows one
 * lesson per screen in large type for a class; ←/→ (or PageUp/PageDown, Space) move, Home/End jump,
 * Esc leaves.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLabStore } from '../../store/labStore.ts';
import { useT } from '../i18n/index.ts';
import { Playground } from '../playground/Playground.tsx';
import { LESSON_IDS, LESSONS, type Block, type LessonId } from './content.ts';
import { HuberFigure, OneCycleFigure, OutlierFigure } from './figures.tsx';
import { MathTex, RichText } from './math.tsx';
import { LESSON_FIGURES } from './setups.ts';

/** Set by "Open in the playground": the lesson's set-up stays when the lessons are left. */
let keepLessonSetup = false;

export function isLessonId(s: string): s is LessonId {
  return (LESSON_IDS as readonly string[]).includes(s);
}

function useLessonId(): LessonId {
  const raw = useLabStore((s) => s.lesson);
  return isLessonId(raw) ? raw : LESSON_IDS[0]!;
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case 'p':
      return (
        <p>
          <RichText text={block.text} />
        </p>
      );
    case 'note':
      return (
        <p className="note">
          <RichText text={block.text} />
        </p>
      );
    case 'math':
      return <MathTex tex={block.tex} display />;
    case 'list':
      return (
        <ul>
          {block.items.map((it, i) => (
            <li key={i}>
              <RichText text={it} />
            </li>
          ))}
        </ul>
      );
  }
}

function Figure({ id, tried }: { id: LessonId; tried: boolean }) {
  const fig = LESSON_FIGURES[id];
  switch (fig.kind) {
    case 'playground':
      return <Playground compact />;
    case 'onecycle':
      return <OneCycleFigure tried={tried} />;
    case 'huber':
      return <HuberFigure tried={tried} />;
    case 'outliers':
      return <OutlierFigure tried={tried} />;
  }
}

/** One lesson: text and maths, the "try this" button with what to look for, and the live figure. */
function Lesson({
  id,
  presenting,
  tried,
  setTried,
}: {
  id: LessonId;
  presenting: boolean;
  tried: boolean;
  setTried: (on: boolean) => void;
}) {
  const t = useT();
  const lang = useLabStore((s) => s.lang);
  const loadPg = useLabStore((s) => s.loadPg);
  const setView = useLabStore((s) => s.setView);
  const fig = LESSON_FIGURES[id];
  const text = LESSONS[lang][id];
  const n = LESSON_IDS.indexOf(id) + 1;
  const reset = () => {
    setTried(false);
    if (fig.kind === 'playground') loadPg(fig.initial());
  };
  const headingId = `lesson-${id}-title`;
  return (
    <article
      className="lesson"
      aria-labelledby={headingId}
      data-testid="lesson"
      data-lesson={id}
      data-tried={tried}
    >
      <div className="lesson-text">
        <h2 id={headingId}>
          <span className="lesson-n">{n}.</span> {text.title}
        </h2>
        <p className="lead">
          <RichText text={text.lead} />
        </p>
        {text.blocks.map((b, i) => (
          <BlockView key={i} block={b} />
        ))}
        <div className="try-this">
          <button
            type="button"
            className="primary"
            data-testid="try-this"
            onClick={() => {
              setTried(true);
              if (fig.kind === 'playground') loadPg(fig.tryThis(), true);
            }}
          >
            {t('lesson.tryPrefix')} {text.tryThis}
          </button>
          <button type="button" onClick={reset} disabled={!tried}>
            {t('lesson.resetFigure')}
          </button>
          {fig.kind === 'playground' && !presenting && (
            <button
              type="button"
              onClick={() => {
                keepLessonSetup = true;
                setView('playground');
              }}
            >
              {t('lesson.openInPlayground')}
            </button>
          )}
        </div>
        {tried && (
          <p className="note expect" role="status" data-testid="lesson-expect">
            <strong>{t('lesson.lookFor')}</strong> <RichText text={text.expect} />
          </p>
        )}
      </div>
      <div className="lesson-figure-wrap" aria-label={t('lesson.figure')}>
        {/* Keyed on `tried`: "try this" and "reset" start the figure's own sliders afresh. */}
        <Figure key={String(tried)} id={id} tried={tried} />
      </div>
    </article>
  );
}

/** Full-screen, large-type presentation of one lesson per screen with keyboard navigation. */
function Presentation({
  id,
  tried,
  setTried,
}: {
  id: LessonId;
  tried: boolean;
  setTried: (on: boolean) => void;
}) {
  const t = useT();
  const setLesson = useLabStore((s) => s.setLesson);
  const setPresenting = useLabStore((s) => s.setPresenting);
  const ref = useRef<HTMLDivElement>(null);
  const i = LESSON_IDS.indexOf(id);
  const go = useCallback(
    (k: number) => {
      const j = Math.max(0, Math.min(LESSON_IDS.length - 1, k));
      setLesson(LESSON_IDS[j]!);
    },
    [setLesson],
  );
  useEffect(() => {
    ref.current?.focus();
  }, []);
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      const target = ev.target as HTMLElement | null;
      if (ev.key === 'Escape') {
        setPresenting(false);
        return;
      }
      // Browser shortcuts (Alt+← is Back) and keys meant for a field, a slider, a disclosure, the map or
      // a chart's keyboard tooltip are not navigation.
      if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
      if (target !== null && /^(INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(target.tagName)) return;
      if (target?.closest('[role="application"], .recharts-wrapper')) return;
      if (
        ev.key === 'ArrowRight' ||
        ev.key === 'PageDown' ||
        (ev.key === ' ' && target?.tagName !== 'BUTTON')
      ) {
        ev.preventDefault();
        go(i + 1);
      } else if (ev.key === 'ArrowLeft' || ev.key === 'PageUp') {
        ev.preventDefault();
        go(i - 1);
      } else if (ev.key === 'Home') {
        go(0);
      } else if (ev.key === 'End') {
        go(LESSON_IDS.length - 1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [i, go, setPresenting]);
  return (
    <div
      className="presentation"
      ref={ref}
      tabIndex={-1}
      role="dialog"
      aria-modal="true"
      aria-label={t('lesson.presentation')}
      data-testid="presentation"
    >
      <div className="presentation-bar">
        <span className="mono" data-testid="presentation-position">
          {i + 1} / {LESSON_IDS.length}
        </span>
        <span className="small muted">{t('lesson.keysHint')}</span>
        <span className="row">
          <button type="button" onClick={() => go(i - 1)} disabled={i === 0}>
            {t('lesson.prev')}
          </button>
          <button type="button" onClick={() => go(i + 1)} disabled={i === LESSON_IDS.length - 1}>
            {t('lesson.next')}
          </button>
          <button type="button" onClick={() => setPresenting(false)}>
            {t('lesson.exitPresentation')}
          </button>
        </span>
      </div>
      <Lesson id={id} presenting tried={tried} setTried={setTried} />
    </div>
  );
}

export function LessonsView() {
  const t = useT();
  const lang = useLabStore((s) => s.lang);
  const id = useLessonId();
  const presenting = useLabStore((s) => s.presenting);
  const setLesson = useLabStore((s) => s.setLesson);
  const setPresenting = useLabStore((s) => s.setPresenting);
  const loadPg = useLabStore((s) => s.loadPg);
  const [tried, setTriedFor] = useState<LessonId | null>(null);
  const setTried = useCallback((on: boolean) => setTriedFor(on ? id : null), [id]);
  // The lessons borrow the playground for their figures: the person's own set-up comes back when they
  // leave (unless they asked to open the lesson's figure in the playground).
  useEffect(() => {
    const saved = useLabStore.getState().pg;
    keepLessonSetup = false;
    return () => {
      if (!keepLessonSetup) useLabStore.getState().loadPg(saved);
    };
  }, []);
  // A lesson opens on its own figure (switching the presentation on or off keeps it as it is).
  useEffect(() => {
    const fig = LESSON_FIGURES[id];
    setTriedFor(null);
    if (fig.kind === 'playground') loadPg(fig.initial());
  }, [id, loadPg]);
  if (presenting) return <Presentation id={id} tried={tried === id} setTried={setTried} />;
  return (
    <div className="lessons-layout">
      <nav className="card lesson-list" aria-label={t('lesson.list')}>
        <h2>{t('nav.lessons')}</h2>
        <ol>
          {LESSON_IDS.map((l) => (
            <li key={l}>
              <a
                href={`?view=lessons&lesson=${l}`}
                aria-current={l === id ? 'page' : undefined}
                onClick={(ev) => {
                  ev.preventDefault();
                  setLesson(l);
                }}
              >
                {LESSONS[lang][l].title}
              </a>
            </li>
          ))}
        </ol>
        <button type="button" className="primary" onClick={() => setPresenting(true)}>
          {t('lesson.present')}
        </button>
      </nav>
      <section className="card lesson-card">
        <Lesson id={id} presenting={false} tried={tried === id} setTried={setTried} />
      </section>
    </div>
  );
}
