/**
 * The import-direction rule of DEVELOPERS.md must actually reject what it forbids: each case lints a
 * one-line file placed (virtually) in a layer and checks whether `lab/layers` reports it.
 */
import { Linter } from 'eslint';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layers from '../eslint/layers.js';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const linter = new Linter({ configType: 'flat' });

function violations(file: string, code: string): string[] {
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts', '**/*.tsx'],
        languageOptions: { parser: tseslint.parser },
        plugins: { lab: layers },
        rules: { 'lab/layers': 'error' },
      },
    ],
    { filename: resolve(src, file) },
  );
  return messages.map((m) => m.message);
}

describe('lab/layers (import direction)', () => {
  it.each([
    ['core/x.ts', "import { a } from '../data/parse.ts';", /src\/core may not import src\/data/],
    [
      'core/x.ts',
      "import * as tf from '@tensorflow/tfjs';",
      /src\/core may not import the package '@tensorflow\/tfjs'/,
    ],
    ['core/x.ts', "import React from 'react';", /src\/core may not import the package 'react'/],
    [
      'core/x.ts',
      "import { readFileSync } from 'node:fs';",
      /src\/core may not import the package 'node:fs'/,
    ],
    ['data/x.ts', "import { m } from '../model/cgcnn.ts';", /src\/data may not import src\/model/],
    [
      'engine/x.ts',
      "import type { ToWorker } from '../worker/protocol.ts';",
      /src\/engine may not import src\/worker-protocol/,
    ],
    ['model/x.ts', "export * from '../engine/trainer.ts';", /src\/model may not import src\/engine/],
    ['ui/x.tsx', "import { initBackend } from '../engine/backend.ts';", /src\/ui may not import src\/engine/],
    ['ui/x.tsx', "import * as tf from '@tensorflow/tfjs';", /may not import the package '@tensorflow\/tfjs'/],
    [
      'ui/x.tsx',
      "import { LabWorkerClient } from '../worker/client.ts';",
      /src\/ui may not import src\/worker-client/,
    ],
    [
      'store/x.ts',
      "import { initBackend } from '../engine/backend.ts';",
      /src\/store may not import src\/engine/,
    ],
    ['store/x.ts', "const m = await import('../model/cgcnn.ts');", /src\/store may not import src\/model/],
    [
      'worker/client.ts',
      "import { initBackend } from '../engine/backend.ts';",
      /src\/worker-client may not import src\/engine/,
    ],
    [
      'worker/protocol.ts',
      "import { initBackend } from '../engine/backend.ts';",
      /src\/worker-protocol may not import src\/engine/,
    ],
    [
      'worker/lab.worker.ts',
      "import { useLabStore } from '../store/labStore.ts';",
      /src\/worker-entry may not import src\/store/,
    ],
  ])('%s: %s is rejected', (file, code, message) => {
    const found = violations(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it.each([
    ['core/x.ts', "import { y } from './y.ts';"],
    ['data/x.ts', "import { rng } from '../core/rng.ts';"],
    ['engine/x.ts', "import * as tf from '@tensorflow/tfjs'; import { m } from '../model/cgcnn.ts';"],
    ['worker/lab.worker.ts', "import { initBackend } from '../engine/backend.ts';"],
    ['worker/protocol.ts', "export type { BackendReport } from '../engine/backendTypes.ts';"],
    ['worker/client.ts', "const w = new Worker(new URL('./lab.worker.ts', import.meta.url));"],
    [
      'store/x.ts',
      "import { LabWorkerClient } from '../worker/client.ts'; import { create } from 'zustand';",
    ],
    ['ui/x.tsx', "import { useLabStore } from '../store/labStore.ts'; import { LineChart } from 'recharts';"],
    ['core/x.test.ts', "import { readOracle } from '../../test/oracle.ts'; import { it } from 'vitest';"],
    [
      'data/testing/shared.ts',
      "import { sharedPath } from '../../../test/oracle.ts'; import { readFileSync } from 'node:fs';",
    ],
  ])('%s: %s is allowed', (file, code) => {
    expect(violations(file, code)).toEqual([]);
  });
});
