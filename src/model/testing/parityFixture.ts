/**
 * The CGCNN parity fixtures (`../shared/oracle/cgcnn_parity.json`, `cgcnn_parity_full.json`) as types,
 * and their batch and model sizes in the model's terms. Test support, shared by the model's parity tests
 * and the engine's training-step parity (Node and browser). Pure TF.js, no Node APIs.
 */
import * as tf from '@tensorflow/tfjs';
import { reverseIndex, type BatchTensors } from '../batch.ts';
import type { CgcnnConfig } from '../cgcnn.ts';

export interface T {
  shape: number[];
  data: number[];
}
export interface TrainStep {
  lr: number;
  momentum: number;
  momentum_key: string;
  outputs: T;
  huber_loss: number;
  mse_loss: number;
  preclip_norm: number;
  clip_coef_clamped: number;
  buffers_after: Record<string, T>;
  params_after: Record<string, T>;
}
export interface TrainRun {
  optimizer: 'SGD' | 'Adam';
  optimizer_kwargs: {
    lr: number;
    momentum?: number;
    betas?: [number, number];
    eps?: number;
    weight_decay: number;
  };
  clip: { max_norm: number; norm_type: number };
  loss: { name: string; delta: number };
  steps: TrainStep[];
  eval_outputs_after: T;
}
export interface ParityCase {
  config: {
    orig_atom_fea_len: number;
    nbr_fea_len: number;
    atom_fea_len: number;
    n_conv: number;
    h_fea_len: number;
    n_h: number;
  };
  name?: string;
  batch: {
    N: number;
    M: number;
    atom_fea: T;
    nbr_dist: T;
    /** [N, M, 41]; only in the small file (the full file omits it: recompute from nbr_dist). */
    nbr_fea?: T;
    nbr_fea_idx: T;
    crystal_atom_idx: number[][];
    targets: T;
  };
  init: { param_order: string[]; params: Record<string, T>; buffers: Record<string, T> };
  forward_train: {
    outputs: T;
    mse_loss: number;
    'huber_loss_delta_0.2': number;
    intermediates: Record<string, T>;
    grads_huber: Record<string, T>;
    buffers_after_forward: Record<string, T>;
    conv0_internals?: Record<string, T>;
  };
  eval_outputs_init: T;
  /** The small file's steps in full (the full file has digests instead). */
  train: { SGD: TrainRun; Adam: TrainRun };
}

export const configOf = (c: ParityCase): CgcnnConfig => ({
  origAtomFeaLen: c.config.orig_atom_fea_len,
  nbrFeaLen: c.config.nbr_fea_len,
  atomFeaLen: c.config.atom_fea_len,
  nConv: c.config.n_conv,
  hFeaLen: c.config.h_fea_len,
  nH: c.config.n_h,
});

/**
 * The fixture's batch on the device; bond features from `nbrFea` [N, M, 41] (default: the small file's
 * own `nbr_fea`).
 */
export function fixtureBatch(c: ParityCase, nbrFea: T | undefined = c.batch.nbr_fea): BatchTensors {
  if (nbrFea === undefined)
    throw new Error('this parity case has no nbr_fea: pass bond features computed from nbr_dist');
  const { N, M } = c.batch;
  const nbrIdx = Int32Array.from(c.batch.nbr_fea_idx.data);
  const { revIdx, maxInDegree } = reverseIndex(nbrIdx, N);
  const B = c.batch.crystal_atom_idx.length;
  const pool = new Float32Array(B * N);
  c.batch.crystal_atom_idx.forEach((atoms, b) => atoms.forEach((i) => (pool[b * N + i] = 1 / atoms.length)));
  return {
    atomFea: tf.tensor2d(c.batch.atom_fea.data, [N, c.batch.atom_fea.shape[1] as number]),
    bondFea: tf.tensor2d(nbrFea.data, [N * M, nbrFea.shape[2] as number]),
    nbrIdx: tf.tensor1d(nbrIdx, 'int32'),
    revIdx: tf.tensor1d(revIdx, 'int32'),
    maxInDegree,
    pool: tf.tensor2d(pool, [B, N]),
    targets: tf.tensor2d(c.batch.targets.data, [B, 1]),
  };
}
