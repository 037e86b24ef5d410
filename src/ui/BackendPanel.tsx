import { useLabStore } from '../store/labStore.ts';
import type { BackendReport } from '../worker/protocol.ts';

function adapterLine(report: BackendReport): string {
  const a = report.adapter;
  if (a === null)
    return report.name === 'webgpu' ? 'adapter info unavailable' : 'no GPU adapter (not WebGPU)';
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '');
  const text = parts.length > 0 ? parts.join(' · ') : 'adapter without a name';
  return a.isFallbackAdapter === true ? `${text} (software fallback)` : text;
}

/** Short text for the header badge. */
export function backendBadgeText(report: BackendReport): string {
  const a = report.adapter;
  const who = a === null ? '' : [a.vendor, a.architecture].filter((s) => s !== '').join(' ');
  return who === '' ? report.name : `${report.name} · ${who}`;
}

export function BackendBadge() {
  const backend = useLabStore((s) => s.backend);
  const text =
    backend.phase === 'ready'
      ? backendBadgeText(backend.report)
      : backend.phase === 'failed'
        ? 'no backend'
        : 'starting…';
  return (
    <span
      className={`badge badge-${backend.phase}`}
      role="status"
      aria-label="TF.js backend"
      data-phase={backend.phase}
    >
      {text}
    </span>
  );
}

export function BackendPanel() {
  const backend = useLabStore((s) => s.backend);
  return (
    <section className="card" aria-labelledby="backend-title">
      <h2 id="backend-title">Compute backend</h2>
      {backend.phase === 'idle' || backend.phase === 'starting' ? (
        <p className="muted">Starting TF.js in the lab worker…</p>
      ) : backend.phase === 'failed' ? (
        <p className="error" role="alert">
          {backend.message}
        </p>
      ) : (
        <>
          <dl className="facts">
            <dt>Backend</dt>
            <dd data-testid="backend-name">{backend.report.name}</dd>
            <dt>Adapter</dt>
            <dd data-testid="backend-adapter">{adapterLine(backend.report)}</dd>
            {backend.report.wasm !== null && (
              <>
                <dt>wasm build</dt>
                <dd data-testid="backend-wasm">
                  {backend.report.wasm.simd ? 'SIMD' : 'no SIMD'},{' '}
                  {backend.report.wasm.threads
                    ? `threads on (${backend.report.wasm.threadCount} thread${backend.report.wasm.threadCount === 1 ? '' : 's'})`
                    : 'single-threaded'}
                </dd>
              </>
            )}
            <dt>TF.js</dt>
            <dd>{backend.report.tfVersion}</dd>
            <dt>Cross-origin isolated</dt>
            <dd data-testid="backend-isolated">
              {backend.report.crossOriginIsolated
                ? 'yes (threaded wasm possible)'
                : 'no (wasm runs single-threaded)'}
            </dd>
            <dt>Self-test</dt>
            <dd data-testid="backend-selftest">
              {backend.report.selfTest.got.map((v) => v.toFixed(1)).join(', ')}{' '}
              <span className="muted">(expected {backend.report.selfTest.expected.join(', ')})</span>
            </dd>
          </dl>
          <h3>Tried, in order</h3>
          <ol className="attempts">
            {backend.report.attempts.map((a) => (
              <li key={a.backend} className={a.ok ? 'ok' : 'rejected'}>
                <strong>{a.backend}</strong> — {a.ok ? `ready in ${a.ms.toFixed(0)} ms` : a.reason}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
