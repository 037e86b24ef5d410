import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { LabPage, SCREENSHOT_DIR } from './pages/LabPage.ts';

/**
 * Exact resume as a user meets it, on wasm (deterministic): run A trains uninterrupted; run B is
 * paused mid-epoch, saved as a checkpoint file, the page is reloaded (a fresh worker), and the file is
 * resumed. B's final metrics and last epochs equal A's to the digit: OneCycle continues exactly.
 */
const recipe = { epochs: 40, batchSize: 16, model: { atomFeaLen: 16, nConv: 2, hFeaLen: 32 }, logEvery: 2 };
const url = `/?backend=wasm&size=120&recipe=${encodeURIComponent(JSON.stringify(recipe))}`;

async function openLab(page: Page) {
  const lab = await LabPage.openWasm(page, url, 120);
  return { lab, training: lab.trainingPanel, status: lab.trainingStatus };
}

test('a run saved mid-epoch and resumed after a reload ends exactly like the uninterrupted run', async ({
  page,
}) => {
  test.setTimeout(300_000);
  // Run A, uninterrupted.
  let { training } = await openLab(page);
  await training.getByRole('button', { name: 'Start' }).click();
  await expect(training.getByTestId('final-metrics')).toBeVisible({ timeout: 120_000 });
  const finalA = await training.getByTestId('final-metrics').textContent();
  const epochsA = await training.getByRole('table', { name: 'Epochs' }).textContent();

  // Run B: pause in the middle of epoch 2, save a checkpoint.
  const opened = await openLab(page);
  training = opened.training;
  const { status, lab } = opened;
  await training.getByRole('button', { name: 'Start' }).click();
  await expect
    .poll(async () => Number(await status.getAttribute('data-steps')), { timeout: 60_000 })
    .toBeGreaterThan(9);
  await training.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-status', 'paused');
  await training.getByRole('button', { name: 'Save checkpoint' }).click();
  const link = training.getByRole('link', { name: /Download checkpoint/ });
  await expect(link).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = resolve(SCREENSHOT_DIR, 'resume-checkpoint.json');
  await download.saveAs(file);
  await lab.screenshot('resume-saved');

  // Reload: a new worker, nothing in memory. Resume from the file.
  const again = await openLab(page);
  await again.training.getByLabel('Resume from checkpoint file').setInputFiles(file);
  await expect(again.training.getByTestId('final-metrics')).toBeVisible({ timeout: 120_000 });
  expect(await again.training.getByTestId('final-metrics').textContent()).toBe(finalA);
  // The resumed run counts steps from the run's start, not from the checkpoint.
  await expect(again.status).toContainText('step 240/240');
  // The epochs after the checkpoint are the same rows as run A's.
  const epochsB = (await again.training.getByRole('table', { name: 'Epochs' }).textContent()) ?? '';
  expect(epochsA).toContain(epochsB.replace(/^Epoch.*?lr/, ''));
  await again.lab.screenshot('resume-finished');
});
