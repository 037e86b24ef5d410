import { expect, test } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

/**
 * A forced blow-up on the GPU: SGD with momentum at a peak lr of 1e3, MSE, no clipping (the lab's own
 * recipe — Huber and clipping at 0.5 — survives lr 1e3 without a single non-finite step). The defence acts
 * (non-finite steps are caught, rolled back and the lr halved), the events are listed and marked on the
 * charts, and after the run every weight read back from the GPU is finite.
 */
const recipe = {
  epochs: 2,
  batchSize: 16,
  model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 },
  optimizer: { kind: 'SGD', momentum: 0.9 },
  schedule: { kind: 'onecycle', maxLr: 1000 },
  clip: { maxNorm: null },
  loss: { kind: 'mse' },
  logEvery: 2,
};

test('a forced blow-up (lr 1e3) on WebGPU: the NaN defence acts and the weights stay finite', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const lab = new LabPage(page);
  await page.goto(`/?size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`);
  expect(await lab.waitForBackend()).toBe('webgpu');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('120', { timeout: 60_000 });
  await expect(lab.recipePanel.getByTestId('recipe-max-lr')).toHaveValue('1000');
  await expect(lab.recipePanel.getByLabel('Clip the gradient norm')).not.toBeChecked();

  await lab.trainingPanel.getByRole('button', { name: 'Start' }).click();
  await expect(lab.trainingStatus).toHaveAttribute('data-status', 'done', { timeout: 240_000 });

  const nan = lab.trainingPanel.getByTestId('nan-events');
  await expect(nan).toBeVisible();
  const caught = Number(/(\d+) non-finite steps caught/.exec((await nan.textContent()) ?? '')?.[1]);
  expect(caught).toBeGreaterThan(0);
  await expect(nan.getByRole('listitem').first()).toContainText(
    /not finite → roll back and halve the lr \(restored step \d+, lr × 0\.\d+\)/,
  );
  // The events are marked on the loss chart's time axis.
  await expect(lab.chartsPanel.getByTestId('chart-loss').getByText('NaN', { exact: true })).toBeVisible();
  // And the model survived: every weight and BatchNorm buffer is finite.
  const health = lab.trainingPanel.getByTestId('weights-health');
  await expect(health).toHaveAttribute('data-nonfinite', '0');
  await expect(health).toContainText(/All [\d,]+ weights are finite/);
  await expect(lab.trainingPanel.getByTestId('final-metrics')).toBeVisible();
  await lab.screenshot('blowup-nan-defence');
  // Nothing failed to draw on the way (non-finite losses, predictions and residuals included).
  await expect(page.getByTestId('panel-error')).toHaveCount(0);
  expect(errors).toEqual([]);
  await lab.panelScreenshots('blowup');
});
