// Twilio posts webhooks as application/x-www-form-urlencoded: https://www.twilio.com/docs/usage/webhooks/messaging-webhooks
/** A form body as an object; a repeated name keeps every value, as Twilio signs them all. */
export function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
