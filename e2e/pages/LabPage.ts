import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Screenshots land in e2e/screenshots/ (git-ignored) so a person can look at what the tests saw. */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

/** The lab page as a user meets it: roles and labels, not CSS internals. */
export class LabPage {
  readonly backendBadge: Locator;
  readonly backendPanel: Locator;
  readonly datasetPanel: Locator;
  readonly recipePanel: Locator;
  readonly trainingPanel: Locator;
  readonly trainingStatus: Locator;
  readonly chartsPanel: Locator;
  readonly evaluationPanel: Locator;

  constructor(readonly page: Page) {
    this.backendBadge = page.getByRole('status', { name: 'TF.js backend' });
    this.backendPanel = page.getByRole('region', { name: 'Compute backend' });
    this.datasetPanel = page.getByRole('region', { name: 'Dataset' });
    this.recipePanel = page.getByRole('region', { name: 'Recipe' });
    this.trainingPanel = page.getByRole('region', { name: 'Training' });
    this.trainingStatus = this.trainingPanel.getByRole('status', { name: 'Training status' });
    this.chartsPanel = page.getByRole('region', { name: 'Live charts' });
    this.evaluationPanel = page.getByRole('region', { name: 'Predictions' });
  }

  async open(): Promise<void> {
    await this.page.goto('/');
  }

  /**
   * Opens `url` on the wasm backend (deterministic, for exact comparisons) and waits until the built-in
   * set of `count` crystals is loaded.
   */
  static async openWasm(page: Page, url: string, count: number): Promise<LabPage> {
    const lab = new LabPage(page);
    await page.goto(url);
    expect(await lab.waitForBackend()).toBe('wasm');
    await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText(String(count), {
      timeout: 60_000,
    });
    return lab;
  }

  /** Waits until the worker has reported its backend (or failed), and returns the panel's backend name. */
  async waitForBackend(): Promise<string> {
    await this.backendBadge.and(this.page.locator('[data-phase="ready"], [data-phase="failed"]')).waitFor();
    return (await this.backendPanel.getByTestId('backend-name').textContent()) ?? '';
  }

  /** Picks files (or a folder's files) with the dataset panel's file input, as a user would. */
  async openDatasetFiles(
    paths: string[] | { name: string; mimeType: string; buffer: Buffer }[],
  ): Promise<void> {
    await this.datasetPanel.getByLabel('Open dataset files').setInputFiles(paths);
  }

  /** Waits until no dataset load is in flight. */
  async waitForDatasetIdle(): Promise<void> {
    await this.datasetPanel.getByTestId('dataset-progress').waitFor({ state: 'detached' });
  }

  async datasetCount(): Promise<number> {
    const text = (await this.datasetPanel.getByTestId('dataset-count').textContent()) ?? '';
    return Number(text.replace(/,/g, ''));
  }

  /** One screenshot per panel that is on the page, named `<prefix>-<panel>.png`. */
  async panelScreenshots(prefix: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const panels: [string, Locator][] = [
      ['recipe', this.recipePanel],
      ['dataset', this.datasetPanel],
      ['backend', this.backendPanel],
      ['training', this.trainingPanel],
      ['charts', this.chartsPanel],
      ['predictions', this.evaluationPanel],
    ];
    for (const [name, loc] of panels) {
      if ((await loc.count()) === 0) continue;
      await loc.screenshot({ path: resolve(SCREENSHOT_DIR, `${prefix}-${name}.png`) });
    }
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = resolve(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}
