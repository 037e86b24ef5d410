import { expect, test } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

/**
 * The set-up lives in the address: a recipe edited in the form (and the language, theme, dataset size)
 * is written to the URL, and opening that URL elsewhere reproduces it. A bad value is explained and
 * Start is refused; the UI speaks English, 繁體中文 and 简体中文; light and dark themes.
 */
test('the recipe and the set-up travel in the URL; bad values are explained', async ({ page, context }) => {
  const lab = new LabPage(page);
  await page.goto('/?size=60');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('60', { timeout: 60_000 });
  const recipe = lab.recipePanel;
  // 48 training rows, batch 64: one step per epoch; the default 30 epochs plan 30 steps.
  await expect(recipe.getByTestId('schedule-preview')).toHaveAttribute('data-total-steps', '30');

  await recipe.getByLabel('Epochs').fill('7');
  await recipe.getByLabel('max_lr').fill('0.01');
  await recipe.getByLabel('Loss', { exact: true }).selectOption('mse');
  await recipe.getByLabel('Batch size').fill('16');
  await expect(recipe.getByTestId('schedule-preview')).toHaveAttribute('data-total-steps', '21');
  await expect.poll(() => new URL(page.url()).searchParams.get('recipe')).not.toBeNull();
  const link = new URL(page.url());
  const sent = JSON.parse(link.searchParams.get('recipe') ?? '{}') as Record<string, unknown>;
  expect(sent['epochs']).toBe(7);
  expect(sent['batchSize']).toBe(16);
  expect(sent['loss']).toEqual({ kind: 'mse' });
  expect(link.searchParams.get('size')).toBe('60');

  // The link, opened in another tab, reproduces the set-up.
  const other = await context.newPage();
  const lab2 = new LabPage(other);
  await other.goto(link.pathname + link.search);
  await expect(lab2.datasetPanel.getByTestId('dataset-count')).toHaveText('60', { timeout: 60_000 });
  await expect(lab2.recipePanel.getByLabel('Epochs')).toHaveValue('7');
  await expect(lab2.recipePanel.getByLabel('max_lr')).toHaveValue('0.01');
  await expect(lab2.recipePanel.getByLabel('Loss', { exact: true })).toHaveValue('mse');
  await expect(lab2.recipePanel.getByTestId('schedule-preview')).toHaveAttribute('data-total-steps', '21');
  await other.close();

  // Bad values: not a number, and a number the recipe refuses. Start is refused until fixed.
  await recipe.getByLabel('Epochs').fill('abc');
  await expect(recipe.getByText('Not a valid number.')).toBeVisible();
  await recipe.getByLabel('Epochs').fill('0');
  await expect(recipe.getByTestId('recipe-error')).toContainText('epochs must be a whole number ≥ 1');
  await expect(lab.trainingPanel.getByRole('button', { name: 'Start' })).toBeDisabled();
  await expect(lab.trainingStatus).toHaveText('Fix the recipe to start.');
  await recipe.getByLabel('Epochs').fill('3');
  await expect(recipe.getByTestId('recipe-error')).toHaveCount(0);
  await expect(lab.trainingPanel.getByRole('button', { name: 'Start' })).toBeEnabled();
  await lab.screenshot('setup-recipe');
});

test('English, 繁體中文 and 简体中文; light and dark themes; keyboard reaches the controls', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await page.goto('/?size=60');
  await expect(lab.datasetPanel.getByTestId('dataset-count')).toHaveText('60', { timeout: 60_000 });
  const language = page.getByRole('combobox', { name: 'Language' });

  await language.selectOption('zh-Hant');
  await expect(page.getByRole('heading', { name: '訓練配方' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '資料集' })).toBeVisible();
  await expect(page.getByRole('button', { name: '開始' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hant');
  await expect.poll(() => new URL(page.url()).searchParams.get('lang')).toBe('zh-Hant');
  await lab.screenshot('lang-zh-Hant');

  await page.getByRole('combobox', { name: '語言' }).selectOption('zh-Hans');
  await expect(page.getByRole('heading', { name: '训练配方' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '数据集' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
  // The language survives a reload (it is in the address).
  await page.reload();
  await expect(page.getByRole('heading', { name: '训练配方' })).toBeVisible({ timeout: 60_000 });
  await lab.screenshot('lang-zh-Hans');

  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(page.getByRole('heading', { name: 'Recipe' })).toBeVisible();

  // Dark theme: the page's background really changes, and it is in the address.
  const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const light = await bg();
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await bg()).not.toBe(light);
  await expect.poll(() => new URL(page.url()).searchParams.get('theme')).toBe('dark');
  await lab.screenshot('theme-dark');
  await page.getByRole('button', { name: 'Light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  // Keyboard: Tab from the top reaches the recipe's first control and the Start button.
  await page.locator('body').focus();
  const reached = new Set<string>();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    reached.add(
      await page.evaluate(() => {
        const el = document.activeElement;
        return el ? (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() || el.id : '';
      }),
    );
  }
  expect([...reached]).toContain('Start');
  // Every form control on the page has an accessible name.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, button, textarea')]
      .filter((el) => {
        const e = el as HTMLInputElement;
        const label = e.labels && e.labels.length > 0;
        return !label && !e.getAttribute('aria-label') && !(e.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);
});
