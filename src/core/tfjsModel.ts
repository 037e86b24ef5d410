/**
 * A trained CGCNN in TF.js's own model-artifacts format: the two files `tf.io.browserDownloads` writes
 * (`<stem>.json` and `<stem>.weights.bin`), byte for byte as it would write them for the same artifacts.
 *
 * `<stem>.json` is a tf.io `ModelJSON`: `modelTopology`, `format`, `generatedBy`, `convertedBy` (null),
 * `weightsManifest` (one group, path `./<stem>.weights.bin`, one `{name, shape, dtype: 'float32'}` entry
 * per tensor, in the order given) and `userDefinedMetadata` (recipe, normaliser, run, dataset). The
 * weights file is every tensor's float32 values, little-endian, concatenated in manifest order.
 *
 * The topology is not a Keras/Layers topology (`tf.loadLayersModel` cannot build a CGCNN): it is a JSON
 * description of the lab's network (sizes, layers, torch weight layouts), and `format` says so. The
 * weights load with TF.js's own I/O: `tf.io.getModelArtifactsForJSON` + `tf.io.decodeWeights` (or
 * `tf.io.loadWeights(manifest, baseUrl)`), giving one tensor per torch parameter/buffer name, which is
 * what `CgcnnModel.loadTorchState` / `writeWeights` take.
 *
 * Pure data → data (no TF.js here: core imports no package), so pages, workers and tests can use it.
 */
import type { CgcnnSizes } from './recipe.ts';

export type { CgcnnSizes } from './recipe.ts';

/** The `format` field: this file describes the lab's CGCNN, not a tfjs-layers or graph model. */
export const TFJS_MODEL_FORMAT = 'optimization-lab/cgcnn@1';

/** The weights to write: names (torch naming), shapes and float32 values, index by index. */
export interface TfjsWeights {
  names: string[];
  shapes: number[][];
  data: Float32Array[];
}

/** What the lab records next to the weights. */
export interface TfjsMeta {
  /** The training recipe (a TrainConfig; its `model` gives the network's sizes). */
  config: unknown;
  /** Training-split target mean and std: prediction = mean + std · network output. */
  normalizer: { mean: number; std: number };
  runName: string;
  datasetFingerprint: string;
  labVersion: string;
  /** Atom (node) feature length D; inferred from `embedding.weight` when absent. */
  nodeFeatureLength?: number;
  /** Bond (edge) feature length G; inferred from `convs.0.fc_full.weight` when absent. */
  edgeFeatureLength?: number;
  /** The file names' stem (`<stem>.json`, `<stem>.weights.bin`); default 'model'. */
  fileStem?: string;
}

/** One `weightsManifest` entry (tf.io `WeightsManifestEntry`, float32 only). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

const WEIGHTS_EXTENSION = '.weights.bin';
const DEFAULT_STEM = 'model';

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const wholeAtLeast = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Checks names/shapes/data agree; throws a RangeError naming the first problem. */
function checkWeights(w: TfjsWeights): void {
  if (w.names.length !== w.shapes.length || w.names.length !== w.data.length) {
    throw new RangeError(
      `TF.js export: ${w.names.length} names, ${w.shapes.length} shapes and ${w.data.length} arrays; they must match.`,
    );
  }
  const seen = new Set<string>();
  w.names.forEach((name, i) => {
    if (seen.has(name)) throw new RangeError(`TF.js export: the tensor name ${name} appears twice.`);
    seen.add(name);
    const shape = w.shapes[i]!;
    const data = w.data[i]!;
    if (!shape.every((d) => wholeAtLeast(d, 0))) {
      throw new RangeError(`TF.js export: ${name} has an invalid shape [${shape.join(', ')}].`);
    }
    if (!(data instanceof Float32Array)) throw new RangeError(`TF.js export: ${name} is not a Float32Array.`);
    if (data.length !== product(shape)) {
      throw new RangeError(
        `TF.js export: ${name} has ${data.length} values for shape [${shape.join(', ')}].`,
      );
    }
  });
}

/**
 * The network's sizes: the recipe's `model` (atomFeaLen, nConv, hFeaLen, nH) and the input lengths from
 * `meta`, each falling back to what the weight shapes say (torch layout: Linear weight [out, in]).
 */
export function cgcnnSizes(weights: TfjsWeights, meta: TfjsMeta): CgcnnSizes {
  const shapeOf = (name: string): number[] | undefined => {
    const i = weights.names.indexOf(name);
    return i < 0 ? undefined : weights.shapes[i];
  };
  const model = isRecord(meta.config) && isRecord(meta.config['model']) ? meta.config['model'] : {};
  const pick = (key: string, min: number, inferred: number | undefined): number => {
    const v = model[key];
    if (wholeAtLeast(v, min)) return v;
    if (inferred !== undefined && wholeAtLeast(inferred, min)) return inferred;
    throw new RangeError(`TF.js export: the model size ${key} is neither in the recipe nor in the weights.`);
  };
  const count = (re: RegExp) => weights.names.filter((n) => re.test(n)).length;
  const atomFeaLen = pick('atomFeaLen', 1, shapeOf('embedding.weight')?.[0]);
  const nConv = pick('nConv', 0, count(/^convs\.\d+\.fc_full\.weight$/));
  const hFeaLen = pick('hFeaLen', 1, shapeOf('conv_to_fc.weight')?.[0]);
  const nH = pick('nH', 1, count(/^fcs\.\d+\.weight$/) + 1);
  const fcIn = shapeOf('convs.0.fc_full.weight')?.[1];
  const input = (given: number | undefined, inferred: number | undefined, what: string): number => {
    if (wholeAtLeast(given, 1)) return given;
    if (wholeAtLeast(inferred, 1)) return inferred;
    throw new RangeError(`TF.js export: the ${what} length is neither given nor in the weights.`);
  };
  return {
    origAtomFeaLen: input(meta.nodeFeatureLength, shapeOf('embedding.weight')?.[1], 'atom feature'),
    nbrFeaLen: input(
      meta.edgeFeatureLength,
      fcIn === undefined ? undefined : fcIn - 2 * atomFeaLen,
      'bond feature',
    ),
    atomFeaLen,
    nConv,
    hFeaLen,
    nH,
  };
}

