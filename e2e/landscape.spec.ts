import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { LabPage, SCREENSHOT_DIR } from './pages/LabPage.ts';

/**
 * The loss landscape of the real model, on WebGPU (SwiftShader: slow, so a small built-in set, a small
 * model and small grids): after a short run, the Huber and MSE slices are computed side by side and
 * their centre equals the engine's own evaluation of the same rows; λ_max is estimated (finite
 * differences, power iteration) at the same loss; the 1-D line from the initial to the final weights
 * is computed; a job can be cancelled.
 */
const recipe = {
  epochs: 1,
  batchSize: 16,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 2,
};

test('Huber/MSE slices, sharpness and interpolation on WebGPU agree with the engine at the centre', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const lab = new LabPage(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/?size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`);
  expect(await lab.waitForBackend()).toBe('webgpu');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });
  const panel = page.getByRole('region', { name: 'Loss landscape of this model' });
  await expect(panel.getByText('Train a model first')).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Compute the slices' })).toBeDisabled();
  // SwiftShader computes ~1 s per forward pass of a few crystals: measure on 8 training rows.
  await panel.getByLabel('Training rows (0 = all)').fill('8');

  await lab.trainingPanel.getByRole('button', { name: 'Start' }).click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(panel.getByText('Train a model first')).toHaveCount(0);
  // Turning to the panel times one forward pass; the grid choices then carry estimates.
  await expect(panel.getByTestId('land-probe')).toHaveCount(0);
  await panel.getByTestId('land-grid').focus();
  await expect(panel.getByTestId('land-probe')).toContainText('ms', { timeout: 60_000 });
  await expect(panel.getByTestId('land-grid').locator('option').first()).toContainText('≈');

  // A cancelled job says so and leaves the panel usable.
  await panel.getByTestId('land-grid').selectOption('41');
  await panel.getByRole('button', { name: 'Compute the slices' }).click();
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByText('Cancelled.')).toBeVisible({ timeout: 60_000 });

  await panel.getByTestId('land-grid').selectOption('5');
  await panel.getByRole('button', { name: 'Compute the slices' }).click();
  const centre = panel.getByTestId('surface-centre');
  await expect(centre).toBeVisible({ timeout: 240_000 });
  const surfaceLoss = Number(await centre.getAttribute('data-centre'));
  const engineLoss = Number(await centre.getAttribute('data-engine'));
  expect(Number.isFinite(surfaceLoss) && surfaceLoss > 0).toBe(true);
  // Two code paths (the landscape's forward at α = β = 0 and the trainer's evaluation), float32 on the GPU.
  expect(Math.abs(surfaceLoss - engineLoss) / engineLoss).toBeLessThan(1e-4);
  await expect(panel.getByTestId('surface-huber')).toBeVisible();
  await expect(panel.getByTestId('surface-mse')).toBeVisible();

  await panel.getByLabel('Power iterations').fill('3');
  await panel.getByRole('button', { name: 'Estimate λ_max' }).click();
  const sharp = panel.getByTestId('sharpness-result');
  await expect(sharp).toBeVisible({ timeout: 240_000 });
  const lambda = Number(await sharp.getAttribute('data-lambda'));
  expect(Number.isFinite(lambda) && lambda > 0).toBe(true);
  const loss = Number(await sharp.getAttribute('data-loss'));
  expect(Math.abs(loss - engineLoss) / engineLoss).toBeLessThan(1e-4);
  await expect(panel.getByTestId('lambda-max')).toContainText('λ_max ≈');

  await panel.screenshot({ path: resolve(SCREENSHOT_DIR, 'landscape-panel.png') });
  expect(errors).toEqual([]);
});

test('λ_max tracked per epoch, and the 1-D interpolation between two runs (small vs large batch), on wasm', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const lab = new LabPage(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const small = { ...recipe, epochs: 3, batchSize: 8 };
  await page.goto(`/?size=120&backend=wasm&threads=0&recipe=${encodeURIComponent(JSON.stringify(small))}`);
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });
  const start = lab.trainingPanel.getByRole('button', { name: 'Start' });
  await start.click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const panel = page.getByRole('region', { name: 'Loss landscape of this model' });
  // λ_max after every epoch of the next run (3 epochs → 3 points).
  await panel.getByLabel('Track after every epoch').check();
  await lab.recipePanel.getByLabel('Batch size').fill('48');
  await start.click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(panel.getByTestId('sharpness-track')).toHaveAttribute('data-points', '3', { timeout: 60_000 });
  const from = panel.getByLabel('From (α = 0)');
  const options = await from.locator('option').allTextContents();
  expect(options.filter((o) => o.includes('batch 8'))).toHaveLength(1);
  expect(options.filter((o) => o.includes('batch 48'))).toHaveLength(1);
  await from.selectOption({ label: options.find((o) => o.includes('batch 8'))! });
  await panel.getByLabel('To (α = 1)').selectOption({ label: options.find((o) => o.includes('batch 48'))! });
  await panel.getByRole('button', { name: 'Compute the line' }).click();
  const res = panel.getByTestId('interp-result');
  await expect(res).toBeVisible({ timeout: 120_000 });
  await expect(res.getByRole('figure')).toHaveAttribute('data-points', '50');
  // Both ends are trained minima: the training loss at α = 0 and α = 1 is below the loss half-way out
  // beyond them (α = −0.5 and 1.5).
  const train = JSON.parse((await res.getAttribute('data-train')) ?? '[]') as number[];
  expect(train).toHaveLength(25);
  const at = (k: number) => train[k]!;
  expect(at(6)).toBeLessThan(at(0));
  expect(at(18)).toBeLessThan(at(24));
  await panel.screenshot({ path: resolve(SCREENSHOT_DIR, 'landscape-interpolation.png') });
  expect(errors).toEqual([]);
});
