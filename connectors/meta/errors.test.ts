import { describe, it, expect } from 'vitest';
import { ConnectorError } from '../types.js';
import { categorize, classifyMetaError, graphFailure, parseRetryAfter, transportFailure } from './errors.js';

describe('Graph error classification', () => {
  it.each([
    [400, { code: 4 }, 'rate_limited'],
    [400, { code: 17 }, 'rate_limited'],
    [400, { code: 32 }, 'rate_limited'],
    [400, { code: 80007 }, 'rate_limited'],
    [400, { code: 131048 }, 'rate_limited'],
    [400, { code: 131056 }, 'rate_limited'],
    [429, {}, 'rate_limited'],
    [401, {}, 'auth'],
    [400, { code: 190 }, 'auth'],
    [403, { code: 10 }, 'auth'],
    [400, { code: 102 }, 'auth'],
    [403, { code: 299 }, 'auth'],
    [400, { code: 10, error_subcode: 2018065 }, 'permanent'],
    [500, {}, 'temporary'],
    [400, { code: 131000 }, 'temporary'],
    [503, { code: 131016 }, 'temporary'],
    [400, { code: 100, is_transient: true }, 'temporary'],
    [400, { code: 100 }, 'permanent'],
    [400, { code: 131047 }, 'permanent'],
    [400, { code: 131026 }, 'permanent'],
    [400, { code: 551 }, 'permanent'],
    [404, {}, 'permanent'],
  ] as const)('HTTP %i %j -> %s', (status, error, category) => {
    expect(categorize(status, error)).toBe(category);
  });

  it('builds the message from error.message and error_data.details', () => {
    const e = graphFailure(
      400,
      JSON.stringify({ error: { message: '(#131009) Parameter value is not valid', code: 131009, error_data: { details: 'Recipient phone number not in allowed list' } } }),
      new Headers(),
    );
    expect(e).toMatchObject({ category: 'permanent', code: '131009', message: '(#131009) Parameter value is not valid: Recipient phone number not in allowed list' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(new Date(Date.UTC(2024, 10, 15, 12, 1)).toUTCString(), Date.UTC(2024, 10, 15, 12, 0))).toBe(60);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('treats anything thrown around fetch as temporary, and keeps a ConnectorError as is', () => {
    expect(transportFailure(new DOMException('timed out', 'TimeoutError'))).toMatchObject({ category: 'temporary', code: 'timeout' });
    expect(transportFailure(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))).toMatchObject({ category: 'temporary', message: 'Could not reach Meta: the connection was cut off (ECONNRESET)' });
    expect(transportFailure(new TypeError('fetch failed', { cause: new TypeError('bad port') })).message).toBe('Could not reach Meta: its address uses a port that cannot be used for web requests (check the API base URL) (bad port)');
    const auth = new ConnectorError('auth', 'x', '190');
    expect(transportFailure(auth)).toBe(auth);
    expect(classifyMetaError(auth)).toBe('auth');
    expect(classifyMetaError(new Error('boom'))).toBe('temporary');
  });
});
