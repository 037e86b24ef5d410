import { expect, test } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

/**
 * Training in the lab worker on WebGPU (SwiftShader: slow, so a small built-in set and a small model).
 * The charts gain points, pause holds the step count, resume continues, and the run ends with metrics.
 */
const recipe = {
  epochs: 3,
  batchSize: 16,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 2,
};

test('training on WebGPU: live charts, pause and resume, final metrics', async ({ page }) => {
  test.setTimeout(300_000);
  const lab = new LabPage(page);
  await page.goto(`/?size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`);
  expect(await lab.waitForBackend()).toBe('webgpu');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });

  const training = page.getByRole('region', { name: 'Training' });
  const status = training.getByRole('status', { name: 'Training status' });
  await training.getByRole('button', { name: 'Start' }).click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(training.getByTestId('training-recipe')).toContainText('batch 16');
  await expect
    .poll(async () => Number(await status.getAttribute('data-steps')), { timeout: 120_000 })
    .toBeGreaterThan(3);
  await expect(training.getByRole('figure', { name: 'Training loss per step' })).toBeVisible();
  await expect(training.getByRole('figure', { name: 'Learning rate (planned and actual)' })).toBeVisible();

  await training.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-status', 'paused');
  const held = Number(await status.getAttribute('data-steps'));
  await page.waitForTimeout(2000);
  expect(Number(await status.getAttribute('data-steps'))).toBe(held);
  await lab.screenshot('training-paused');

  await training.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(training.getByTestId('final-metrics')).toBeVisible({ timeout: 240_000 });
  await expect(status).toHaveAttribute('data-status', 'done');
  const val = (await training.getByTestId('final-val').textContent()) ?? '';
  const mae = Number(/MAE ([\d.e+-]+)/.exec(val)?.[1]);
  expect(Number.isFinite(mae) && mae > 0).toBe(true);
  await expect(training.getByRole('table', { name: 'Epochs' }).getByRole('row')).toHaveCount(4);
  await lab.screenshot('training-done');
});
