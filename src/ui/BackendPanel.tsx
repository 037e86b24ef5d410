import { useLabStore } from '../store/labStore.ts';
import type { BackendReport } from '../worker/protocol.ts';
import { useT, type T } from './i18n/index.ts';

function adapterLine(report: BackendReport, t: T): string {
  const a = report.adapter;
  if (a === null) return report.name === 'webgpu' ? t('backend.noAdapterInfo') : t('backend.noAdapter');
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '');
  const text = parts.length > 0 ? parts.join(' · ') : t('backend.unnamed');
  return a.isFallbackAdapter === true ? `${text} (${t('backend.fallback')})` : text;
}

/** Short text for the header badge. */
export function backendBadgeText(report: BackendReport): string {
  const a = report.adapter;
  const who = a === null ? '' : [a.vendor, a.architecture].filter((s) => s !== '').join(' ');
  return who === '' ? report.name : `${report.name} · ${who}`;
}

export function BackendBadge() {
  const t = useT();
  const backend = useLabStore((s) => s.backend);
  const text =
    backend.phase === 'ready'
      ? backendBadgeText(backend.report)
      : backend.phase === 'failed'
        ? t('backend.none')
        : t('backend.starting');
  return (
    <span
      className={`badge badge-${backend.phase}`}
      role="status"
      aria-label={t('backend.badge')}
      data-phase={backend.phase}
      title={backend.phase === 'ready' ? adapterLine(backend.report, t) : undefined}
    >
      {text}
    </span>
  );
}

export function BackendPanel() {
  const t = useT();
  const backend = useLabStore((s) => s.backend);
  return (
    <section className="card" aria-labelledby="backend-title">
      <h2 id="backend-title">{t('backend.title')}</h2>
      {backend.phase === 'idle' || backend.phase === 'starting' ? (
        <p className="muted">{t('backend.startingLong')}</p>
      ) : backend.phase === 'failed' ? (
        <p className="error" role="alert">
          {backend.message}
        </p>
      ) : (
        <>
          <dl className="facts">
            <dt>{t('backend.backend')}</dt>
            <dd data-testid="backend-name">{backend.report.name}</dd>
            <dt>{t('backend.adapter')}</dt>
            <dd data-testid="backend-adapter">{adapterLine(backend.report, t)}</dd>
            {backend.report.wasm !== null && (
              <>
                <dt>{t('backend.wasmBuild')}</dt>
                <dd data-testid="backend-wasm">
                  {backend.report.wasm.simd ? 'SIMD' : t('backend.noSimd')},{' '}
                  {backend.report.wasm.threads
                    ? t('backend.threads', { n: backend.report.wasm.threadCount })
                    : t('backend.singleThread')}
                </dd>
              </>
            )}
            <dt>TF.js</dt>
            <dd>{backend.report.tfVersion}</dd>
            <dt>{t('backend.isolated')}</dt>
            <dd data-testid="backend-isolated">
              {backend.report.crossOriginIsolated ? t('backend.isolatedYes') : t('backend.isolatedNo')}
            </dd>
            <dt>{t('backend.selfTest')}</dt>
            <dd data-testid="backend-selftest">
              {backend.report.selfTest.got.map((v) => v.toFixed(1)).join(', ')}{' '}
              <span className="muted">
                ({t('backend.expected', { v: backend.report.selfTest.expected.join(', ') })})
              </span>
            </dd>
          </dl>
          <h3>{t('backend.tried')}</h3>
          <ol className="attempts">
            {backend.report.attempts.map((a) => (
              <li key={a.backend} className={a.ok ? 'ok' : 'rejected'}>
                <strong>{a.backend}</strong> —{' '}
                {a.ok ? t('backend.readyIn', { ms: a.ms.toFixed(0) }) : a.reason}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
