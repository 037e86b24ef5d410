/**
 * core/tfjsModel.ts against TF.js's own I/O: the artifacts are what `tf.io.browserDownloads` writes (run
 * here with stand-ins for the DOM), they load back through `tf.io.getModelArtifactsForJSON` /
 * `tf.io.decodeWeights` / `tf.io.fromMemory` bit for bit, and a fresh model given the decoded tensors
 * predicts exactly what the original does.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withDefaults } from '../core/recipe.ts';
import {
  cgcnnSizes,
  tfjsArtifacts,
  TFJS_MODEL_FORMAT,
  type TfjsMeta,
  type TfjsWeights,
} from '../core/tfjsModel.ts';
import type { FeaturizedDataset } from '../data/dataset.ts';
import { gaussianCentres } from '../data/graph.ts';
import { collate, disposeBatchTensors, toTensors, type BatchTensors } from '../model/batch.ts';
import { CgcnnModel } from '../model/cgcnn.ts';
import { smallDataset } from './testing/fixtures.ts';
import { gaussianFor } from './trainer.ts';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** The model's weights as the exporter takes them (params then buffers, `readWeights` order). */
async function weightsOf(model: CgcnnModel): Promise<TfjsWeights> {
  const all = [...model.params, ...model.buffers];
  return {
    names: [...model.paramNames, ...model.bufferNames],
    shapes: all.map((v) => [...v.shape]),
    data: await model.readWeights(),
  };
}

/** Parses model.json and loads it with TF.js's own helpers (weights from `weightData`). */
async function loadBack(modelJson: string, weightData: Uint8Array) {
  const json = JSON.parse(modelJson) as tf.io.ModelJSON;
  const buffer = new Uint8Array(weightData).buffer; // a copy on its own ArrayBuffer
  const artifacts = await tf.io.getModelArtifactsForJSON(json, (manifest) =>
    Promise.resolve([tf.io.getWeightSpecs(manifest), buffer]),
  );
  return { json, artifacts };
}

/**
 * Runs TF.js's real browserDownloads handler (`downloads://<stem>`) on `artifacts` with stand-ins for
 * `document`, `window.URL` and `MouseEvent`; returns the downloaded files by name.
 */
async function browserDownloadsWrite(
  stem: string,
  artifacts: tf.io.ModelArtifacts,
): Promise<Map<string, Uint8Array>> {
  const blobs = new Map<string, Blob>();
  const files = new Map<string, Blob>();
  vi.stubGlobal('window', {
    URL: {
      createObjectURL: (b: Blob) => {
        const url = `blob:${blobs.size}`;
        blobs.set(url, b);
        return url;
      },
    },
  });
  vi.stubGlobal(
    'MouseEvent',
    class {
      constructor(readonly type: string) {}
    },
  );
  vi.stubGlobal('document', {
    createElement: () => {
      const a = {
        download: '',
        href: '',
        dispatchEvent: () => {
          files.set(a.download, blobs.get(a.href)!);
          return true;
        },
      };
      return a;
    },
  });
  const wasBrowser = tf.env().getBool('IS_BROWSER');
  tf.env().set('IS_BROWSER', true);
  try {
    const handlers = tf.io.getSaveHandlers(`downloads://${stem}`);
    expect(handlers).toHaveLength(1);
    await handlers[0]!.save!(artifacts);
  } finally {
    tf.env().set('IS_BROWSER', wasBrowser);
    vi.unstubAllGlobals();
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, blob] of files) out.set(name, new Uint8Array(await blob.arrayBuffer()));
  return out;
}

function meta(config: unknown, extra: Partial<TfjsMeta> = {}): TfjsMeta {
  return {
    config,
    normalizer: { mean: -1.25, std: 0.75 },
    runName: 'tiny "run", with quotes',
    datasetFingerprint: 'ab'.repeat(32),
    labVersion: '0.1.0',
    ...extra,
  };
}

