/**
 * Benchmarks, run as `npm run bench -- <name> [args]`. Performance claims in the README come from here,
 * measured in one run against the reference on the same machine — never from a timed unit test.
 *
 *   featurize [file …]   CIF parsing + CGCNN graphs (radius 8 Å, 12 neighbours), ms per crystal:
 *                        in Node, in headless Chromium's lab worker (through the real UI), and
 *                        pymatgen's figure from ../shared/bench/torch_cgcnn_bench.py when Debian's
 *                        python3-pymatgen is installed; then the ratios.
 *                        Default files: ../shared/data/perov5-castelli/{test,val}.csv (7,572 crystals).
 *   train [file]         One CGCNN training step (batch 64, F=64, 3 convs, Huber, clip 0.5, SGD momentum),
 *                        ms/step and crystals/s in headless Chromium on wasm (threaded SIMD) and on
 *                        webgpu (e2e/bench page), beside ../shared/bench/torch_cgcnn_bench.py with the same
 *                        sizes when Debian's python3-torch is installed; then the ratios.
 *                        Default file: ../shared/data/perov5-castelli/test.csv.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { featurizeDataset } from '../src/data/dataset.ts';
import { DEFAULT_LIMITS, loadDataset } from '../src/data/load.ts';
import { CHROMIUM_ARGS, findChromium } from '../e2e/chromium.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env['LAB_SHARED_DIR'] ?? resolve(root, '..', 'shared');

interface Timing {
  file: string;
  crystals: number;
  parseMs: number;
  graphMs: number;
}

const perCrystal = (ms: number, n: number) => ms / n;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

async function nodeFeaturize(file: string, repeats = 3): Promise<Timing> {
  const bytes = new Uint8Array(readFileSync(file));
  const parse: number[] = [];
  const graph: number[] = [];
  let crystals = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const loaded = loadDataset([{ path: basename(file), bytes }], { limits: DEFAULT_LIMITS });
    const t1 = performance.now();
    if (!loaded.ok) throw new Error(`${file}: ${loaded.error.message}`);
    const ds = await featurizeDataset(loaded.dataset);
    parse.push(t1 - t0);
    graph.push(ds.timings.featurizeMs);
    crystals = ds.ids.length;
  }
  return { file, crystals, parseMs: median(parse), graphMs: median(graph) };
}

function startPreview(port: number): ChildProcess {
  return spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], {
    cwd: root,
    stdio: 'ignore',
    detached: false,
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up in ${ms} ms`);
}

async function chromiumFeaturize(files: string[]): Promise<Timing[]> {
  console.log('building the app for the browser measurement…');
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
  const port = 4399;
  const server = startPreview(port);
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    await waitFor(`http://localhost:${port}/`, 30_000);
    const page = await browser.newPage();
    await page.goto(`http://localhost:${port}/`);
    // The built-in set loads first; wait for it so the measurement does not overlap it.
    await page.getByTestId('dataset-count').waitFor({ timeout: 120_000 });
    const out: Timing[] = [];
    for (const file of files) {
      await page.getByLabel('Open dataset files').setInputFiles(file);
      await page
        .getByTestId('dataset-name')
        .filter({ hasText: basename(file) })
        .waitFor({ timeout: 300_000 });
      const timing = page.getByTestId('dataset-timing');
      const parseMs = Number(await timing.getAttribute('data-parse-ms'));
      const graphMs = Number(await timing.getAttribute('data-featurize-ms'));
      const crystals = Number(
        ((await page.getByTestId('dataset-count').textContent()) ?? '').replace(/,/g, ''),
      );
      out.push({ file, crystals, parseMs, graphMs });
    }
    return out;
  } finally {
    await browser.close();
    server.kill();
  }
}

function pymatgenFeaturize(file: string): number | null {
  const script = resolve(shared, 'bench', 'torch_cgcnn_bench.py');
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import pymatgen.core, torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const out = execFileSync(
    '/usr/bin/python3',
    [script, file, '--n', '1000000', '--steps', '1', '--batch', '8'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const line = out.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { featurize_ms_per_crystal: number }).featurize_ms_per_crystal;
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function benchFeaturize(args: string[]): Promise<void> {
  const files =
    args.length > 0
      ? args.map((f) => resolve(f))
      : ['test.csv', 'val.csv'].map((f) => resolve(shared, 'data', 'perov5-castelli', f));
  for (const f of files) if (!existsSync(f)) throw new Error(`bench featurize: ${f} not found`);

  const node: Timing[] = [];
  for (const f of files) node.push(await nodeFeaturize(f));
  const browser = await chromiumFeaturize(files);
  const py = files.map((f) => pymatgenFeaturize(f));

  const sum = (ts: Timing[]) =>
    ts.reduce((a, t) => ({ n: a.n + t.crystals, ms: a.ms + t.parseMs + t.graphMs }), { n: 0, ms: 0 });
  const nodeAll = sum(node);
  const pyMs = py.every((v) => v !== null)
    ? py.reduce<number>((a, v, i) => a + (v ?? NaN) * (node[i]?.crystals ?? 0), 0) / nodeAll.n
    : null;

  console.log(`\nfeaturize: ${nodeAll.n} crystals from ${files.map((f) => basename(f)).join(', ')}`);
  console.log(
    '(ms per crystal; parse = reading the file and its CIFs; graphs = 8 Å radius graphs with 12 neighbours, split, summary and fingerprint; pymatgen = Structure.from_str + get_all_neighbors(8) + sort + Gaussian expansion)\n',
  );
  console.log(row(['where', 'parse', 'graphs', 'total', 'vs pymatgen']));
  console.log(row(['---', '---', '---', '---', '---']));
  const line = (name: string, ts: Timing[]) => {
    const n = ts.reduce((a, t) => a + t.crystals, 0);
    const p = ts.reduce((a, t) => a + t.parseMs, 0);
    const g = ts.reduce((a, t) => a + t.graphMs, 0);
    const total = perCrystal(p + g, n);
    console.log(
      row([
        name,
        perCrystal(p, n).toFixed(4),
        perCrystal(g, n).toFixed(4),
        total.toFixed(4),
        pyMs ? `${(pyMs / total).toFixed(1)}× faster` : 'n/a',
      ]),
    );
  };
  line('Node ' + process.version, node);
  line('Chromium worker', browser);
  console.log(
    row(['pymatgen 2022.11 (python3)', '', '', pyMs !== null ? pyMs.toFixed(4) : 'not installed', '1×']),
  );
}

interface StepBench {
  backend: string;
  wasm: { simd: boolean; threads: boolean; threadCount: number } | null;
  adapter: { vendor: string; architecture: string } | null;
  atomsPerCrystal: number;
  msPerStep: number;
  crystalsPerS: number;
}

function torchTrain(file: string): { train_ms_per_step: number; train_crystals_per_s: number } | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import pymatgen.core, torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const script = resolve(shared, 'bench', 'torch_cgcnn_bench.py');
  const out = execFileSync(
    '/usr/bin/python3',
    [script, file, '--batch', '64', '--fea', '64', '--conv', '3', '--steps', '40', '--threads', '2'],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    train_ms_per_step: number;
    train_crystals_per_s: number;
  };
}

async function benchTrain(args: string[]): Promise<void> {
  const file = resolve(args[0] ?? resolve(shared, 'data', 'perov5-castelli', 'test.csv'));
  if (!existsSync(file)) throw new Error(`bench train: ${file} not found`);
  const port = 4398;
  const server = spawn('npx', ['vite', '--port', String(port), '--strictPort'], {
    cwd: root,
    stdio: 'ignore',
  });
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  const results: { name: string; r: StepBench }[] = [];
  try {
    await waitFor(`http://localhost:${port}/`, 60_000);
    for (const [name, opts] of [
      ['wasm', { backend: 'wasm', batch: 64, fea: 64, conv: 3, warmup: 3, steps: 20 }],
      ['webgpu', { backend: 'webgpu', batch: 64, fea: 64, conv: 3, warmup: 1, steps: 3 }],
    ] as const) {
      const page = await browser.newPage();
      await page.route('**/__bench/data.csv', (route) =>
        route.fulfill({ body: readFileSync(file), contentType: 'text/csv' }),
      );
      await page.goto(`http://localhost:${port}/e2e/bench/index.html`);
      await page.locator('#status').filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
      const r = (await page.evaluate((o) => window.benchTrain('/__bench/data.csv', o), opts)) as StepBench;
      results.push({ name, r });
      console.log(`  ${name}: ${r.msPerStep.toFixed(1)} ms/step`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.kill();
  }
  const torch = torchTrain(file);
  console.log(
    `\ntrain: CGCNN step on ${basename(file)} (batch 64, F=64, 3 convs, Huber 0.2, clip 0.5, SGD momentum 0.9)\n`,
  );
  console.log(row(['where', 'ms/step', 'crystals/s', 'vs PyTorch CPU']));
  console.log(row(['---', '---', '---', '---']));
  for (const { name, r } of results) {
    const what =
      name === 'wasm'
        ? `Chromium wasm (${r.wasm?.simd ? 'SIMD' : 'no SIMD'}, ${r.wasm?.threads ? `threads on, ${r.wasm.threadCount} worker${r.wasm.threadCount === 1 ? '' : 's'}` : 'no threads'})`
        : `Chromium webgpu (${[r.adapter?.vendor, r.adapter?.architecture].filter(Boolean).join(' ')})`;
    const ratio = torch ? `${(r.msPerStep / torch.train_ms_per_step).toFixed(2)}× its step time` : 'n/a';
    console.log(row([what, r.msPerStep.toFixed(1), r.crystalsPerS.toFixed(0), ratio]));
  }
  console.log(
    row([
      'PyTorch 1.13 CPU, 2 threads (python3)',
      torch ? torch.train_ms_per_step.toFixed(1) : 'not installed',
      torch ? torch.train_crystals_per_s.toFixed(0) : '',
      '1×',
    ]),
  );
}

const [name, ...rest] = process.argv.slice(2);
if (name === 'featurize') {
  await benchFeaturize(rest);
} else if (name === 'train') {
  await benchTrain(rest);
} else {
  console.error(
    `usage: npm run bench -- featurize [file …] | train [file]   (unknown benchmark '${name ?? ''}')`,
  );
  process.exit(2);
}
