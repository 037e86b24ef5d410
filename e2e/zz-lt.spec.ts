import { expect, test } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

const recipe = { epochs: 60, batchSize: 16, model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 }, logEvery: 2 };
for (const backend of ['wasm', 'webgpu']) {
  test(`lt ${backend}`, async ({ page }) => {
    test.setTimeout(400_000);
    await page.addInitScript(() => {
      const w = window as unknown as { __lt: string[] };
      w.__lt = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__lt.push(`${e.startTime.toFixed(0)}:${e.duration.toFixed(0)}`);
      }).observe({ type: 'longtask', buffered: true });
    });
    const lab = new LabPage(page);
    await page.goto(
      `/?backend=${backend}&threads=1&size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`,
    );
    await lab.waitForBackend();
    await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });
    const start = lab.trainingPanel.getByRole('button', { name: 'Start' });
    await start.waitFor();
    await page.waitForTimeout(1000);
    const t0 = await page.evaluate(() => performance.now());
    const browser = page.context().browser()!;
    if (process.env['TRACE'] === '1')
      await browser.startTracing(page, {
        path: `/tmp/diag/trace.json`,
        categories: [
          'disabled-by-default-v8.cpu_profiler',
          'devtools.timeline',
          'v8.execute',
          'toplevel',
          'blink',
        ],
      });
    await page.locator('button.primary').click();
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-steps]')?.getAttribute('data-steps')) >=
        (location.search.includes('webgpu') ? 20 : 150),
      null,
      { polling: 1000, timeout: 300_000 },
    );
    if (process.env['TRACE'] === '1') await browser.stopTracing();
    const lt = await page.evaluate(() => (window as unknown as { __lt: string[] }).__lt);
    console.log(backend, t0.toFixed(0), JSON.stringify(lt.filter((x) => Number(x.split(':')[0]) > t0)));
  });
}
