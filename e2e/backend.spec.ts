import { expect, test } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

test('the lab loads and its worker initialises TF.js on WebGPU', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const lab = new LabPage(page);
  await lab.open();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Optimization lab');

  const backend = await lab.waitForBackend();
  await lab.screenshot('backend');
  expect(backend).toBe('webgpu');
  await expect(lab.backendBadge).toContainText('webgpu');

  // The worker ran a real kernel on the GPU backend and read back the known answer.
  await expect(lab.backendPanel.getByTestId('backend-selftest')).toContainText('-1.5, 3.5, -1.5, 12.5');
  // The adapter the browser gave WebGPU is named (SwiftShader in headless CI).
  await expect(lab.backendPanel.getByTestId('backend-adapter')).not.toBeEmpty();
  // COOP/COEP from the server reach the worker: threaded wasm is possible.
  await expect(lab.backendPanel.getByTestId('backend-isolated')).toContainText('yes');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  expect(errors).toEqual([]);
});

test('?backend=wasm runs the threaded-SIMD wasm backend (the page is cross-origin isolated)', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await page.goto('/?backend=wasm');
  expect(await lab.waitForBackend()).toBe('wasm');
  await expect(lab.backendPanel.getByTestId('backend-selftest')).toContainText('-1.5, 3.5, -1.5, 12.5');
  await expect(lab.backendPanel.getByTestId('backend-wasm')).toContainText('SIMD');
  await expect(lab.backendPanel.getByTestId('backend-wasm')).toContainText(/threads on \(pool of \d+\)/);
  await lab.screenshot('backend-wasm');
});
