import { expect, test, type Locator, type Page } from '@playwright/test';
import { LabPage } from './pages/LabPage.ts';

/**
 * Every lesson's "try this" button, driven as a student would, and the figure checked to change as the
 * lesson says (numbers read from the page's table and readouts). Then presentation mode (large type,
 * keyboard navigation) and the lessons in Chinese with their maths rendered as MathML.
 */

interface RunRow {
  kind: string;
  x: number;
  y: number;
  f: number;
  reached: number | null;
  diverged: number | null;
  near: string;
  notes: string;
}

async function runs(page: Page): Promise<RunRow[]> {
  const rows = page.getByTestId('pg-runs').locator('tbody tr');
  const out: RunRow[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const r = rows.nth(i);
    const num = async (a: string) => {
      const v = (await r.getAttribute(a)) ?? '';
      return v === '' ? null : Number(v);
    };
    out.push({
      kind: (await r.getAttribute('data-run')) ?? '',
      x: Number(await r.getAttribute('data-final-x')),
      y: Number(await r.getAttribute('data-final-y')),
      f: Number(await r.getAttribute('data-final-f')),
      reached: await num('data-reached'),
      diverged: await num('data-diverged'),
      near: (await r.getAttribute('data-near')) ?? '',
      notes: (await r.locator('td').last().textContent()) ?? '',
    });
  }
  return out;
}

async function openLesson(page: Page, title: string): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Lessons' }).getByRole('link', { name: title }).click();
  const lesson = page.getByTestId('lesson');
  await expect(lesson.getByRole('heading', { level: 2 })).toContainText(title);
  await expect(lesson).toHaveAttribute('data-tried', 'false');
  return lesson;
}

async function tryIt(_page: Page, lesson: Locator): Promise<void> {
  await lesson.getByTestId('try-this').click();
  await expect(lesson).toHaveAttribute('data-tried', 'true');
  await expect(lesson.getByTestId('lesson-expect')).toBeVisible();
}

