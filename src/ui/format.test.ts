import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.ts';

describe('formatDuration', () => {
  it('words seconds, minutes and hours in the page’s language; unknown is a dash', () => {
    expect(formatDuration(4_400, 'en')).toBe('4 sec');
    expect(formatDuration(125_000, 'en')).toBe('2 min 5 sec');
    expect(formatDuration(59_600, 'en')).toBe('1 min 0 sec'); // rounded once, never "60 sec"
    expect(formatDuration(3_725_000, 'en')).toBe('1 hr 2 min');
    expect(formatDuration(125_000, 'zh-Hant')).toMatch(/^2\s?分鐘 5\s?秒$/);
    expect(formatDuration(Number.POSITIVE_INFINITY, 'en')).toBe('—');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(823_296)).toBe('804.0 KiB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10.00 GiB');
  });
});
