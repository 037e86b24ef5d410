import type { StateCreator } from 'zustand';
import type { DatasetChoice, Lang, Theme, View } from './urlState.ts';
import type { BackendPreference } from '../worker/protocol.ts';
import { DEFAULT_TRAIN_CONFIG, validateConfig, type TrainConfig } from '../core/recipe.ts';
import { DEFAULT_BUILTIN } from './urlState.ts';

/** The page's own choices: language, theme, chart options, and the set-up a link reproduces. */
export interface UiSlice {
  lang: Lang;
  /** null: follow the system (prefers-color-scheme). */
  theme: Theme | null;
  chart: { logLoss: boolean; smoothing: number };
  /** The recipe being edited (always complete); `recipeError` says why it cannot be used, if so. */
  recipe: TrainConfig;
  recipeError: string | null;
  backendPreference: BackendPreference;
  datasetChoice: DatasetChoice;
  /** What the address held that could not be used (shown once). */
  urlProblems: string[];
  /** Which part of the lab is shown. */
  view: View;
  /** The open lesson (an id of src/ui/lessons; the page checks it), and whether it is presented. */
  lesson: string;
  presenting: boolean;
  setView: (v: View) => void;
  setLesson: (id: string) => void;
  setPresenting: (on: boolean) => void;
  setLang: (lang: Lang) => void;
  setTheme: (theme: Theme | null) => void;
  setChart: (p: Partial<UiSlice['chart']>) => void;
  /** Replaces the recipe (validated: an invalid one is kept, with its error, and Start is refused). */
  setRecipe: (recipe: TrainConfig) => void;
  setBackendPreference: (b: BackendPreference) => void;
  setDatasetChoice: (c: DatasetChoice) => void;
  setUrlProblems: (p: string[]) => void;
}

/** The error a person reads for an invalid recipe, or null. */
export function recipeProblem(recipe: TrainConfig): string | null {
  try {
    validateConfig(recipe);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export const createUiSlice: StateCreator<UiSlice, [], [], UiSlice> = (set) => ({
  lang: 'en',
  theme: null,
  chart: { logLoss: true, smoothing: 0.6 },
  recipe: DEFAULT_TRAIN_CONFIG,
  recipeError: null,
  backendPreference: 'auto',
  datasetChoice: DEFAULT_BUILTIN,
  urlProblems: [],
  view: 'train',
  lesson: 'nonconvex',
  presenting: false,
  setView: (view) => set({ view }),
  setLesson: (lesson) => set({ lesson }),
  setPresenting: (presenting) => set({ presenting }),
  setLang: (lang) => set({ lang }),
  setTheme: (theme) => set({ theme }),
  setChart: (p) => set((s) => ({ chart: { ...s.chart, ...p } })),
  setRecipe: (recipe) => set({ recipe, recipeError: recipeProblem(recipe) }),
  setBackendPreference: (backendPreference) => set({ backendPreference }),
  setDatasetChoice: (datasetChoice) => set({ datasetChoice }),
  setUrlProblems: (urlProblems) => set({ urlProblems }),
});
