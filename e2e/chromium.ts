/**
 * Where e2e finds Chromium. Playwright cannot download browsers on this kind of machine, so the tests
 * drive Debian's Chromium: `$CHROMIUM_PATH` when set, else the first of the usual install paths.
 */
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist. Point it at a Chromium binary, or unset it.`);
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found !== undefined) return found;
  throw new Error(
    [
      'No Chromium found for the e2e tests.',
      `Looked for: ${CANDIDATES.join(', ')} (and $CHROMIUM_PATH, unset).`,
      "Install Debian's Chromium:   sudo apt-get install -y chromium",
      'or point at one you have:     CHROMIUM_PATH=/path/to/chrome npm test',
    ].join('\n'),
  );
}

/** Flags for headless Chromium in this sandbox; WebGPU needs --enable-unsafe-webgpu on Linux. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
