/**
 * The shape of `../shared/oracle/losses.json` and its torch loss classes as our `LossConfig`: shared by
 * the float64 core's tests and the TF.js engine's tests. Test support only.
 */
import type { LossConfig } from '../losses.ts';

export interface LossResult {
  loss: 'HuberLoss' | 'MSELoss' | 'L1Loss' | 'SmoothL1Loss';
  kwargs: { delta?: number; beta?: number };
  reduction: string;
  value: number;
  grad: number[];
}
export interface LossCase {
  name: string;
  shape: number[];
  predictions: number[];
  targets: number[];
  residuals_pred_minus_target: number[];
  results: LossResult[];
}
export interface LossFile {
  cases: LossCase[];
}

/** The fixture's torch class + kwargs as our config. */
export function lossConfigOf(r: LossResult): LossConfig {
  switch (r.loss) {
    case 'MSELoss':
      return { kind: 'mse' };
    case 'L1Loss':
      return { kind: 'mae' };
    case 'HuberLoss':
      if (r.kwargs.delta === undefined) throw new Error('HuberLoss without delta');
      return { kind: 'huber', delta: r.kwargs.delta };
    case 'SmoothL1Loss':
      if (r.kwargs.beta === undefined) throw new Error('SmoothL1Loss without beta');
      return { kind: 'smoothl1', beta: r.kwargs.beta };
  }
}