/** The `modelTopology` object: a JSON description of the lab's CGCNN with sizes `s`. */
export function cgcnnTopology(s: CgcnnSizes): Record<string, unknown> {
  const { origAtomFeaLen: D, nbrFeaLen: G, atomFeaLen: F, hFeaLen: H } = s;
  const linear = (name: string, inp: number, out: number) => ({
    name,
    class_name: 'Linear',
    in_features: inp,
    out_features: out,
    weights: [`${name}.weight`, `${name}.bias`],
  });
  const bn = (name: string, n: number) => ({
    name,
    class_name: 'BatchNorm1d',
    num_features: n,
    eps: 1e-5,
    momentum: 0.1,
    weights: [`${name}.weight`, `${name}.bias`, `${name}.running_mean`, `${name}.running_var`],
  });
  const layers: unknown[] = [linear('embedding', D, F)];
  for (let k = 0; k < s.nConv; k++) {
    layers.push({
      name: `convs.${k}`,
      class_name: 'ConvLayer',
      layers: [
        linear(`convs.${k}.fc_full`, 2 * F + G, 2 * F),
        bn(`convs.${k}.bn1`, 2 * F),
        bn(`convs.${k}.bn2`, F),
      ],
    });
  }
  layers.push(linear('conv_to_fc', F, H));
  for (let j = 0; j < s.nH - 1; j++) layers.push(linear(`fcs.${j}`, H, H));
  layers.push(linear('fc_out', H, 1));
  return {
    class_name: 'CrystalGraphConvNet',
    reference: 'Xie & Grossman, Phys. Rev. Lett. 120, 145301 (2018); github.com/txie-93/cgcnn model.py',
    task: 'regression',
    config: {
      orig_atom_fea_len: D,
      nbr_fea_len: G,
      atom_fea_len: F,
      n_conv: s.nConv,
      h_fea_len: H,
      n_h: s.nH,
      activation: 'softplus',
      pooling: 'mean',
    },
    inputs: {
      atom_fea: { shape: [null, D], dtype: 'float32', doc: 'N atoms × D atom features' },
      nbr_fea: {
        shape: [null, G],
        dtype: 'float32',
        doc: 'N·M neighbour rows (M per atom) × G bond features',
      },
      nbr_fea_idx: { shape: [null], dtype: 'int32', doc: 'N·M neighbour atom indices' },
      crystal_atom_idx: { shape: [null, null], dtype: 'float32', doc: 'B × N mean-pooling matrix' },
    },
    output: { shape: [null, 1], dtype: 'float32', doc: 'normalised target; multiply by std, add mean' },
    weight_layout: 'torch: Linear weight [out_features, in_features], y = x·Wᵀ + b',
    layers,
  };
}

/**
 * TF.js model artifacts for the weights (see the module doc): `modelJson` is the text of `<fileStem>.json`
 * and `weightData` the bytes of `<fileStem>.weights.bin`, as `tf.io.browserDownloads(fileStem)` writes
 * them. The stem is `fileStem`, else `meta.fileStem`, else 'model'. Throws a RangeError when names/shapes/data disagree or a size cannot be determined, and an Error
 * on a big-endian platform.
 */
export function tfjsArtifacts(
  weights: TfjsWeights,
  meta: TfjsMeta,
  fileStem?: string,
): { modelJson: string; weightData: Uint8Array<ArrayBuffer> } {
  if (!littleEndian())
    throw new Error('TF.js export: the weight file is little-endian; this platform is not.');
  checkWeights(weights);
  const given = fileStem ?? meta.fileStem ?? '';
  const stem = given.length > 0 ? given : DEFAULT_STEM;
  const sizes = cgcnnSizes(weights, meta);
  const specs: TfjsWeightSpec[] = weights.names.map((name, i) => ({
    name,
    shape: [...weights.shapes[i]!],
    dtype: 'float32',
  }));
  const total = weights.data.reduce((a, d) => a + d.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const d of weights.data) {
    weightData.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), offset);
    offset += d.byteLength;
  }
  // Field order and spacing as tf.io's getModelJSONForModelArtifacts + JSON.stringify.
  const modelJson = JSON.stringify({
    modelTopology: cgcnnTopology(sizes),
    format: TFJS_MODEL_FORMAT,
    generatedBy: `optimization-lab ${meta.labVersion}`,
    convertedBy: null,
    weightsManifest: [{ paths: [`./${stem}${WEIGHTS_EXTENSION}`], weights: specs }],
    userDefinedMetadata: {
      optimizationLab: {
        runName: meta.runName,
        datasetFingerprint: meta.datasetFingerprint,
        labVersion: meta.labVersion,
        normalizer: { mean: meta.normalizer.mean, std: meta.normalizer.std },
        prediction: 'target = normalizer.mean + normalizer.std · output',
        recipe: meta.config ?? null,
      },
    },
  });
  return { modelJson, weightData };
}
