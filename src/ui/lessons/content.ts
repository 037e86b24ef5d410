/**
 * The lessons' texts: twelve short lessons on optimisation, each written for one screen next to its live
 * figure (src/ui/lessons/setups.ts, figures.tsx), in English, Traditional Chinese (Taiwan) and Simplified
 * Chinese. Text fields may contain inline maths `$…$` (`\$` for a dollar) and `**bold**` (see RichText in
 * math.tsx); display maths are `math` blocks of TeX, identical in every language (content.test.ts checks
 * that, and that every formula parses).
 */
import type { Lang } from '../../store/urlState.ts';
import { LESSONS_EN } from './contentEn.ts';
import { LESSONS_ZH_HANS } from './contentZhHans.ts';
import { LESSONS_ZH_HANT } from './contentZhHant.ts';

export type LessonId =
  | 'nonconvex'
  | 'saddles'
  | 'flat-sharp'
  | 'gd-sgd'
  | 'learning-rate'
  | 'momentum'
  | 'adaptive'
  | 'onecycle'
  | 'clipping'
  | 'huber'
  | 'outliers'
  | 'nan-defense';

/** The lessons in teaching order. */
export const LESSON_IDS: readonly LessonId[] = [
  'nonconvex',
  'saddles',
  'flat-sharp',
  'gd-sgd',
  'learning-rate',
  'momentum',
  'adaptive',
  'onecycle',
  'clipping',
  'huber',
  'outliers',
  'nan-defense',
];

/** A paragraph, a display formula (TeX), a bulleted list or a highlighted note. */
export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'math'; tex: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'note'; text: string };

export interface LessonText {
  title: string;
  /** One sentence: what the lesson is about. */
  lead: string;
  /** 3–7 short blocks: a lesson fits one screen. */
  blocks: Block[];
  /** The "try this" button's label: imperative, at most 40 characters (Chinese counted double). */
  tryThis: string;
  /** 1–2 sentences: what the figure shows after the button. */
  expect: string;
}

/** One language's lessons. */
export type LessonSet = Record<LessonId, LessonText>;

export const LESSONS: Record<Lang, LessonSet> = {
  en: LESSONS_EN,
  'zh-Hant': LESSONS_ZH_HANT,
  'zh-Hans': LESSONS_ZH_HANS,
};
