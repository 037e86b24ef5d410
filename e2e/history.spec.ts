import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LabPage, SCREENSHOT_DIR } from './pages/LabPage.ts';

/**
 * The run history as a user meets it, on wasm (deterministic) with the built-in set:
 * two runs with different max_lr, a reload, both listed with their curves; the comparison shows MAE,
 * RMSE, Pearson and Spearman on val and test (equal to what the Train view reported); a bundle exported
 * and imported in a fresh browser context exports back identically; a run paused mid-epoch and cut off by
 * a reload resumes from its last checkpoint and ends exactly like the uninterrupted run.
 */
/** 12 epochs of 6 steps: long enough that a pause lands mid-run on a fast machine. */
const EPOCHS = 12;
const recipe = {
  epochs: EPOCHS,
  batchSize: 16,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 2,
};
const url = `/?backend=wasm&size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`;

const openLab = (page: Page) => LabPage.openWasm(page, url, 120);

async function train(lab: LabPage): Promise<{ val: string; test: string }> {
  const training = lab.trainingPanel;
  await training.getByRole('button', { name: 'Start' }).click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(training.getByTestId('final-metrics')).toBeVisible();
  return {
    val: (await training.getByTestId('final-val').textContent()) ?? '',
    test: (await training.getByTestId('final-test').textContent()) ?? '',
  };
}

async function openRuns(page: Page): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Experiments' }).click();
  const table = page.getByRole('table', { name: 'Runs' });
  return table;
}

/** Exports the bundle of the run named like `name` and returns the file's text. */
async function exportBundle(page: Page, name: RegExp, file: string): Promise<string> {
  const row = page.getByRole('row').filter({ hasText: name });
  await row.getByLabel(/^Actions for/).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: 'Export run bundle (JSON)' }).click(),
  ]);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = resolve(SCREENSHOT_DIR, file);
  await download.saveAs(path);
  await row.getByLabel(/^Actions for/).click(); // close the menu again
  return readFileSync(path, 'utf8');
}

