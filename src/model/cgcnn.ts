/**
 * CGCNN (Xie & Grossman 2018; txie-93/cgcnn `cgcnn/model.py` @ f42ab233, regression head) in TF.js.
 *
 * Architecture (F = atomFeaLen, G = nbrFeaLen, H = hFeaLen, N atoms, M neighbours, B crystals):
 *
 *   x   = embedding(atomFea)                               Linear(D→F)           [N, F]
 *   n_conv × ConvLayer:
 *     z   = fc_full(concat(x_i, x_nbr(i,m), bond_im))        Linear(2F+G→2F)       [N·M, 2F]
 *     z   = bn1(z)                                          BatchNorm1d(2F) over the N·M rows
 *     s_i = Σ_m σ(z_filter) · softplus(z_core)              chunk(2) along features   [N, F]
 *     x   = softplus(x + bn2(s))                            BatchNorm1d(F)
 *   c   = pool · x                                          per-crystal mean      [B, F]
 *   h   = softplus(conv_to_fc(softplus(c)))                 Linear(F→H)           [B, H]
 *   (nH−1) × h = softplus(fcs.j(h))                         Linear(H→H)
 *   out = fc_out(h)                                         Linear(H→1)           [B, 1]
 *
 * Formulation ("projection before aggregation"). fc_full's torch weight W [2F, 2F+G] stays one
 * variable; the forward cuts it with `tf.split` (whose gradient is a concat, so the gradient reaches
 * the single torch parameter) into the column blocks W_self = W[:, 0:F], W_nbr = W[:, F:2F],
 * W_bond = W[:, 2F:]. Then
 *
 *   fc_full(concat(x_i, x_j, e_ij)) = x_i·W_selfᵀ + x_j·W_nbrᵀ + e_ij·W_bondᵀ + b
 *                                   = (x·W_selfᵀ + b)_i  +  gather(x·W_nbrᵀ, nbrIdx)_(i,m)  +  (e·W_bondᵀ)_(i,m)
 *
 * (mathematically identical; 2·N·F·2F + N·M·G·2F multiply-adds instead of N·M·(2F+G)·2F). The gather's
 * gradient is a reverse-index gather + sum (gather.ts): no scatter, deterministic on every backend.
 * The 2F output channels are computed as their two chunks (filter rows 0…F−1 of W, core rows F…2F−1)
 * separately, each with its own half of bn1 (BatchNorm is per channel, so this is the same bn1): no
 * [N·M, 2F] tensor is ever split or concatenated (strided copies that are slow on wasm). The other
 * custom gradients (ops.ts) avoid TF.js wasm's slow paths; see there.
 *
 * Parameters are stored in torch layout (Linear weight [out, in], y = x·Wᵀ + b), one `tf.Variable` per
 * torch parameter, in `named_parameters()` order: checkpoints, optimizer slots and the oracle fixtures
 * map one to one.
 *
 * Divergences from cgcnn, deliberate:
 * - Softplus is TF.js's (the cpu and wasm kernels apply the same rule): it returns x for
 *   x > −(ln ε + 2) ≈ 13.94 and exp(x) for x < ≈ −13.94 (ε = 2^−23), where torch returns x only for
 *   x > 20 and log1p(exp(x)) otherwise. Where they differ, the gap is < e^−13.94 ≈ 8.8e-7, below one
 *   float32 ulp of x (x ≥ 13.94), or a relative exp(x)/2 < 4.4e-7 (x ≤ −13.94): within float32
 *   rounding of torch. The gradient σ(x) is the same (σ(20) rounds to 1 in float32, torch's slope
 *   above its threshold).
 * - A train-mode forward with a single atom in the batch throws (torch raises too: BatchNorm needs more
 *   than one value per channel); cgcnn would crash there.
 * - Classification (LogSoftmax, dropout) is not implemented; the lab regresses.
 */
