import { describe, expect, it } from 'vitest';
import { pgJson } from '../../src/db/sql.js';

describe('pgJson', () => {
  it('writes a lone surrogate as U+FFFD (Postgres refuses its escape) and leaves escaped backslashes and whole emoji alone', () => {
    const rows = [{ cut: 'x\ud800y', low: '\udc00', text: '\\ud800 typed', both: '\\\ud83d', emoji: 'ok😀' }];
    const json = pgJson(rows);
    expect(json).not.toMatch(/(?<!\\)(?:\\\\)*\\ud[89a-f]/);
    expect(JSON.parse(json)).toEqual([{ cut: 'x\ufffdy', low: '\ufffd', text: '\\ud800 typed', both: '\\\ufffd', emoji: 'ok😀' }]);
  });
});