/** Clicks `button` and saves the download it starts under e2e/screenshots/; returns the saved path. */
async function download(page: Page, button: Locator): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), button.click()]);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = resolve(SCREENSHOT_DIR, `history-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return path;
}

/** A bundle's JSON without the export time (what must survive a round trip). */
function canonical(text: string): unknown {
  const b = JSON.parse(text) as Record<string, unknown>;
  delete b['exportedAt'];
  return b;
}

/** "MAE 0.1234, RMSE 0.2345, Pearson 0.987, Spearman 0.976" → numbers by name. */
function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/(MAE|RMSE|Pearson|Spearman)\s+(-?[\d.]+(?:e[-+]?\d+)?)/g))
    out[m[1]!] = Number(m[2]);
  return out;
}

test('runs survive a reload, compare like a tuning report, and a bundle moves to a fresh browser intact', async ({
  page,
  browser,
}) => {
  test.setTimeout(420_000);
  let lab = await openLab(page);
  const runA = await train(lab);
  await lab.recipePanel.getByLabel('max_lr').fill('0.01');
  await lab.recipePanel.getByLabel('max_lr').blur();
  const runB = await train(lab);
  expect(runB.val).not.toBe(runA.val);

  // A reload: a fresh page and worker; the runs come back from IndexedDB.
  lab = await openLab(page);
  const table = await openRuns(page);
  const rows = table.getByRole('row').filter({ has: page.getByRole('checkbox') });
  await expect(rows).toHaveCount(2);
  const rowA = rows.filter({ hasText: 'max_lr 0.003' });
  const rowB = rows.filter({ hasText: 'max_lr 0.01' });
  for (const row of [rowA, rowB]) {
    await expect(row).toContainText('done');
    await expect(row).toContainText(`${EPOCHS}/${EPOCHS}`);
    // Its curves: validation MAE and training loss over the epochs.
    await expect(
      row.getByRole('img', { name: /Validation MAE and training loss per epoch/ }),
    ).toHaveAttribute('data-points', String(EPOCHS));
  }

  // Tag one run, filter by the tag, sort by validation MAE (best first, then worst first).
  await rowB.getByRole('button', { name: /^Tags of / }).click();
  await rowB.getByLabel('Tags (comma separated)').fill('sweep, high-lr');
  await rowB.getByLabel('Tags (comma separated)').press('Enter');
  await expect(rowB.locator('.tag')).toHaveText(['sweep', 'high-lr']);
  await page.getByLabel('Filter').fill('tag:sweep');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('max_lr 0.01');
  await page.getByLabel('Filter').fill('');
  await expect(rows).toHaveCount(2);
  const valMaes = async () =>
    (await rows.locator('td:nth-child(7)').allTextContents()).map((x) => Number(x.trim()));
  await table.getByRole('button', { name: /^Val MAE/ }).click();
  await expect(table.getByRole('columnheader', { name: /^Val MAE/ })).toHaveAttribute(
    'aria-sort',
    'descending',
  );
  const desc = await valMaes();
  expect(desc).toEqual([...desc].sort((a, b) => b - a));
  await table.getByRole('button', { name: /^Val MAE/ }).click();
  await expect(table.getByRole('columnheader', { name: /^Val MAE/ })).toHaveAttribute(
    'aria-sort',
    'ascending',
  );
  const asc = await valMaes();
  expect(asc).toEqual([...desc].reverse());

  // Compare both: overlaid curves and the metrics table.
  await rowA.getByRole('checkbox').check();
  await rowB.getByRole('checkbox').check();
  const cmp = page.getByRole('region', { name: 'Comparison' });
  for (const kind of ['loss', 'valMae', 'lr', 'momentum', 'grad']) {
    await expect(cmp.getByTestId(`cmp-chart-${kind}`)).toHaveAttribute('data-lines', '2');
  }
  const metrics = cmp.getByRole('table', { name: 'Comparison metrics' });
  const header = metrics.getByRole('row').first();
  for (const split of ['Val', 'Test']) {
    for (const m of ['MAE', 'RMSE', 'Pearson', 'Spearman']) {
      await expect(header.getByRole('columnheader', { name: `${split} ${m}`, exact: true })).toBeVisible();
    }
  }
  // The table's numbers are the ones the Train view reported at the end of each run.
  for (const [name, run] of [
    ['max_lr 0.003', runA],
    ['max_lr 0.01', runB],
  ] as const) {
    const r = metrics.getByRole('row').filter({ hasText: name });
    const val = parseMetrics(run.val);
    const tst = parseMetrics(run.test);
    for (const [col, want, digits] of [
      ['val_mae', val['MAE'], 4],
      ['val_rmse', val['RMSE'], 4],
      ['val_pearson', val['Pearson'], 3],
      ['val_spearman', val['Spearman'], 3],
      ['test_mae', tst['MAE'], 4],
      ['test_rmse', tst['RMSE'], 4],
      ['test_pearson', tst['Pearson'], 3],
      ['test_spearman', tst['Spearman'], 3],
    ] as const) {
      const cell = (await r.locator(`td[data-col="${col}"] > div`).first().textContent()) ?? '';
      expect(Number(cell).toFixed(digits), `${name} ${col}`).toBe(want!.toFixed(digits));
    }
  }
  // The run picked second shows deltas against the baseline (the first), and the config diff names max_lr.
  await expect(
    metrics.getByRole('row').filter({ hasText: 'max_lr 0.01' }).locator('.delta').first(),
  ).toBeVisible();
  const diff = cmp.getByRole('table', { name: 'Config differences' });
  await expect(diff).toContainText('schedule.maxLr');
  await expect(diff).toContainText('0.003');
  await expect(diff).toContainText('0.01');
  await lab.screenshot('history-compare');

  // Charts as SVG and PNG: a standalone SVG with the curves and the legend's run names; a real PNG.
  const lossChart = cmp.getByTestId('cmp-chart-loss');
  const svg = readFileSync(await download(page, lossChart.getByRole('button', { name: /as SVG$/ })), 'utf8');
  expect(svg).toMatch(/^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('Run 1 · Adam max_lr 0.003 · batch 16');
  expect(svg).toContain('Run 2 · Adam max_lr 0.01 · batch 16');
  expect(svg.match(/<path[^>]*class="recharts-curve/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  expect(svg).not.toContain('var(--');
  const png = readFileSync(await download(page, lossChart.getByRole('button', { name: /as PNG$/ })));
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.readUInt32BE(16)).toBeGreaterThan(400); // width in pixels (IHDR)

  // Run A's metrics as CSV, its model in TF.js's format, its recipe as a PyTorch script.
  const actionsA = page.getByRole('row').filter({ hasText: /max_lr 0\.003/ });
  await actionsA.getByLabel(/^Actions for/).click();
  const csv = readFileSync(
    await download(page, actionsA.getByRole('button', { name: 'Epoch metrics (CSV)' })),
    'utf8',
  );
  const csvLines = csv.trim().split('\n');
  expect(csvLines).toHaveLength(EPOCHS + 1);
  expect(csvLines[0]).toMatch(/^epoch,global_step,train_loss,.*val_mae/);
  const valCol = csvLines[0]!.split(',').indexOf('val_mae');
  const csvMaes = csvLines.slice(1).map((l) => Number(l.split(',')[valCol]));
  expect(Math.min(...csvMaes).toFixed(4)).toBe(parseMetrics(runA.val)['MAE']!.toFixed(4));
  const modelFiles: string[] = [];
  const [d1, d2] = await Promise.all([
    page.waitForEvent('download'),
    page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.bin')),
    actionsA.getByRole('button', { name: 'Final model (TF.js format)' }).click(),
  ]);
  for (const d of [d1, d2]) {
    const path = resolve(SCREENSHOT_DIR, `history-${d.suggestedFilename()}`);
    await d.saveAs(path);
    modelFiles.push(path);
  }
  const modelJsonPath = modelFiles.find((f) => f.endsWith('.json'))!;
  const model = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[];
  };
  const bytes = model.weightsManifest[0]!.weights.reduce(
    (s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1),
    0,
  );
  expect(readFileSync(modelFiles.find((f) => f.endsWith('.bin'))!).length).toBe(bytes);
  const py = readFileSync(
    await download(page, actionsA.getByRole('button', { name: 'Export recipe as PyTorch' })),
    'utf8',
  );
  expect(py).toContain('OneCycleLR(');
  expect(py).toMatch(/max_lr=0\.003\b/);
  expect(py).toContain('clip_grad_norm_');
  expect(py).toContain('torchrun');
  await actionsA.getByLabel(/^Actions for/).click();

  // Export run A's bundle (with weights), import it in a fresh browser context, export it again.
  const first = await exportBundle(page, /max_lr 0\.003/, 'history-bundle.json');
  const fresh = await browser.newContext();
  try {
    const page2 = await fresh.newPage();
    await openLab(page2);
    await openRuns(page2);
    await expect(page2.getByText(/No runs yet/)).toBeVisible();
    await page2.getByLabel('Import run bundle').setInputFiles(resolve(SCREENSHOT_DIR, 'history-bundle.json'));
    await expect(page2.getByRole('status').filter({ hasText: /Imported/ })).toContainText('checkpoints');
    const rows2 = page2
      .getByRole('table', { name: 'Runs' })
      .getByRole('row')
      .filter({ has: page2.getByRole('checkbox') });
    await expect(rows2).toHaveCount(1);
    await expect(rows2.first()).toContainText('max_lr 0.003');
    const again = await exportBundle(page2, /max_lr 0\.003/, 'history-bundle-again.json');
    expect(canonical(again)).toEqual(canonical(first));
    await page2.screenshot({ path: resolve(SCREENSHOT_DIR, 'history-imported.png'), fullPage: true });
    // Rename it, then delete it (after a confirmation): the list is empty again, also after a reload.
    const row2 = rows2.first();
    await row2.getByRole('button', { name: /^Rename / }).click();
    await row2.getByLabel('Run name').fill('Imported baseline');
    await row2.getByLabel('Run name').press('Enter');
    await expect(row2).toContainText('Imported baseline');
    await row2.getByLabel(/^Actions for/).click();
    await row2.getByRole('button', { name: 'Delete…' }).click();
    await row2.getByRole('button', { name: 'Delete “Imported baseline” for good' }).click();
    await expect(page2.getByText(/No runs yet/)).toBeVisible();
    await page2.reload();
    await expect(page2.getByText(/No runs yet/)).toBeVisible();
  } finally {
    await fresh.close();
  }

  // Run C = run A's recipe, paused mid-epoch and cut off by a reload; resumed from the history.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Train CGCNN' }).click();
  await lab.recipePanel.getByLabel('max_lr').fill('0.003');
  await lab.recipePanel.getByLabel('max_lr').blur();
  await lab.trainingPanel.getByRole('button', { name: 'Start' }).click();
  // Pause in epoch 2 (epoch 1's checkpoint is stored): watched every 20 ms in the page, so the click
  // comes long before the run's 72 steps are done.
  await page.waitForFunction(
    () => Number(document.querySelector('[data-status]')?.getAttribute('data-steps') ?? 0) > 7,
    null,
    { polling: 20, timeout: 60_000 },
  );
  await lab.trainingPanel.getByRole('button', { name: 'Pause' }).click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'paused');
  lab = await openLab(page);
  const table3 = await openRuns(page);
  const rowC = table3.getByRole('row').filter({ hasText: 'interrupted' });
  await expect(rowC).toHaveCount(1);
  await rowC.getByRole('button', { name: /^Resume Run 3 .* from epoch \d/ }).click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(lab.trainingPanel.getByTestId('final-val')).toHaveText(runA.val);
  await expect(lab.trainingPanel.getByTestId('final-test')).toHaveText(runA.test);
  // Its curve holds every step once: the steps before the checkpoint from the history, then the rest.
  await openRuns(page);
  await expect(
    page
      .getByRole('table', { name: 'Runs' })
      .getByRole('row')
      .filter({ has: page.getByRole('checkbox') }),
  ).toHaveCount(3);
  await expect(
    page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: 'interrupted' }),
  ).toHaveCount(0);
  await lab.screenshot('history-resumed');
});