import * as tf from '@tensorflow/tfjs';
import type { CgcnnSizes } from '../core/recipe.ts';
import { createRng, fork, uniformArray } from '../core/rng.ts';
import type { BatchTensors } from './batch.ts';
import { defaultGatherImpl, gatherRows, type GatherImpl } from './gather.ts';
import { batchNormEval, batchNormTrain, constMatMul, dense, gatedNeighbourSum } from './ops.ts';

/** Hyper-parameters of the network (cgcnn's `CrystalGraphConvNet` arguments). */
export type CgcnnConfig = CgcnnSizes;

/** cgcnn's defaults: 92-d atoms, 41 Gaussians, F = 64, 3 convolutions, 128 hidden, one hidden layer. */
export const CGCNN_DEFAULT_CONFIG: Readonly<CgcnnConfig> = Object.freeze({
  origAtomFeaLen: 92,
  nbrFeaLen: 41,
  atomFeaLen: 64,
  nConv: 3,
  hFeaLen: 128,
  nH: 1,
});

/** torch BatchNorm1d defaults. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Batch statistics of one BatchNorm in a train-mode forward (for the running-stat update). */
export interface BnStats {
  mean: tf.Tensor1D;
  /** Unbiased (n−1) batch variance, as torch's running_var update uses. */
  varUnbiased: tf.Tensor1D;
}

/**
 * Optional debugging hook of `forward`: called with each named intermediate. Names (torch's):
 * 'embedding_out' [N,F]; per conv k: `conv${k}.fc_full_out` [N·M,2F], `conv${k}.bn1_out` [N·M,2F],
 * `conv${k}.nbr_sumed` [N,F], `conv${k}.bn2_out` [N,F], `conv${k}_out` [N,F]; 'pooled' [B,F];
 * 'hidden' [B,H] (the last hidden layer); 'out' [B,1]. The tensors belong to the forward's scope: read
 * or `tf.keep`/clone them inside the callback's enclosing tidy.
 */
export type ForwardTrace = (name: string, x: tf.Tensor) => void;

export interface TorchTensor<D> {
  shape: number[];
  data: D;
}

interface ParamSpec {
  name: string;
  shape: number[];
  /** U(−bound, bound) for Linear weights and biases (bound = 1/√fan_in); constant otherwise. */
  init: { kind: 'uniform'; bound: number } | { kind: 'const'; value: number };
}

interface LinearVars {
  w: tf.Variable; // [out, in]
  b: tf.Variable; // [out]
}

