import { useEffect } from 'react';
import { startFromUrl } from '../store/bridge.ts';
import { useLabStore } from '../store/labStore.ts';
import { LANGS, VIEWS, type Lang, type View } from '../store/urlState.ts';
import type { MessageKey } from './i18n/en.ts';
import { BackendBadge, BackendPanel } from './BackendPanel.tsx';
import { PanelBoundary } from './ErrorBoundary.tsx';
import { DatasetPanel } from './DatasetPanel.tsx';
import { EvaluationPanel } from './EvaluationPanel.tsx';
import { ExperimentsView } from './experiments/ExperimentsView.tsx';
import { LANG_NAMES, useT } from './i18n/index.ts';
import { LandscapePanel } from './LandscapePanel.tsx';
import { LessonsView } from './lessons/LessonsView.tsx';
import { LiveCharts } from './LiveCharts.tsx';
import { Playground } from './playground/Playground.tsx';
import { RecipePanel } from './RecipePanel.tsx';
import { TrainingPanel } from './TrainingPanel.tsx';

function LanguageSwitcher() {
  const t = useT();
  const lang = useLabStore((s) => s.lang);
  const setLang = useLabStore((s) => s.setLang);
  return (
    <label className="inline">
      <span className="visually-hidden">{t('app.language')}</span>
      <select aria-label={t('app.language')} value={lang} onChange={(ev) => setLang(ev.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANG_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

function ThemeToggle() {
  const t = useT();
  const theme = useLabStore((s) => s.theme);
  const setTheme = useLabStore((s) => s.setTheme);
  const dark =
    theme === 'dark' || (theme === null && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  return (
    <button type="button" aria-pressed={dark} onClick={() => setTheme(dark ? 'light' : 'dark')}>
      {dark ? t('app.themeLight') : t('app.themeDark')}
    </button>
  );
}

const VIEW_KEY: Record<View, MessageKey> = {
  train: 'nav.train',
  playground: 'nav.playground',
  lessons: 'nav.lessons',
  runs: 'nav.runs',
};

/** The three views as links (each is a real address; a click switches without reloading). */
function ViewNav() {
  const t = useT();
  const view = useLabStore((s) => s.view);
  const setView = useLabStore((s) => s.setView);
  return (
    <nav className="views" aria-label={t('nav.label')}>
      {VIEWS.map((v) => (
        <a
          key={v}
          href={v === 'train' ? '?' : `?view=${v}`}
          aria-current={v === view ? 'page' : undefined}
          onClick={(ev) => {
            ev.preventDefault();
            setView(v);
          }}
        >
          {t(VIEW_KEY[v])}
        </a>
      ))}
    </nav>
  );
}

export function App() {
  const t = useT();
  const lang = useLabStore((s) => s.lang);
  const theme = useLabStore((s) => s.theme);
  const problems = useLabStore((s) => s.urlProblems);
  const view = useLabStore((s) => s.view);
  useEffect(() => {
    startFromUrl();
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang, t]);
  useEffect(() => {
    if (theme === null) delete document.documentElement.dataset['theme'];
    else document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  const boundary = {
    message: (name: string, error: string) => t('app.panelError', { name, error }),
    retry: t('app.panelRetry'),
  };
  return (
    <div className="app">
      <header className="topbar">
        <div>
          <h1>{t('app.title')}</h1>
          <p className="subtitle">{t('app.subtitle')}</p>
        </div>
        <ViewNav />
        <div className="row">
          <BackendBadge />
          <LanguageSwitcher />
          <ThemeToggle />
        </div>
      </header>
      {problems.length > 0 && (
        <p className="note" role="alert">
          {t('app.urlProblems')} {problems.join(' ')}
        </p>
      )}
      {view === 'playground' && (
        <main className="single">
          <PanelBoundary name={t('pg.title')} {...boundary}>
            <section className="card" aria-labelledby="pg-title">
              <h2 id="pg-title">{t('pg.title')}</h2>
              <p className="small muted">{t('pg.intro')}</p>
              <Playground />
            </section>
          </PanelBoundary>
        </main>
      )}
      {view === 'runs' && (
        <main className="single">
          <PanelBoundary name={t('runs.title')} {...boundary}>
            <ExperimentsView />
          </PanelBoundary>
        </main>
      )}
      {view === 'lessons' && (
        <main className="single">
          <PanelBoundary name={t('nav.lessons')} {...boundary}>
            <LessonsView />
          </PanelBoundary>
        </main>
      )}
      {view === 'train' && (
        <main className="layout">
          <div className="side">
            <PanelBoundary name={t('recipe.title')} {...boundary}>
              <RecipePanel />
            </PanelBoundary>
            <PanelBoundary name={t('data.title')} {...boundary}>
              <DatasetPanel />
            </PanelBoundary>
            <PanelBoundary name={t('backend.title')} {...boundary}>
              <BackendPanel />
            </PanelBoundary>
          </div>
          <div className="mainpane">
            <PanelBoundary name={t('run.title')} {...boundary}>
              <TrainingPanel />
            </PanelBoundary>
            <PanelBoundary name={t('charts.title')} {...boundary}>
              <LiveCharts />
            </PanelBoundary>
            <PanelBoundary name={t('eval.title')} {...boundary}>
              <EvaluationPanel />
            </PanelBoundary>
            <PanelBoundary name={t('land.title')} {...boundary}>
              <LandscapePanel />
            </PanelBoundary>
          </div>
        </main>
      )}
    </div>
  );
}
