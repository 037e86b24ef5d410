/**
 * The CGCNN parity oracle on WebGPU and WebGL (SwiftShader here) in real Chromium: the same engine code as the
 * Node parity tests (cpu, wasm), through the test page e2e/parity/. Tolerances: the oracle README's
 * float32 table — outputs and losses rel 1e-4; gradients |Δ| ≤ 1e-4·max|grad| over all parameters;
 * SGD's 3 steps: losses, pre-clip norm, clip coefficient rel 1e-4, eval outputs after rel 1e-4.
 */
import { expect, test } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_PORT } from './ports.ts';

const shared =
  process.env['LAB_SHARED_DIR'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');
const fixturePath = resolve(shared, 'oracle', 'cgcnn_parity.json');

interface T {
  shape: number[];
  data: number[];
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

for (const backend of ['webgpu', 'webgl'] as const) {
  test(`CGCNN forward, gradients and 3 SGD steps match PyTorch on ${backend}`, async ({ page }) => {
    test.skip(!existsSync(fixturePath), `${fixturePath} not found (fresh clone without ../shared)`);
    const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as {
      cases: {
        forward_train: { outputs: T; 'huber_loss_delta_0.2': number; grads_huber: Record<string, T> };
        train: {
          SGD: {
            steps: {
              huber_loss: number;
              mse_loss: number;
              preclip_norm: number;
              clip_coef_clamped: number;
            }[];
            eval_outputs_after: T;
          };
        };
      }[];
    };
    const c = fixture.cases[0]!;
    await page.goto(`http://localhost:${DEV_PORT}/e2e/parity/index.html?backend=${backend}`);
    await expect(page.locator('#status')).toHaveText(`ready (${backend})`, { timeout: 60_000 });
    const got = (await page.evaluate((fx) => window.runParity(fx as never), c)) as {
      backend: string;
      forward: { outputs: number[]; huber: number; names: string[]; grads: number[][] };
      sgd: { steps: { huber: number; mse: number; preNorm: number; coef: number }[]; evalAfter: number[] };
    };
    expect(got.backend).toBe(backend);

    c.forward_train.outputs.data.forEach((want, i) =>
      expect(rel(got.forward.outputs[i]!, want)).toBeLessThan(1e-4),
    );
    expect(rel(got.forward.huber, c.forward_train['huber_loss_delta_0.2'])).toBeLessThan(1e-4);
    const maxGrad = Math.max(
      ...Object.values(c.forward_train.grads_huber).flatMap((g) => g.data.map(Math.abs)),
    );
    got.forward.names.forEach((name, k) => {
      const want = c.forward_train.grads_huber[name]!.data;
      const have = got.forward.grads[k]!;
      expect(have).toHaveLength(want.length);
      want.forEach((w, i) =>
        expect(Math.abs(have[i]! - w), `${name}[${i}]`).toBeLessThanOrEqual(1e-4 * maxGrad),
      );
    });

    c.train.SGD.steps.forEach((s, t) => {
      const r = got.sgd.steps[t]!;
      expect(rel(r.huber, s.huber_loss), `step ${t} huber`).toBeLessThan(1e-4);
      expect(rel(r.mse, s.mse_loss), `step ${t} mse`).toBeLessThan(1e-4);
      expect(rel(r.preNorm, s.preclip_norm), `step ${t} pre-clip norm`).toBeLessThan(1e-4);
      expect(rel(r.coef, s.clip_coef_clamped), `step ${t} clip coef`).toBeLessThan(1e-4);
    });
    c.train.SGD.eval_outputs_after.data.forEach((want, i) =>
      expect(rel(got.sgd.evalAfter[i]!, want)).toBeLessThan(1e-4),
    );
  });
}
