/**
 * `npm run train` as a user runs it: real processes, real files. Bad input exits 2 with a message; a
 * short run on the CGCNN sample folder prints one JSON line per epoch and the summary, and saves the
 * best checkpoint.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sharedPath } from './oracle.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = resolve(root, 'node_modules', '.bin', 'tsx');

function train(args: string[]) {
  const r = spawnSync(tsx, ['scripts/train.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run train (CLI)', () => {
  it('refuses a missing --data, a path that does not exist and a bad --epochs, exit code 2', () => {
    const none = train([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('--data is required');
    const missing = train(['--data', '/no/such/folder']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--data /no/such/folder: no such file or folder');
    const epochs = train(['--data', 'builtin', '--epochs', 'ten']);
    expect(epochs.code).toBe(2);
    expect(epochs.err).toContain("--epochs must be a positive integer, got 'ten'");
  }, 60_000);

  const esol = sharedPath('data', 'esol', 'delaney-processed.csv');
  it.skipIf(!existsSync(esol))(
    'refuses molecules with the data layer’s message',
    () => {
      const r = train(['--data', esol]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/SMILES molecules .* Molecules are not supported/);
    },
    60_000,
  );

  const folder = sharedPath('data', 'cgcnn-sample-regression');
  it.skipIf(!existsSync(folder))(
    'trains the CGCNN sample folder: epoch lines, the summary, the saved checkpoint',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'lab-cli-'));
      const recipe = join(out, 'recipe.json');
      writeFileSync(
        recipe,
        JSON.stringify({ batchSize: 4, model: { atomFeaLen: 8, nConv: 1, hFeaLen: 16 } }),
      );
      const r = train([
        '--data',
        folder,
        '--config',
        recipe,
        '--epochs',
        '2',
        '--seed',
        '7',
        '--backend',
        'cpu',
        '--out',
        out,
      ]);
      expect(r.code, r.err).toBe(0);
      const lines = r.out.split('\n').filter((l) => l.startsWith('{'));
      const epochs = lines.slice(0, -1).map((l) => JSON.parse(l) as { epoch: number; val_mae: number });
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
      const { summary } = JSON.parse(lines[lines.length - 1] ?? '{}') as {
        summary: {
          loaded: number;
          rejected: number;
          backend: string;
          target_std: number;
          val: { mae: number };
          checkpoint: string;
        };
      };
      expect(summary.loaded).toBe(10);
      expect(summary.rejected).toBe(0);
      expect(summary.backend).toBe('cpu');
      expect(summary.target_std).toBeCloseTo(Math.sqrt(55 / 6), 4); // targets 1…10, unbiased std
      expect(Number.isFinite(summary.val.mae)).toBe(true);
      expect(existsSync(summary.checkpoint)).toBe(true);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as {
        seed: number;
        epochs: number;
      };
      expect([config.seed, config.epochs]).toEqual([7, 2]);
    },
    120_000,
  );
});
