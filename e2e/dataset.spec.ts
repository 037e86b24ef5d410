import { expect, test } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabPage } from './pages/LabPage.ts';

const shared =
  process.env['LAB_SHARED_DIR'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');
const regression = resolve(shared, 'data', 'cgcnn-sample-regression');

test('the lab opens with the built-in teaching set, featurized in the worker', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText(/teaching set/i, { timeout: 60_000 });
  expect(await lab.datasetCount()).toBe(2000);
  // Said plainly: it is synthetic, and how the target is computed.
  await expect(lab.datasetPanel.getByTestId('dataset-description')).toContainText(/synthetic/i);
  await expect(lab.datasetPanel.getByTestId('dataset-description')).toContainText(/eV\/atom/);
  await expect(lab.datasetPanel.getByTestId('dataset-split')).toHaveText('1600 / 200 / 200');
  const elements = (await lab.datasetPanel.getByTestId('dataset-elements').textContent()) ?? '';
  expect(Number(elements.split(':')[0])).toBeGreaterThanOrEqual(30);
  await expect(lab.datasetPanel.getByRole('figure', { name: /Histogram of energy_per_atom/ })).toBeVisible();
  await lab.screenshot('dataset-builtin');
});

test('real data and bad data: a CGCNN folder loads; garbage and a truncated CIF are explained', async ({
  page,
}) => {
  test.skip(!existsSync(regression), `${regression} not found (fresh clone without ../shared)`);
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText(/teaching set/i, { timeout: 60_000 });

  // The CGCNN sample folder (id_prop.csv + 10 CIFs + atom_init.json), picked as files.
  const files = readdirSync(regression)
    .filter((f) => f !== 'PROVENANCE.md')
    .map((f) => resolve(regression, f));
  await lab.openDatasetFiles(files);
  await lab.waitForDatasetIdle();
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('10');
  await expect(lab.datasetPanel.getByTestId('dataset-rejected')).toHaveText('0');

  // Garbage bytes: a clear message, and the loaded dataset stays.
  await lab.openDatasetFiles([
    {
      name: 'garbage.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
    },
  ]);
  await lab.waitForDatasetIdle();
  await expect(lab.datasetPanel.getByRole('alert')).toContainText(/garbage\.bin/);
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('10');
  await lab.screenshot('dataset-garbage');

  // The same folder with one CIF cut in half: that row is rejected with its reason; the rest loads.
  const truncated = files.map((f) => {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const text = readFileSync(f);
    return {
      name,
      mimeType: 'text/plain',
      buffer: name === '1000041.cif' ? text.subarray(0, Math.floor(text.length / 2)) : text,
    };
  });
  await lab.openDatasetFiles(truncated);
  await lab.waitForDatasetIdle();
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('9');
  await expect(lab.datasetPanel.getByTestId('dataset-rejected')).toHaveText('1');
  await lab.datasetPanel.getByText(/Rejected items/).click();
  const table = lab.datasetPanel.getByRole('table', { name: 'Rejected items' });
  await expect(table).toContainText('1000041');
  await lab.screenshot('dataset-truncated');
});

test('a perovskite CSV with a CIF column loads, and another target can be chosen; mp-dielectric json.gz loads', async ({
  page,
}) => {
  const perov = resolve(shared, 'data', 'perov5-castelli', 'test.csv');
  const mp = resolve(shared, 'data', 'mp-dielectric', 'dielectric_constant.json.gz');
  test.skip(!existsSync(perov) || !existsSync(mp), 'needs ../shared/data (fresh clone without it)');
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText(/teaching set/i, { timeout: 60_000 });

  await lab.openDatasetFiles([perov]);
  await lab.waitForDatasetIdle();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('test.csv');
  expect(await lab.datasetCount()).toBe(3785);
  const target = lab.datasetPanel.getByLabel('Target');
  await expect(target).toHaveValue('heat_all');
  await target.selectOption('dir_gap');
  await lab.waitForDatasetIdle();
  await expect(target).toHaveValue('dir_gap');
  await expect(lab.datasetPanel.getByRole('figure', { name: 'Histogram of dir_gap' })).toBeVisible();
  expect(await lab.datasetCount()).toBe(3785);
  await lab.screenshot('dataset-perov5');

  await lab.openDatasetFiles([mp]);
  await lab.waitForDatasetIdle();
  expect(await lab.datasetCount()).toBe(1056);
  await expect(lab.datasetPanel.getByLabel('Target')).toHaveValue('band_gap');
});

