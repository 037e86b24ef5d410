import { expect, test, type Page } from '@playwright/test';
import { LabPage, SCREENSHOT_DIR } from './pages/LabPage.ts';

/**
 * The dashboard as a teacher uses it, on WebGPU (SwiftShader: slow, so a small built-in set and a small
 * model set through the link): Start trains; the loss, lr, momentum and grad-norm charts gain points;
 * pause holds the step count, resume continues; the run ends with metrics, predictions and the Huber vs
 * MSE panel. (Main-thread long tasks are measured in smooth.spec.ts.)
 */
const recipe = {
  epochs: 4,
  batchSize: 16,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  logEvery: 2,
};

const CHARTS = ['chart-loss', 'chart-lr', 'chart-momentum', 'chart-grad'] as const;

async function chartPoints(page: Page): Promise<number[]> {
  return Promise.all(
    CHARTS.map(async (id) => Number(await page.getByTestId(id).getAttribute('data-points'))),
  );
}

test('training on WebGPU: live charts gain points, pause and resume, final metrics and predictions', async ({
  page,
}) => {
  test.setTimeout(360_000);
  const lab = new LabPage(page);
  await page.goto(`/?size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`);
  expect(await lab.waitForBackend()).toBe('webgpu');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });
  // The recipe from the link is in the form, and the preview plans 96 train rows / 16 = 6 steps × 4 epochs.
  await expect(lab.recipePanel.getByLabel('Epochs')).toHaveValue('4');
  await expect(lab.recipePanel.getByTestId('schedule-preview')).toHaveAttribute('data-total-steps', '24');

  const status = lab.trainingStatus;
  await lab.trainingPanel.getByRole('button', { name: 'Start' }).click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(lab.trainingPanel.getByTestId('training-recipe')).toContainText('batch 16');
  await expect
    .poll(async () => Number(await status.getAttribute('data-steps')), { timeout: 120_000 })
    .toBeGreaterThan(3);
  const charts = lab.chartsPanel;
  for (const name of [
    'Training loss per step',
    'Learning rate (planned and actual)',
    'Momentum / β₁ (planned and actual)',
    'Gradient norm before and after clipping',
  ]) {
    await expect(charts.getByRole('figure', { name })).toBeVisible();
  }
  const first = await chartPoints(page);
  expect(Math.min(...first)).toBeGreaterThan(0);
  await expect
    .poll(async () => Math.min(...(await chartPoints(page))), { timeout: 120_000 })
    .toBeGreaterThan(Math.max(...first));
  await expect(lab.trainingPanel.getByTestId('run-speed')).toContainText('crystals/s');

  await lab.trainingPanel.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-status', 'paused');
  const held = Number(await status.getAttribute('data-steps'));
  await page.waitForTimeout(2000);
  expect(Number(await status.getAttribute('data-steps'))).toBe(held);
  await lab.screenshot('training-paused');

  await lab.trainingPanel.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(lab.trainingPanel.getByTestId('final-metrics')).toBeVisible({ timeout: 240_000 });
  await expect(status).toHaveAttribute('data-status', 'done');
  await expect(status).toHaveAttribute('data-steps', '24');
  const val = (await lab.trainingPanel.getByTestId('final-val').textContent()) ?? '';
  const mae = Number(/MAE ([\d.e+-]+)/.exec(val)?.[1]);
  expect(Number.isFinite(mae) && mae > 0).toBe(true);
  await expect(lab.trainingPanel.getByRole('table', { name: 'Epochs' }).getByRole('row')).toHaveCount(5);
  await expect(lab.trainingPanel.getByTestId('weights-health')).toHaveAttribute('data-nonfinite', '0');

  // Predictions: parity plot of the 12 validation crystals, residual histogram, Huber vs MSE with residuals.
  const evaluation = lab.evaluationPanel;
  await expect(evaluation.getByTestId('parity-plot')).toHaveAttribute('data-points', '12');
  await expect(evaluation.getByRole('figure', { name: 'Residuals (predicted − true)' })).toBeVisible();
  await expect(evaluation.getByTestId('huber-mse')).toContainText('% of validation residuals lie beyond');
  await evaluation.getByRole('button', { name: 'Test' }).click();
  await expect(evaluation.getByTestId('parity-plot')).toHaveAttribute('data-points', '12');

  await lab.screenshot('training-done');
  // The README's picture of the lab (a visitor sees what it is before installing): the top of the page.
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOT_DIR}/readme-lab-training.png` });
  await page.setViewportSize({ width: 1280, height: 720 });
  await lab.panelScreenshots('training');
});
