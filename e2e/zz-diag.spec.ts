import { test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { LabPage } from './pages/LabPage.ts';

const recipe = { epochs: 4, batchSize: 16, model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 }, logEvery: 2 };

test('diag', async ({ page }) => {
  test.setTimeout(360_000);
  const lab = new LabPage(page);
  await page.goto(`/?size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`);
  await lab.waitForBackend();
  await page.getByTestId('dataset-count').waitFor();
  const browser = page.context().browser()!;
  await browser.startTracing(page, {
    path: '/tmp/diag/trace.json',
    categories: [
      'disabled-by-default-v8.cpu_profiler',
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'v8.execute',
      'toplevel',
      'blink',
      'cc',
      'gpu',
    ],
  });
  await lab.trainingPanel.getByRole('button', { name: 'Start' }).click();
  await page.waitForTimeout(60_000);
  await browser.stopTracing();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  const { profile } = (await cdp.send('Profiler.stop')) as {
    profile: {
      nodes: {
        id: number;
        callFrame: { functionName: string; url: string; lineNumber: number };
        children?: number[];
      }[];
      samples: number[];
      timeDeltas: number[];
    };
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const n of profile.nodes) {
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    byFn.set(k, (byFn.get(k) ?? 0) + (self.get(n.id) ?? 0));
  }
  const top = [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 40)
    .map(([k, v]) => `${(v / 1000).toFixed(0)} ms  ${k}`);
  writeFileSync('/tmp/diag/profile.txt', top.join('\n'));
});