describe('tfjsArtifacts on a CGCNN (cpu)', () => {
  let ds: FeaturizedDataset;
  let model: CgcnnModel;
  let batch: BatchTensors;
  const config = withDefaults({ model: { atomFeaLen: 8, nConv: 2, hFeaLen: 16, nH: 2 } });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = await smallDataset(12, 8);
    const gaussian = gaussianFor(ds);
    model = new CgcnnModel(
      { origAtomFeaLen: ds.atomFeatures.dim, nbrFeaLen: gaussianCentres(gaussian).length, ...config.model },
      7,
    );
    batch = toTensors(
      collate(
        ds,
        Array.from({ length: 8 }, (_, i) => i),
      ),
      ds.atomFeatures,
      gaussian,
      ds.normalizer,
    );
    // Move the BatchNorm running statistics off their 0/1 start so the buffers carry information.
    tf.tidy(() => {
      const { bnStats } = model.forward(batch, true);
      model.updateRunningStats(bnStats, 0.5);
    });
    return () => {
      disposeBatchTensors(batch);
      model.dispose();
    };
  }, 60_000);

  afterEach(() => vi.unstubAllGlobals());

  it('model.json parses, describes the network, and its manifest size equals the weight bytes', async () => {
    const w = await weightsOf(model);
    const { modelJson, weightData } = tfjsArtifacts(w, meta(config));
    const json = JSON.parse(modelJson) as tf.io.ModelJSON & {
      modelTopology: { config: Record<string, number>; layers: { name: string }[] };
      userDefinedMetadata: { optimizationLab: Record<string, unknown> };
    };
    expect(json.format).toBe(TFJS_MODEL_FORMAT);
    expect(json.generatedBy).toBe('optimization-lab 0.1.0');
    expect(json.convertedBy).toBeNull();
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual(['./model.weights.bin']);
    const specs = json.weightsManifest[0]!.weights;
    expect(specs.map((s) => s.name)).toEqual(w.names);
    expect(specs.map((s) => s.shape)).toEqual(w.shapes);
    expect(specs.every((s) => s.dtype === 'float32')).toBe(true);
    const manifestBytes = specs.reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
    expect(manifestBytes).toBe(weightData.length);
    expect(weightData.length).toBe(4 * w.data.reduce((a, d) => a + d.length, 0));

    const top = json.modelTopology;
    expect(top.config).toMatchObject({
      orig_atom_fea_len: ds.atomFeatures.dim,
      nbr_fea_len: model.config.nbrFeaLen,
      atom_fea_len: 8,
      n_conv: 2,
      h_fea_len: 16,
      n_h: 2,
    });
    expect(top.layers.map((l) => l.name)).toEqual([
      'embedding',
      'convs.0',
      'convs.1',
      'conv_to_fc',
      'fcs.0',
      'fc_out',
    ]);
    // Every tensor the topology names is in the manifest, and vice versa.
    const named = [
      ...modelJson.matchAll(/"((?:embedding|convs\.\d+\.\w+|conv_to_fc|fcs\.\d+|fc_out)\.\w+)"/g),
    ]
      .map((m) => m[1]!)
      .filter((n) => w.names.includes(n));
    expect(new Set(named)).toEqual(new Set(w.names));

    const m = json.userDefinedMetadata.optimizationLab;
    expect(m['runName']).toBe('tiny "run", with quotes');
    expect(m['datasetFingerprint']).toBe('ab'.repeat(32));
    expect(m['normalizer']).toEqual({ mean: -1.25, std: 0.75 });
    expect(m['recipe']).toEqual(JSON.parse(JSON.stringify(config)));

    const info = tf.io.getModelArtifactsInfoForJSON((await loadBack(modelJson, weightData)).artifacts);
    expect(info.modelTopologyType).toBe('JSON');
    expect(info.weightDataBytes).toBe(weightData.length);
  });

  it('is byte for byte what tf.io.browserDownloads writes for the same artifacts', async () => {
    const w = await weightsOf(model);
    const { modelJson, weightData } = tfjsArtifacts(w, meta(config), 'cgcnn-run 1');
    const json = JSON.parse(modelJson) as tf.io.ModelJSON;
    expect(json.weightsManifest[0]!.paths).toEqual(['./cgcnn-run 1.weights.bin']);
    const viaMeta = tfjsArtifacts(w, meta(config, { fileStem: 'cgcnn-run 1' }));
    expect(viaMeta.modelJson).toBe(modelJson);
    expect(tfjsArtifacts(w, meta(config, { fileStem: 'other' }), 'cgcnn-run 1').modelJson).toBe(modelJson);
    // TF.js's own encoder gives the same specs and bytes.
    const named = w.names.map((name, i) => ({ name, tensor: tf.tensor(w.data[i]!, w.shapes[i]) }));
    const encoded = await tf.io.encodeWeights(named);
    tf.dispose(named.map((n) => n.tensor));
    expect(encoded.specs).toEqual(json.weightsManifest[0]!.weights);
    expect(new Uint8Array(encoded.data)).toEqual(weightData);

    const files = await browserDownloadsWrite('cgcnn-run 1', {
      modelTopology: json.modelTopology,
      format: json.format!,
      generatedBy: json.generatedBy!,
      convertedBy: null,
      weightSpecs: json.weightsManifest[0]!.weights,
      weightData: new Uint8Array(weightData).buffer,
      userDefinedMetadata: json.userDefinedMetadata!,
    });
    expect([...files.keys()].sort()).toEqual(['cgcnn-run 1.json', 'cgcnn-run 1.weights.bin']);
    expect(new TextDecoder().decode(files.get('cgcnn-run 1.json'))).toBe(modelJson);
    expect(files.get('cgcnn-run 1.weights.bin')).toEqual(weightData);
  });

  it('loads back through tf.io bit for bit, and a fresh model given those tensors predicts the same', async () => {
    const w = await weightsOf(model);
    const { modelJson, weightData } = tfjsArtifacts(
      w,
      meta(config, { nodeFeatureLength: ds.atomFeatures.dim }),
    );
    const { artifacts } = await loadBack(modelJson, weightData);
    // Through the in-memory IOHandler too.
    const viaMemory = await tf.io.fromMemory(artifacts).load!();
    expect(viaMemory.weightSpecs).toEqual(artifacts.weightSpecs);
    const decoded = tf.io.decodeWeights(viaMemory.weightData!, viaMemory.weightSpecs!);
    expect(Object.keys(decoded)).toEqual(w.names);
    const values: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [i, name] of w.names.entries()) {
      const t = decoded[name]!;
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual(w.shapes[i]);
      const data = t.dataSync() as Float32Array;
      expect(bits(data), name).toEqual(bits(w.data[i]!));
      values[name] = { shape: [...t.shape], data: Float32Array.from(data) };
    }
    tf.dispose(Object.values(decoded));

    const fresh = new CgcnnModel(model.config, 'another seed');
    const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, values[n]!]));
    fresh.loadTorchState(pick(fresh.paramNames), pick(fresh.bufferNames));
    const predict = (m: CgcnnModel) => tf.tidy(() => m.forward(batch, false).out.dataSync() as Float32Array);
    const a = predict(model);
    const b = predict(fresh);
    expect(a.length).toBe(8);
    expect(a.every((x) => Number.isFinite(x))).toBe(true);
    expect(bits(b)).toEqual(bits(a));
    fresh.dispose();
  });
});

