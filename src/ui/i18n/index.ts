/**
 * The page's one i18n layer: every string a person reads goes through `t(key, vars)`. The English
 * messages define the keys; the Chinese dictionaries are typed against them, so a missing translation
 * is a type error. `{name}` in a message is replaced by `vars.name`.
 */
import { useCallback } from 'react';
import { useLabStore } from '../../store/labStore.ts';
import type { Lang } from '../../store/urlState.ts';
import { en, type MessageKey } from './en.ts';
import { zhHans } from './zhHans.ts';
import { zhHant } from './zhHant.ts';

export type { MessageKey } from './en.ts';
export type Vars = Record<string, string | number>;
export type T = (key: MessageKey, vars?: Vars) => string;

const DICTS: Record<Lang, Record<MessageKey, string>> = { en, 'zh-Hant': zhHant, 'zh-Hans': zhHans };

/** The language names, each in its own language (what the switcher shows). */
export const LANG_NAMES: Record<Lang, string> = {
  en: 'English',
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
};

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const msg = DICTS[lang][key] ?? en[key];
  if (vars === undefined) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** `t` for the current language (re-renders when it changes). */
export function useT(): T {
  const lang = useLabStore((s) => s.lang);
  return useCallback<T>((key, vars) => translate(lang, key, vars), [lang]);
}

/** Number formatting for the page: fixed digits in a readable range, exponent notation outside it. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}
