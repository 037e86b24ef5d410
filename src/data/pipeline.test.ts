import { describe, expect, it } from 'vitest';
import { datasetInfo, formulaOf, prepareDataset } from './pipeline.ts';

describe('formulaOf', () => {
  it('counts elements in order of first appearance', () => {
    expect(formulaOf([38, 22, 8, 8, 8])).toBe('SrTiO3');
    expect(formulaOf([8, 12])).toBe('OMg');
    expect(formulaOf([])).toBe('');
  });
});

describe('datasetInfo', () => {
  it("carries the training split's rows (ids, targets, formulas, atom counts) for the outlier preview", async () => {
    const res = await prepareDataset({ kind: 'builtin', settings: { size: 60 } });
    if (!res.ok) throw new Error(res.error.message);
    const ds = res.dataset;
    const info = datasetInfo(ds, res.parseMs, res.description);
    const train = ds.split.train;
    expect(info.trainRows.ids).toHaveLength(train.length);
    expect(info.split.train).toBe(train.length);
    train.forEach((r, i) => {
      expect(info.trainRows.ids[i]).toBe(ds.ids[r]);
      expect(info.trainRows.targets[i]).toBe(ds.targets[r]);
      expect(info.trainRows.atoms[i]).toBe(ds.numbers[r]!.length);
      expect(info.trainRows.formulas[i]).toBe(formulaOf(ds.numbers[r]!));
    });
  });
});
