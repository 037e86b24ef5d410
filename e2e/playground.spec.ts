import { expect, test, type Page } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

/**
 * The 2-D playground as a student meets it: pick a surface, read the curvature under the cursor, click
 * a start, race optimizers with play/pause/step, use the lr presets, type an expression (and a wrong
 * one), and switch the language.
 */

async function finalOf(page: Page, i: number): Promise<{ x: number; y: number; f: number; reached: string }> {
  const row = page.getByTestId('pg-runs').locator('tbody tr').nth(i);
  return {
    x: Number(await row.getAttribute('data-final-x')),
    y: Number(await row.getAttribute('data-final-y')),
    f: Number(await row.getAttribute('data-final-f')),
    reached: (await row.getAttribute('data-reached')) ?? '',
  };
}

test('surfaces, the Hessian under the cursor, starts, play/pause/step and presets', async ({ page }) => {
  const lab = new LabPage(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=playground&size=60');
  await expect(
    page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: '2-D playground' }),
  ).toHaveAttribute('aria-current', 'page');
  const pg = page.getByTestId('playground');
  await expect(pg.getByTestId('pg-formula')).toContainText('0.1');

  // The saddle x² − y²: hovering the origin reads a saddle with eigenvalues 2 and −2.
  await pg.getByLabel('Surface').selectOption('saddle');
  await expect(pg.getByTestId('pg-formula')).toContainText('x^2 - y^2');
  const map = pg.getByTestId('contour-map');
  const box = await map.boundingBox();
  if (box === null) throw new Error('the map is not on the page');
  // The saddle's window is symmetric about the origin: its centre is (0, 0).
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(pg.getByTestId('pg-probe')).toContainText('λ₁ = 2.000, λ₂ = -2.000');
  await expect(pg.getByTestId('pg-curvature')).toHaveText('up one way, down the other (a saddle)');
  // The keyboard moves the probe too, and Enter sets the start there.
  await map.focus();
  await page.keyboard.press('ArrowRight');
  await expect(pg.getByTestId('pg-probe')).toContainText('(x, y) = (');
  await page.keyboard.press('Enter');
  const startX = Number(await pg.getByLabel('Start x').inputValue());
  expect(startX).toBeGreaterThan(0);

  // A click sets the start; the table's paths then begin there.
  const canvas = map.locator('canvas');
  const size = await canvas.boundingBox();
  if (size === null) throw new Error('no canvas');
  await canvas.click({ position: { x: size.width * 0.75, y: size.height * 0.5 } });
  await expect.poll(async () => Number(await pg.getByLabel('Start x').inputValue())).toBeGreaterThan(0.3);
  // (one pixel is 6/380 ≈ 0.016 in y)
  expect(Math.abs(Number(await pg.getByLabel('Start y').inputValue()))).toBeLessThan(0.1);

  // Play from the start: the step counter moves; pause holds it; a single step adds one.
  await pg.getByRole('button', { name: 'Back to start' }).click();
  await expect(pg.getByTestId('pg-step')).toHaveText('0 / 100');
  await pg.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(async () => Number(((await pg.getByTestId('pg-step').textContent()) ?? '0').split('/')[0]))
    .toBeGreaterThan(3);
  await pg.getByRole('button', { name: 'Pause' }).click();
  const held = Number(((await pg.getByTestId('pg-step').textContent()) ?? '0').split('/')[0]);
  await page.waitForTimeout(400);
  expect(Number(((await pg.getByTestId('pg-step').textContent()) ?? '0').split('/')[0])).toBe(held);
  await pg.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(pg.getByTestId('pg-step')).toHaveText(`${held + 1} / 100`);
  await pg.getByRole('button', { name: 'Show all steps' }).click();
  await expect(pg.getByTestId('pg-step')).toHaveText('100 / 100');
  await expect(pg.getByTestId('pg-loss-chart')).toHaveAttribute('data-points', '202');

  // The ill-conditioned quadratic: the lr presets for SGD — too small does not reach the minimum,
  // "about right" does, too large blows up or ends worse.
  await pg.getByLabel('Surface').selectOption('ill_conditioned_quadratic');
  const firstRun = pg.locator('fieldset.pg-run').first();
  await firstRun.getByRole('button', { name: 'too small' }).click();
  const small = await finalOf(page, 0);
  await firstRun.getByRole('button', { name: 'about right' }).click();
  const right = await finalOf(page, 0);
  await firstRun.getByRole('button', { name: 'too large' }).click();
  const large = await finalOf(page, 0);
  expect(small.reached).toBe('');
  expect(right.reached).not.toBe('');
  expect(right.f).toBeLessThan(small.f);
  expect(!Number.isFinite(large.f) || large.f > right.f).toBe(true);

  // Add an optimizer: a third row appears with its own colour.
  await pg.getByLabel('New optimizer').selectOption('Adam');
  await pg.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(pg.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(3);
  await expect(pg.getByTestId('pg-runs').locator('tbody tr').nth(2)).toHaveAttribute('data-run', 'Adam');

  await lab.screenshot('playground');

  // The set-up is in the link: another tab opened on it shows the same surface, runs and paths.
  await expect.poll(() => new URL(page.url()).searchParams.get('pg')).toContain('Adam');
  const finals = await Promise.all([0, 1, 2].map((i) => finalOf(page, i)));
  const other = await page.context().newPage();
  await other.goto(page.url());
  const pg2 = other.getByTestId('playground');
  await expect(pg2.getByLabel('Surface')).toHaveValue('ill_conditioned_quadratic');
  await expect(pg2.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(3);
  expect(await Promise.all([0, 1, 2].map((i) => finalOf(other, i)))).toEqual(finals);
  await other.close();

  // The lessons borrow the playground for their figures; the person's own set-up comes back after.
  const views = page.getByRole('navigation', { name: 'Views' });
  await views.getByRole('link', { name: 'Lessons' }).click();
  await expect(page.getByTestId('lesson')).toBeVisible();
  await views.getByRole('link', { name: '2-D playground' }).click();
  await expect(pg.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(3);
  expect(await Promise.all([0, 1, 2].map((i) => finalOf(page, i)))).toEqual(finals);
  expect(errors).toEqual([]);
});

test('a typed expression is drawn and differentiated; a wrong one is explained and the map stays', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=playground&size=60');
  const pg = page.getByTestId('playground');
  await pg.getByLabel('Surface').selectOption('custom');
  const input = pg.getByLabel('f(x, y) =');
  await input.fill('x^2 + 2*y^2');
  await expect(pg.getByTestId('pg-formula')).toContainText('f(x,y) =');
  // The only critical point is the minimum at the origin; SGD reaches it.
  await expect.poll(async () => (await finalOf(page, 0)).reached).not.toBe('');
  const box = await pg.getByTestId('contour-map').boundingBox();
  if (box === null) throw new Error('no map');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(pg.getByTestId('pg-probe')).toContainText('λ₁ = 4.000, λ₂ = 2.000');
  await expect(pg.getByTestId('pg-curvature')).toHaveText('curves up both ways (like a minimum)');

  await input.fill('x^2 + (y');
  await expect(pg.getByTestId('pg-expr-error')).toBeVisible();
  await expect(pg.getByTestId('pg-expr-error')).toContainText('Character');
  // The last good surface stays drawn.
  await expect(pg.getByTestId('contour-map')).toBeVisible();
  await input.fill('foo(x) + y');
  await expect(pg.getByTestId('pg-expr-error')).toContainText('foo');
  await input.fill('sin(x) * cos(y)');
  await expect(pg.getByTestId('pg-expr-error')).toHaveCount(0);
  await expect(pg.getByTestId('pg-formula')).toContainText('sin');
  // In Chinese the same mistake is explained in Chinese.
  await page.getByLabel('Language').selectOption('zh-Hant');
  await pg.getByLabel('f(x, y) =').fill('foo(x) + y');
  await expect(pg.getByTestId('pg-expr-error')).toContainText('未知的函數「foo」');
  expect(errors).toEqual([]);
});
