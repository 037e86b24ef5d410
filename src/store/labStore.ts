/**
 * The page's state: one zustand store composed of slices. Components read it with selectors; only the
 * bridge (`bridge.ts`) writes what comes from the worker.
 */
import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backendSlice.ts';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice.ts';
import { createLandscapeSlice, type LandscapeSlice } from './landscapeSlice.ts';
import { createPlaygroundSlice, type PlaygroundSlice } from './playgroundSlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';
import { createHistorySlice, type HistorySlice } from './historySlice.ts';

export type LabState = BackendSlice &
  DatasetSlice &
  TrainingSlice &
  UiSlice &
  PlaygroundSlice &
  LandscapeSlice &
  HistorySlice;

export const useLabStore = create<LabState>()((...a) => ({
  ...createBackendSlice(...a),
  ...createDatasetSlice(...a),
  ...createTrainingSlice(...a),
  ...createUiSlice(...a),
  ...createPlaygroundSlice(...a),
  ...createLandscapeSlice(...a),
  ...createHistorySlice(...a),
}));
