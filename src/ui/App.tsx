import { useEffect } from 'react';
import { startLab } from '../store/bridge.ts';
import { BackendBadge, BackendPanel } from './BackendPanel.tsx';
import { DatasetPanel, loadBuiltin } from './DatasetPanel.tsx';

export function App() {
  useEffect(() => {
    startLab('auto');
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
        <DatasetPanel />
        <BackendPanel />
      </main>
    </div>
  );
}
