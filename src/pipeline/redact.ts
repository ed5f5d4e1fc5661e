const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|signature/i;

/** A kept payload without anything that looks like a credential. */
export function redactPayload(body: string, contentType?: string): string {
  // Nothing that looks like a credential anywhere in the text (nor an escape that could spell one): nothing to redact,
  // and no second JSON.parse with a reviver on the ingest path.
  if (!SECRET_KEY.test(body) && !body.includes('\\u') && !body.includes('%')) return body;
  if (contentType?.includes('json') || /^\s*[{[]/.test(body)) {
    try {
      return JSON.stringify(JSON.parse(body, (k, v) => (k && SECRET_KEY.test(k) && typeof v !== 'object' ? '[redacted]' : v)));
    } catch {
      return body;
    }
  }
  if (contentType?.includes('x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    for (const k of [...params.keys()]) if (SECRET_KEY.test(k)) params.set(k, '[redacted]');
    return params.toString();
  }
  return body;
}
