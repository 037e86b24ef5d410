/**
 * The page's state: one zustand store composed of slices. Components read it with selectors; only the
 * bridge (`bridge.ts`) writes what comes from the worker.
 */
import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backendSlice.ts';

export type LabState = BackendSlice;

export const useLabStore = create<LabState>()((...a) => ({
  ...createBackendSlice(...a),
}));