interface BnVars {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

interface ConvVars {
  fc: LinearVars;
  bn1: BnVars;
  bn2: BnVars;
}

function checkConfig(c: CgcnnConfig): void {
  const positive: (keyof CgcnnConfig)[] = ['origAtomFeaLen', 'nbrFeaLen', 'atomFeaLen', 'hFeaLen', 'nH'];
  for (const k of positive) {
    if (!(Number.isInteger(c[k]) && c[k] >= 1)) {
      throw new RangeError(`CGCNN config: ${k} must be a whole number ≥ 1, got ${c[k]}.`);
    }
  }
  if (!(Number.isInteger(c.nConv) && c.nConv >= 0)) {
    throw new RangeError(`CGCNN config: nConv must be a whole number ≥ 0, got ${c.nConv}.`);
  }
}

/** The torch parameter and buffer list of a configuration, in `named_parameters()` / `named_buffers()` order. */
function specs(c: CgcnnConfig): { params: ParamSpec[]; buffers: ParamSpec[] } {
  const params: ParamSpec[] = [];
  const buffers: ParamSpec[] = [];
  const linear = (name: string, out: number, inp: number) => {
    const bound = 1 / Math.sqrt(inp);
    params.push({ name: `${name}.weight`, shape: [out, inp], init: { kind: 'uniform', bound } });
    params.push({ name: `${name}.bias`, shape: [out], init: { kind: 'uniform', bound } });
  };
  const bn = (name: string, n: number) => {
    params.push({ name: `${name}.weight`, shape: [n], init: { kind: 'const', value: 1 } });
    params.push({ name: `${name}.bias`, shape: [n], init: { kind: 'const', value: 0 } });
    buffers.push({ name: `${name}.running_mean`, shape: [n], init: { kind: 'const', value: 0 } });
    buffers.push({ name: `${name}.running_var`, shape: [n], init: { kind: 'const', value: 1 } });
  };
  const F = c.atomFeaLen;
  linear('embedding', F, c.origAtomFeaLen);
  for (let k = 0; k < c.nConv; k++) {
    linear(`convs.${k}.fc_full`, 2 * F, 2 * F + c.nbrFeaLen);
    bn(`convs.${k}.bn1`, 2 * F);
    bn(`convs.${k}.bn2`, F);
  }
  linear('conv_to_fc', c.hFeaLen, F);
  for (let j = 0; j < c.nH - 1; j++) linear(`fcs.${j}`, c.hFeaLen, c.hFeaLen);
  linear('fc_out', 1, c.hFeaLen);
  return { params, buffers };
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * torch's default initial values, drawn from the lab's seeded RNG: nn.Linear's kaiming_uniform(a=√5)
 * weight and its bias are both U(−1/√fan_in, 1/√fan_in); BatchNorm γ = 1, β = 0, running mean 0, var 1.
 * Each tensor draws from its own stream `fork(createRng(seed), name)`, so a tensor's initial value does
 * not depend on the other layers (e.g. on nConv). Values are not torch's (different generator).
 */
function initialValue(spec: ParamSpec, seed: number | string): Float32Array {
  const n = size(spec.shape);
  if (spec.init.kind === 'const') return new Float32Array(n).fill(spec.init.value);
  const [u] = uniformArray(fork(createRng(seed), spec.name), n);
  const b = spec.init.bound;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = -b + 2 * b * u[i]!;
  return out;
}

export class CgcnnModel {
  readonly config: CgcnnConfig;
  readonly paramNames: string[];
  readonly params: tf.Variable[];
  readonly bufferNames: string[];
  readonly buffers: tf.Variable[];
  /**
   * Which kernels the neighbour gather uses (gather.ts): 'auto' = SparseSegmentSum on wasm/cpu,
   * GatherV2 elsewhere. Both are deterministic and give the same numbers; set it to test either path.
   */
  gatherImpl: GatherImpl | 'auto' = 'auto';
  private readonly shapes: Map<string, number[]>;
  private readonly embedding: LinearVars;
  private readonly convs: ConvVars[];
  private readonly convToFc: LinearVars;
  private readonly fcs: LinearVars[];
  private readonly fcOut: LinearVars;
  private readonly bns: BnVars[];

  /** torch's default initialisation, seeded (see `initialValue`). */
  constructor(config: CgcnnConfig, seed: number | string) {
    checkConfig(config);
    this.config = { ...config };
    const s = specs(this.config);
    this.paramNames = s.params.map((p) => p.name);
    this.bufferNames = s.buffers.map((p) => p.name);
    this.shapes = new Map([...s.params, ...s.buffers].map((p) => [p.name, p.shape]));
    // tf.variable copies its initial value: the temporary tensor is released by the tidy.
    this.params = tf.tidy(() =>
      s.params.map((p) => tf.variable(tf.tensor(initialValue(p, seed), p.shape), true)),
    );
    this.buffers = tf.tidy(() =>
      s.buffers.map((p) => tf.variable(tf.tensor(initialValue(p, seed), p.shape), false)),
    );
    const P = new Map(this.paramNames.map((n, i) => [n, this.params[i]!]));
    const Bf = new Map(this.bufferNames.map((n, i) => [n, this.buffers[i]!]));
    const lin = (name: string): LinearVars => ({ w: P.get(`${name}.weight`)!, b: P.get(`${name}.bias`)! });
    const bn = (name: string): BnVars => ({
      gamma: P.get(`${name}.weight`)!,
      beta: P.get(`${name}.bias`)!,
      runningMean: Bf.get(`${name}.running_mean`)!,
      runningVar: Bf.get(`${name}.running_var`)!,
    });
    this.embedding = lin('embedding');
    this.convs = [];
    this.bns = [];
    for (let k = 0; k < this.config.nConv; k++) {
      const conv = { fc: lin(`convs.${k}.fc_full`), bn1: bn(`convs.${k}.bn1`), bn2: bn(`convs.${k}.bn2`) };
      this.convs.push(conv);
      this.bns.push(conv.bn1, conv.bn2);
    }
    this.convToFc = lin('conv_to_fc');
    this.fcs = [];
    for (let j = 0; j < this.config.nH - 1; j++) this.fcs.push(lin(`fcs.${j}`));
    this.fcOut = lin('fc_out');
  }

  /**
   * The network's output [B, 1] (normalised target units) for one batch. A pure function of the
   * variables, so it can run inside `tf.variableGrads` / `tf.grads`. Train mode normalises with batch
   * statistics and returns them (one entry per BatchNorm, in `bufferNames` pair order) for
   * `updateRunningStats`; eval mode uses the running statistics and returns `bnStats: []`.
   * Creates tensors: call it inside `tf.tidy` (or the gradient function). Inside `tf.variableGrads`,
   * which disposes everything its function creates except the returned loss, `tf.keep` the bnStats
   * tensors you need afterwards and dispose them yourself after `updateRunningStats`.
   * `trace` (optional, for tests and debugging) receives the named intermediates (see ForwardTrace).
   * @throws RangeError when the batch's shapes do not fit the model, or a training batch has < 2 atoms.
   */
  forward(
    t: BatchTensors,
    training: boolean,
    trace?: ForwardTrace,
  ): { out: tf.Tensor2D; bnStats: BnStats[] } {
    const { origAtomFeaLen: D, nbrFeaLen: G, atomFeaLen: F } = this.config;
    const [N, Dt] = t.atomFea.shape;
    const [NM, Gt] = t.bondFea.shape;
    const M = N > 0 ? NM / N : 0;
    if (Dt !== D || Gt !== G || !Number.isInteger(M) || M < 1 || t.nbrIdx.shape[0] !== NM) {
      throw new RangeError(
        `CGCNN forward: batch shapes atomFea [${N}, ${Dt}], bondFea [${NM}, ${Gt}], nbrIdx [${t.nbrIdx.shape[0]}] do not fit the model (${D} atom features, ${G} bond features, N·M rows).`,
      );
    }
    if (training && N < 2) {
      throw new RangeError(
        'CGCNN forward: a training batch needs at least 2 atoms (BatchNorm needs more than one value per channel).',
      );
    }
    const note = trace ?? (() => undefined);
    const impl = this.gatherImpl === 'auto' ? defaultGatherImpl() : this.gatherImpl;
    const bnStats: BnStats[] = [];
    /** BatchNorm1d over the rows of z [R, C] (train: batch statistics; eval: running ones). */
    const bn = (
      z: tf.Tensor2D,
      gamma: tf.Tensor1D,
      beta: tf.Tensor1D,
      running: () => [tf.Tensor1D, tf.Tensor1D],
      group: number,
    ) => {
      if (!training) {
        const [rm, rv] = running();
        return { y: batchNormEval(z, gamma, beta, rm, rv, BN_EPS), stats: null };
      }
      return batchNormTrain(z, gamma, beta, BN_EPS, group);
    };
    /** The two chunks [0, F) and [F, 2F) of a [2F] vector (one SplitV kernel; its gradient is one concat). */
    const halves = (v: tf.Variable) => tf.split(v, 2) as [tf.Tensor1D, tf.Tensor1D];
    let x = dense(t.atomFea, this.embedding.w as tf.Tensor2D, this.embedding.b as tf.Tensor1D, true); // [N, F]
    note('embedding_out', x);
    // eᵀ [G, N·M], shared by every convolution's W_bond gradient (see `dense`).
    const bondT = tf.transpose(t.bondFea);
    for (let k = 0; k < this.convs.length; k++) {
      const conv = this.convs[k]!;
      // fc_full's output channels split into its two chunks, h = 0 (filter) and h = 1 (core), computed
      // separately so no [N·M, 2F] tensor is ever split or concatenated (slow strided copies on wasm).
      // W [2F, 2F+G] (torch layout) → per chunk the column blocks W_self [F, F], W_nbr [F, F], W_bond [F, G].
      const wHalves = tf.split(conv.fc.w, 2, 0);
      const bias = halves(conv.fc.b);
      const gamma1 = halves(conv.bn1.gamma);
      const beta1 = halves(conv.bn1.beta);
      const z: tf.Tensor2D[] = [];
      const y: tf.Tensor2D[] = [];
      const stats1: BnStats[] = [];
      for (let h = 0; h < 2; h++) {
        const [wSelf, wNbr, wBond] = tf.split(wHalves[h]!, [F, F, G], 1) as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        const selfP = dense(x, wSelf, bias[h]!); // x·W_selfᵀ + b   [N, F]
        const nbrP = dense(x, wNbr, null); // x·W_nbrᵀ   [N, F]
        const gathered = gatherRows(nbrP, t.nbrIdx, t.revIdx, t.maxInDegree, impl); // [N·M, F]
        const bondP = dense(t.bondFea, wBond, null, true, bondT); // e·W_bondᵀ   [N·M, F]
        const zh = tf.reshape<tf.Rank.R2>(
          tf.add(tf.reshape(tf.add(gathered, bondP), [N, M, F]), tf.reshape(selfP, [N, 1, F])),
          [NM, F],
        );
        const running = () =>
          [halves(conv.bn1.runningMean)[h]!, halves(conv.bn1.runningVar)[h]!] as [tf.Tensor1D, tf.Tensor1D];
        const r = bn(zh, gamma1[h]!, beta1[h]!, running, M);
        z.push(zh);
        y.push(r.y);
        if (r.stats !== null) stats1.push(r.stats);
      }
      if (trace !== undefined) {
        note(`conv${k}.fc_full_out`, tf.concat(z, 1));
        note(`conv${k}.bn1_out`, tf.concat(y, 1));
      }
      const summed = gatedNeighbourSum(y[0]!, y[1]!, N, M); // Σ_m σ(filter)·softplus(core)   [N, F]
      note(`conv${k}.nbr_sumed`, summed);
      const bn2 = conv.bn2;
      const r2 = bn(
        summed,
        bn2.gamma as tf.Tensor1D,
        bn2.beta as tf.Tensor1D,
        () => [bn2.runningMean as tf.Tensor1D, bn2.runningVar as tf.Tensor1D],
        1,
      );
      note(`conv${k}.bn2_out`, r2.y);
      x = tf.softplus(tf.add(x, r2.y));
      note(`conv${k}_out`, x);
      if (training) {
        const [a, b] = stats1 as [BnStats, BnStats];
        bnStats.push({
          mean: tf.concat([a.mean, b.mean]),
          varUnbiased: tf.concat([a.varUnbiased, b.varUnbiased]),
        });
        bnStats.push(r2.stats!);
      }
    }
    const pooled = constMatMul(t.pool, x); // [B, F]
    note('pooled', pooled);
    const cf = this.convToFc;
    let h = tf.softplus(dense(tf.softplus(pooled), cf.w as tf.Tensor2D, cf.b as tf.Tensor1D)); // [B, H]
    for (const fc of this.fcs) h = tf.softplus(dense(h, fc.w as tf.Tensor2D, fc.b as tf.Tensor1D));
    note('hidden', h);
    const out = dense(h, this.fcOut.w as tf.Tensor2D, this.fcOut.b as tf.Tensor1D); // [B, 1]
    note('out', out);
    return { out, bnStats };
  }

  /**
   * running ← (1 − m)·running + m·batch for every BatchNorm (torch, m = 0.1), mean and unbiased variance.
   * `bnStats` as returned by a train-mode `forward`, one entry per BatchNorm in `bufferNames` pair order.
   * Does not dispose `bnStats`.
   */
  updateRunningStats(bnStats: BnStats[], momentum: number = BN_MOMENTUM): void {
    if (bnStats.length !== this.bns.length) {
      throw new RangeError(
        `updateRunningStats: got ${bnStats.length} BatchNorm statistics, the model has ${this.bns.length} BatchNorms.`,
      );
    }
    tf.tidy(() => {
      this.bns.forEach((bn, i) => {
        const s = bnStats[i]!;
        bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - momentum), tf.mul(s.mean, momentum)));
        bn.runningVar.assign(tf.add(tf.mul(bn.runningVar, 1 - momentum), tf.mul(s.varUnbiased, momentum)));
      });
    });
  }

  /**
   * Loads a torch `state_dict` (parameters by torch name, torch layouts; buffers optional).
   * `*.num_batches_tracked` buffers are ignored. Every parameter must be present with its torch shape.
   * @throws Error naming each missing, unknown or mis-shaped tensor.
   */
  loadTorchState(
    params: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    buffers?: Record<string, { shape: number[]; data: ArrayLike<number> }>,
  ): void {
    const problems: string[] = [];
    const check = (names: string[], given: Record<string, { shape: number[]; data: ArrayLike<number> }>) => {
      for (const name of names) {
        const g = given[name];
        const want = this.shapes.get(name)!;
        if (g === undefined) problems.push(`${name} is missing`);
        else if (g.shape.length !== want.length || g.shape.some((d, i) => d !== want[i])) {
          problems.push(`${name} has shape [${g.shape.join(', ')}], the model needs [${want.join(', ')}]`);
        } else if (g.data.length !== size(want)) {
          problems.push(`${name} has ${g.data.length} values for shape [${want.join(', ')}]`);
        }
      }
      for (const name of Object.keys(given)) {
        if (!names.includes(name) && !name.endsWith('num_batches_tracked'))
          problems.push(`${name} is not in this model`);
      }
    };
    check(this.paramNames, params);
    if (buffers !== undefined) check(this.bufferNames, buffers);
    if (problems.length > 0) {
      throw new Error(`CGCNN weights do not fit this model: ${problems.join('; ')}.`);
    }
    const assign = (
      vars: tf.Variable[],
      names: string[],
      given: Record<string, { data: ArrayLike<number> }>,
    ) => {
      vars.forEach((v, i) => {
        const data = Float32Array.from(given[names[i]!]!.data);
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      });
    };
    assign(this.params, this.paramNames, params);
    if (buffers !== undefined) assign(this.buffers, this.bufferNames, buffers);
  }

  /** Parameters and buffers by torch name in torch layouts (async readback). */
  async exportTorchState(): Promise<{
    params: Record<string, TorchTensor<Float32Array>>;
    buffers: Record<string, TorchTensor<Float32Array>>;
  }> {
    const read = async (vars: tf.Variable[], names: string[]) => {
      const out: Record<string, TorchTensor<Float32Array>> = {};
      const data = await Promise.all(vars.map((v) => v.data<'float32'>()));
      names.forEach((n, i) => (out[n] = { shape: [...vars[i]!.shape], data: Float32Array.from(data[i]!) }));
      return out;
    };
    return {
      params: await read(this.params, this.paramNames),
      buffers: await read(this.buffers, this.bufferNames),
    };
  }

  /** Every parameter then every buffer, flat (torch layouts), for checkpoints. Async readback. */
  async readWeights(): Promise<Float32Array[]> {
    const all = [...this.params, ...this.buffers];
    const data = await Promise.all(all.map((v) => v.data<'float32'>()));
    return data.map((d) => Float32Array.from(d));
  }

  /** Inverse of `readWeights`. @throws RangeError when the count or a length does not match. */
  writeWeights(w: Float32Array[]): void {
    const all = [...this.params, ...this.buffers];
    if (w.length !== all.length) {
      throw new RangeError(`writeWeights: got ${w.length} tensors, the model has ${all.length}.`);
    }
    all.forEach((v, i) => {
      if (w[i]!.length !== v.size) {
        const name = [...this.paramNames, ...this.bufferNames][i];
        throw new RangeError(`writeWeights: ${name} needs ${v.size} values, got ${w[i]!.length}.`);
      }
    });
    all.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(w[i]!, v.shape))));
  }

  dispose(): void {
    tf.dispose([...this.params, ...this.buffers]);
  }
}