test('each lesson\u2019s "try this" sets its figure up and the figure changes as described', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const lab = new LabPage(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?view=lessons&size=60');
  const titles = await page.getByRole('navigation', { name: 'Lessons' }).getByRole('link').allTextContents();
  expect(titles).toHaveLength(12);
  // Every lesson has maths rendered as MathML.
  await expect(page.getByTestId('lesson').locator('math').first()).toBeVisible();

  // 1. Non-convexity: four starts on Himmelblau → four different minima.
  let lesson = await openLesson(page, titles[0]!);
  expect(await runs(page)).toHaveLength(1);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(4);
  let r = await runs(page);
  expect(new Set(r.map((x) => `${x.x.toFixed(2)},${x.y.toFixed(2)}`)).size).toBe(4);
  for (const x of r) {
    expect(x.reached).not.toBeNull();
    expect(x.f).toBeLessThan(1e-6);
  }
  await lab.screenshot('lesson-nonconvex');

  // 2. Saddle points: plain GD stays at the saddle; the noisy path leaves it.
  lesson = await openLesson(page, titles[1]!);
  r = await runs(page);
  expect(r.map((x) => x.near)).toEqual(['saddle', 'saddle']);
  await tryIt(page, lesson);
  await expect.poll(async () => Math.abs((await runs(page))[1]!.y)).toBeGreaterThan(3);
  r = await runs(page);
  expect(r[0]!.near).toBe('saddle');
  expect(r[0]!.y).toBe(0);
  expect(r[1]!.near).toBe('');
  // Hovering the saddle point reads the saddle's curvature.
  const canvas = page.getByTestId('contour-map').locator('canvas');
  const size = await canvas.boundingBox();
  if (size === null) throw new Error('no map');
  await canvas.hover({ position: { x: size.width / 2, y: size.height / 2 } });
  await expect(page.getByTestId('pg-curvature')).toContainText('saddle');
  await lab.screenshot('lesson-saddles');

  // 3. Flat vs sharp: the large lr leaves the sharp well for the flat one.
  lesson = await openLesson(page, titles[2]!);
  expect((await runs(page))[0]!.x).toBeCloseTo(1, 1);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(2);
  r = await runs(page);
  expect(r[0]!.x).toBeCloseTo(1, 1);
  expect(r[1]!.x).toBeLessThan(-1.3);

  // 4. GD vs SGD vs mini-batch: the noisier the gradient, the farther from the minimum.
  lesson = await openLesson(page, titles[3]!);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(3);
  r = await runs(page);
  expect(r[0]!.f).toBeLessThan(r[1]!.f);
  expect(r[1]!.f).toBeLessThan(r[2]!.f);

  // 5. Learning rate: too small barely moves, right reaches the minimum, too large blows up.
  lesson = await openLesson(page, titles[4]!);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(3);
  r = await runs(page);
  expect(r[0]!.reached).toBeNull();
  expect(r[1]!.reached).not.toBeNull();
  expect(r[2]!.diverged).not.toBeNull();
  await expect(page.getByTestId('pg-runs').locator('tbody tr').nth(2)).toContainText('blew up at step');
  await lab.screenshot('lesson-learning-rate');

  // 6. Momentum reaches the minimum of the ill-conditioned quadratic in fewer steps than SGD.
  lesson = await openLesson(page, titles[5]!);
  expect(await runs(page)).toHaveLength(1);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(2);
  r = await runs(page);
  expect(r[1]!.kind).toBe('Momentum');
  expect(r[0]!.reached).not.toBeNull();
  expect(r[1]!.reached).not.toBeNull();
  expect(r[1]!.reached!).toBeLessThan(r[0]!.reached!);

  // 7. Adaptive methods: all three reach the minimum, faster than SGD.
  lesson = await openLesson(page, titles[6]!);
  await tryIt(page, lesson);
  await expect(page.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(4);
  r = await runs(page);
  expect(r.map((x) => x.kind)).toEqual(['SGD', 'Adagrad', 'RMSprop', 'Adam']);
  for (const x of r.slice(1)) expect(x.reached!).toBeLessThan(r[0]!.reached!);

  // 8. OneCycle: "super-convergence" raises the peak from 0.01 to 1 at step 29; momentum is 0.85 there.
  lesson = await openLesson(page, titles[7]!);
  const oc = page.getByTestId('onecycle-figure');
  await expect(oc).toHaveAttribute('data-peak', '0.01');
  await tryIt(page, lesson);
  await expect(oc).toHaveAttribute('data-peak', '1');
  await expect(oc).toHaveAttribute('data-peak-step', '29');
  await expect(page.getByTestId('onecycle-readout')).toContainText(
    'peaks at 1 at step 29 (momentum 0.850 there)',
  );
  await expect(page.getByTestId('onecycle-readout')).toContainText('Starts at 0.04');

  // 9. Clipping: the unclipped path blows up; clipped, it stays finite and goes down.
  lesson = await openLesson(page, titles[8]!);
  expect((await runs(page))[0]!.diverged).not.toBeNull();
  await tryIt(page, lesson);
  await expect.poll(async () => (await runs(page))[0]!.diverged).toBeNull();
  r = await runs(page);
  expect(r[0]!.notes).toMatch(/\d+ steps clipped/);
  expect(Number.isFinite(r[0]!.f)).toBe(true);

  // 10. Huber: one black-swan residual takes most of MSE's gradient, little of Huber's.
  lesson = await openLesson(page, titles[9]!);
  const huberTable = page.getByTestId('huber-table');
  const share = async (kind: string) =>
    Number(await huberTable.locator(`tr[data-kind="${kind}"]`).getAttribute('data-share'));
  const mse0 = await share('mse');
  await tryIt(page, lesson);
  await expect.poll(() => share('mse')).toBeGreaterThan(0.5);
  expect(await share('mse')).toBeGreaterThan(mse0);
  expect(await share('huber')).toBeLessThan(0.25);

  // 11. Outliers: 25 failed rows; mean ± 3σ keeps some (masking), median ± 3·MAD removes all 25.
  lesson = await openLesson(page, titles[10]!);
  await tryIt(page, lesson);
  const ot = page.getByTestId('outlier-table');
  await expect(ot.locator('tr[data-method="mad"]')).toHaveAttribute('data-removed-bad', '25');
  expect(Number(await ot.locator('tr[data-method="sigma"]').getAttribute('data-removed-bad'))).toBeLessThan(
    25,
  );
  await lab.screenshot('lesson-outliers');

  // 12. NaN defence: log of a negative x → NaN at step 1; the guard refuses it and the path converges.
  lesson = await openLesson(page, titles[11]!);
  expect((await runs(page))[0]!.diverged).toBe(1);
  await tryIt(page, lesson);
  await expect.poll(async () => (await runs(page))[0]!.diverged).toBeNull();
  r = await runs(page);
  expect(r[0]!.notes).toContain('guard refused 1 steps');
  expect(r[0]!.reached).not.toBeNull();
  expect(r[0]!.x).toBeCloseTo(1, 4);

  expect(errors).toEqual([]);
});

test('presentation mode: one lesson per screen in large type, keyboard navigation, Esc leaves', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await page.goto('/?view=lessons&lesson=momentum&size=60');
  // "Try this" before presenting: the presentation shows the figure as it was left.
  await page.getByTestId('try-this').click();
  await page.getByRole('button', { name: /Present/ }).click();
  const pres = page.getByRole('dialog', { name: 'Presentation' });
  await expect(pres).toBeVisible();
  await expect(pres.getByTestId('lesson')).toHaveAttribute('data-tried', 'true');
  await expect(pres.getByTestId('pg-runs').locator('tbody tr')).toHaveCount(2);
  await expect(pres.getByTestId('presentation-position')).toHaveText('6 / 12');
  expect(new URL(page.url()).searchParams.get('present')).toBe('1');
  // Large type: the lesson heading is at least 30 px.
  const size = await pres
    .getByRole('heading', { level: 2 })
    .evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  expect(size).toBeGreaterThanOrEqual(30);
  await page.keyboard.press('ArrowRight');
  await expect(pres.getByTestId('presentation-position')).toHaveText('7 / 12');
  await expect(pres.getByTestId('lesson')).toHaveAttribute('data-lesson', 'adaptive');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(pres.getByTestId('presentation-position')).toHaveText('5 / 12');
  await page.keyboard.press('End');
  await expect(pres.getByTestId('presentation-position')).toHaveText('12 / 12');
  // "Try this" works in the presentation too.
  await pres.getByTestId('try-this').click();
  await expect(pres.getByTestId('lesson-expect')).toBeVisible();
  await page.keyboard.press('Home');
  await expect(pres.getByTestId('presentation-position')).toHaveText('1 / 12');
  await lab.screenshot('lesson-presentation');
  await page.keyboard.press('Escape');
  await expect(pres).toHaveCount(0);
  await expect(page.getByTestId('lesson')).toHaveAttribute('data-lesson', 'nonconvex');
});

test('the lessons in 繁體中文 and 简体中文, with the same maths', async ({ page }) => {
  const lab = new LabPage(page);
  await page.goto('/?view=lessons&lesson=saddles&lang=zh-Hant&size=60');
  const lesson = page.getByTestId('lesson');
  await expect(lesson.getByRole('heading', { level: 2 })).toContainText('鞍點');
  await lesson.getByTestId('try-this').click();
  await expect(lesson.getByTestId('lesson-expect')).toContainText(/[\u4e00-\u9fff]/);
  const mathHant = await lesson.locator('math').count();
  expect(mathHant).toBeGreaterThan(0);
  await lab.screenshot('lesson-zh-Hant');
  await page.getByLabel(/Language|語言|语言/).selectOption('zh-Hans');
  await expect(lesson.getByRole('heading', { level: 2 })).toContainText('鞍点');
  expect(await lesson.locator('math').count()).toBe(mathHant);
  await lab.screenshot('lesson-zh-Hans');
});
