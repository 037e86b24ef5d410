import { useEffect } from 'react';
import { startLab } from '../store/bridge.ts';
import type { BackendPreference } from '../worker/protocol.ts';
import { BackendBadge, BackendPanel } from './BackendPanel.tsx';
import { DatasetPanel, loadBuiltin } from './DatasetPanel.tsx';
import { TrainingPanel } from './TrainingPanel.tsx';

const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** `?backend=wasm` etc. in the address picks the backend (a shared link reproduces the set-up). */
function backendFromUrl(): BackendPreference {
  const b = new URLSearchParams(window.location.search).get('backend');
  return BACKENDS.find((x) => x === b) ?? 'auto';
}

export function App() {
  useEffect(() => {
    startLab(backendFromUrl());
    loadBuiltin();
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <div>
          <h1>Optimization lab</h1>
          <p className="subtitle">
            A crystal graph network (CGCNN) trained in your browser — and the recipe that makes it train.
          </p>
        </div>
        <BackendBadge />
      </header>
      <main className="grid">
        <TrainingPanel />
        <DatasetPanel />
        <BackendPanel />
      </main>
    </div>
  );
}
