/**
 * ESLint rule `lab/layers`: the import direction of DEVELOPERS.md.
 *
 *   ui → store → worker client;  worker → engine → model → data → core
 *
 * Every file under src/<layer>/ may import only the layers listed for it below (relative imports are
 * resolved against the importing file), and only the packages its layer may use. `src/core` imports
 * nothing from the project and no package at all. `src/worker` is split: `protocol.ts` is the only file
 * both threads share, `client.ts` is main-thread code, everything else in it is worker-side.
 */
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** Which project parts each part may import (besides itself). */
const ALLOWED = {
  core: [],
  data: ['core'],
  model: ['data', 'core'],
  engine: ['model', 'data', 'core'],
  'worker-protocol': ['core'],
  'worker-entry': ['worker-protocol', 'engine', 'model', 'data', 'core'],
  'worker-client': ['worker-protocol', 'core'],
  store: ['worker-client', 'worker-protocol', 'core'],
  ui: ['store', 'worker-protocol', 'core'],
};

/** Packages each part may import: a predicate on the bare specifier. */
const TF = /^@tensorflow\//;
const UI_ONLY = /^(react|react-dom|recharts)(\/|$)/;
const PACKAGES = {
  core: () => false,
  data: (s) => !TF.test(s) && !UI_ONLY.test(s) && s !== 'zustand',
  model: (s) => !UI_ONLY.test(s) && s !== 'zustand',
  engine: (s) => !UI_ONLY.test(s) && s !== 'zustand',
  'worker-protocol': () => false,
  'worker-entry': (s) => !UI_ONLY.test(s) && s !== 'zustand',
  'worker-client': () => false,
  store: (s) => !TF.test(s) && !UI_ONLY.test(s),
  ui: (s) => !TF.test(s),
};

/** The part of the project a file belongs to, or null outside src/. */
function partOf(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const [layer, ...rest] = rel.split(path.sep);
  if (rest.length === 0) return 'ui'; // src/main.tsx, the page entry
  if (layer === 'worker') {
    const name = rest.join('/');
    if (name === 'protocol.ts') return 'worker-protocol';
    if (name === 'client.ts') return 'worker-client';
    return 'worker-entry';
  }
  return layer in ALLOWED ? layer : null;
}

/**
 * Type-only imports the shared protocol may make: the message payload types are defined next to the code
 * that produces them (engine, model, data); `import type` / `export type` is erased, so the page still
 * never bundles that code.
 */
const TYPE_ONLY_ALLOWED = { 'worker-protocol': ['engine', 'model', 'data'] };

const isTypeOnly = (node) =>
  node.importKind === 'type' ||
  node.exportKind === 'type' ||
  (node.specifiers?.length > 0 &&
    node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));

/** Tests and test-support modules (any file under a `testing/` folder) may use test/ helpers and node:*. */
const isTestFile = (file) => /\.test\.tsx?$/.test(file) || file.split(path.sep).includes('testing');

export default {
  rules: {
    layers: {
      meta: {
        type: 'problem',
        docs: { description: 'Enforce the import direction between src/ layers (DEVELOPERS.md).' },
        schema: [],
      },
      create(context) {
        const file = context.filename;
        const from = partOf(file);
        if (from === null) return {};
        const test = isTestFile(file);

        function check(node, source) {
          if (typeof source !== 'string') return;
          if (source.startsWith('.')) {
            const target = path.resolve(path.dirname(file), source);
            const to = partOf(target);
            if (to === from) return;
            if (test && !target.startsWith(SRC)) return; // tests may use test/ helpers
            if (to !== null && isTypeOnly(node) && TYPE_ONLY_ALLOWED[from]?.includes(to)) return;
            if (to === null || !ALLOWED[from].includes(to)) {
              context.report({
                node,
                message: `src/${from} may not import ${to === null ? 'outside src/' : `src/${to}`} ('${source}'). Allowed: ${ALLOWED[from].join(', ') || 'nothing of the project'}.`,
              });
            }
            return;
          }
          if (test && (source === 'vitest' || source.startsWith('node:'))) return;
          if (!PACKAGES[from](source)) {
            context.report({ node, message: `src/${from} may not import the package '${source}'.` });
          }
        }

        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
          // `new URL('./x.worker.ts', import.meta.url)` is how Vite bundles a worker: count it as an import.
          NewExpression: (node) => {
            if (node.callee.type === 'Identifier' && node.callee.name === 'URL') {
              const [arg, base] = node.arguments;
              if (
                arg?.type === 'Literal' &&
                base?.type === 'MemberExpression' &&
                base.object.type === 'MetaProperty'
              ) {
                // Spawning the worker entry from the client is the one sanctioned cross-thread link.
                if (
                  from === 'worker-client' &&
                  partOf(path.resolve(path.dirname(file), arg.value)) === 'worker-entry'
                )
                  return;
                check(node, arg.value);
              }
            }
          },
        };
      },
    },
  },
};