describe('tfjsArtifacts, data only', () => {
  const w: TfjsWeights = {
    names: [
      'embedding.weight',
      'embedding.bias',
      'conv_to_fc.weight',
      'conv_to_fc.bias',
      'fc_out.weight',
      'fc_out.bias',
    ],
    shapes: [[3, 5], [3], [4, 3], [4], [1, 4], [1]],
    data: [
      new Float32Array(15).map((_, i) => i - 7),
      new Float32Array([-0, 1e-45, NaN]),
      new Float32Array(12).fill(Infinity),
      new Float32Array([-Infinity, 0.1, 3.4028234663852886e38, -1]),
      new Float32Array(4).fill(0.5),
      new Float32Array([2]),
    ],
  };
  new Uint32Array(w.data[1]!.buffer)[2] = 0x7fc0beef; // a NaN with a payload

  it('keeps −0, subnormals, infinities and NaN payloads bit for bit through tf.io.decodeWeights', async () => {
    const { modelJson, weightData } = tfjsArtifacts(
      w,
      meta({ model: { atomFeaLen: 3, nConv: 0, hFeaLen: 4, nH: 1 } }, { edgeFeatureLength: 2 }),
      'x',
    );
    const { artifacts } = await loadBack(modelJson, weightData);
    const decoded = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    w.names.forEach((n, i) =>
      expect(bits(decoded[n]!.dataSync() as Float32Array), n).toEqual(bits(w.data[i]!)),
    );
    tf.dispose(Object.values(decoded));
  });

  it('infers missing sizes from the weight shapes, and the recipe wins where given', () => {
    expect(cgcnnSizes(w, meta(null, { edgeFeatureLength: 41 }))).toEqual({
      origAtomFeaLen: 5,
      nbrFeaLen: 41,
      atomFeaLen: 3,
      nConv: 0,
      hFeaLen: 4,
      nH: 1,
    });
    expect(() => cgcnnSizes(w, meta(null))).toThrow(/bond feature length/);
  });

  it('refuses weights whose names, shapes and data disagree', () => {
    const m = meta(null, { edgeFeatureLength: 2 });
    expect(() => tfjsArtifacts({ ...w, names: w.names.slice(1) }, m)).toThrow(/must match/);
    expect(() => tfjsArtifacts({ ...w, shapes: [[3, 4], ...w.shapes.slice(1)] }, m)).toThrow(
      /embedding.weight has 15 values for shape \[3, 4\]/,
    );
    expect(() => tfjsArtifacts({ ...w, names: ['a', 'a', ...w.names.slice(2)] }, m)).toThrow(/appears twice/);
  });
});