test('dropping the CGCNN sample (zip, loose files), the perovskite CSV and the MP json.gz loads each', async ({
  page,
}) => {
  test.skip(!existsSync(regression), `${regression} not found (fresh clone without ../shared)`);
  const { zipSync } = await import('fflate');
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText(/teaching set/i, { timeout: 60_000 });
  const names = readdirSync(regression).filter((f) => f !== 'PROVENANCE.md');
  const zip = zipSync(
    Object.fromEntries(
      names.map((n) => [`cgcnn-sample/${n}`, new Uint8Array(readFileSync(resolve(regression, n)))]),
    ),
  );

  // A real drop event on the drop zone, its DataTransfer holding Files made from the bytes (base64 in transit).
  const drop = async (files: { name: string; bytes: Uint8Array | Buffer }[]) =>
    lab.datasetPanel.getByTestId('dataset-dropzone').evaluate(
      (el, fs) => {
        const dt = new DataTransfer();
        for (const f of fs) {
          const bin = atob(f.b64);
          const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], f.name));
        }
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') })),
    );

  await drop([{ name: 'cgcnn-sample.zip', bytes: zip }]);
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('cgcnn-sample.zip', {
    timeout: 30_000,
  });
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('10');
  await expect(lab.datasetPanel.getByText('cgcnn-zip')).toBeVisible();
  await lab.screenshot('dataset-dropped-zip');

  await drop(names.map((n) => ({ name: n, bytes: readFileSync(resolve(regression, n)) })));
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText(/id_prop\.csv \+ 11 files/, {
    timeout: 30_000,
  });
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('10');

  // The perovskite CSV and the Materials Project json.gz, dropped the same way.
  const perov = resolve(shared, 'data', 'perov5-castelli', 'test.csv');
  const mp = resolve(shared, 'data', 'mp-dielectric', 'dielectric_constant.json.gz');
  await drop([{ name: 'test.csv', bytes: readFileSync(perov) }]);
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('test.csv', { timeout: 60_000 });
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('3,785');
  await drop([{ name: 'dielectric_constant.json.gz', bytes: readFileSync(mp) }]);
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('dielectric_constant.json.gz', {
    timeout: 60_000,
  });
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('1,056');
});

test('the outlier filter previewed on the data: μ ± kσ band, the rows it would remove, each inspectable', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await page.goto('/?size=300');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('300', { timeout: 60_000 });
  // A clean teaching set: the default 4σ filter would remove none or almost none.
  const options = lab.datasetPanel.getByText('Teaching set options');
  await options.click();
  await lab.datasetPanel.getByLabel('Failed-DFT fraction').fill('0.02');
  await lab.datasetPanel.getByRole('button', { name: 'Generate' }).click();
  await lab.waitForDatasetIdle();
  expect(await lab.datasetCount()).toBe(300);
  await expect.poll(() => new URL(page.url()).searchParams.get('outliers')).toBe('0.02');
  await expect(lab.datasetPanel.getByTestId('outlier-band')).toContainText('keep');
  const rows = lab.datasetPanel.getByTestId('outlier-rows');
  // 2 % of 300 get +2,000 eV/atom; those in the training split (about 0.8 × 6) are flagged.
  const summary = (await rows.locator('summary').textContent()) ?? '';
  const flagged = Number(/remove: (\d+) of 240/.exec(summary)?.[1]);
  expect(flagged).toBeGreaterThanOrEqual(2);
  expect(flagged).toBeLessThanOrEqual(6);
  const table = lab.datasetPanel.getByRole('table', { name: 'Rows the outlier filter would remove' });
  await expect(table.getByRole('row')).toHaveCount(flagged + 1);
  await table.getByRole('button', { name: 'Inspect' }).first().click();
  const detail = lab.datasetPanel.getByTestId('outlier-detail');
  await expect(detail).toContainText('Black swan or DFT failure?');
  await expect(detail).toContainText(/almost certainly a failed calculation/);
  // A looser k in the recipe moves the band and the list with it.
  await lab.recipePanel.getByTestId('recipe-outlier-k').fill('1000');
  await expect(rows.locator('summary')).toContainText('remove: 0 of 240');
  await lab.screenshot('dataset-outliers');
});

test('load from URL: a CORS-enabled link loads; a failing one is explained and the data stays', async ({
  page,
}) => {
  const perov = resolve(shared, 'data', 'perov5-castelli', 'test.csv');
  test.skip(!existsSync(perov), 'needs ../shared/data (fresh clone without it)');
  // A data server elsewhere, as a user would link to (served by Playwright, with CORS headers).
  await page.route('https://data.example.org/**', async (route) => {
    const url = route.request().url();
    if (url.endsWith('/perov5/test.csv')) {
      await route.fulfill({
        status: 200,
        headers: { 'access-control-allow-origin': '*', 'content-type': 'text/csv' },
        body: readFileSync(perov),
      });
    } else {
      await route.fulfill({ status: 404, headers: { 'access-control-allow-origin': '*' }, body: 'not here' });
    }
  });
  const lab = new LabPage(page);
  await page.goto('/?size=60');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('60', { timeout: 60_000 });
  const field = lab.datasetPanel.getByLabel('Load from URL');
  await field.fill('https://data.example.org/missing.zip');
  await lab.datasetPanel.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(lab.datasetPanel.getByTestId('dataset-error')).toContainText('the server answered 404');
  await expect(lab.datasetPanel.getByTestId('dataset-error')).toContainText(
    'Still using Built-in teaching set',
  );
  expect(await lab.datasetCount()).toBe(60);

  await field.fill('https://data.example.org/perov5/test.csv');
  await lab.datasetPanel.getByRole('button', { name: 'Load', exact: true }).click();
  await lab.waitForDatasetIdle();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('test.csv', { timeout: 60_000 });
  expect(await lab.datasetCount()).toBe(3785);
  // The link is the dataset choice in the address: a copied URL reloads it.
  await expect
    .poll(() => new URL(page.url()).searchParams.get('data'))
    .toBe('https://data.example.org/perov5/test.csv');
  await page.reload();
  await expect(lab.datasetPanel.getByTestId('dataset-name')).toHaveText('test.csv', { timeout: 60_000 });
  expect(await lab.datasetCount()).toBe(3785);
});
