/**
 * The contract every registered connector passes, whatever its platform: credentials that
 * validate and name their secrets; for webhook connectors, a delivery signed by the platform's
 * own rule accepted, a tampered or unsigned one refused; every recorded payload kept beside
 * the connector parses to well-formed normalized events.
 */
import { describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.js';
import type { ChannelKind, WebhookRequest } from '../../connectors/types.js';
import { CASES, Event, URL_ } from './cases.js';

for (const [kind, connector] of Object.entries(connectors) as [ChannelKind, (typeof connectors)[ChannelKind]][]) {
  const c = CASES[kind];
  describe(`connector ${kind}`, () => {
    const creds = connector.credentials.parse(c.credentials) as Record<string, unknown>;

    it('declares its credentials and which of them are secret', () => {
      for (const field of connector.secretFields) expect(Object.keys(connector.credentials.parse(c.credentials) as object)).toContain(field);
      expect(connector.platform).toMatch(/^(whatsapp|instagram|facebook|telegram|email|sms|web)$/);
    });

    if (connector.webhook) {
      const webhook = connector.webhook;
      const request = (body: string, headers: Record<string, string>): WebhookRequest => ({
        method: 'POST', url: URL_, query: {}, rawBody: Buffer.from(body), headers: { 'content-type': c.contentType, ...headers },
      });
      it('accepts a delivery signed by the platform rule, refuses a tampered or unsigned one', () => {
        expect(c.sign, `no contract signer for ${kind}`).toBeDefined();
        expect(c.fixtures.length).toBeGreaterThan(0);
        for (const f of c.fixtures) {
          const good = request(f.text, {});
          const headers = c.sign!(good, creds);
          expect(webhook.verify(request(f.text, headers), creds).kind, f.name).toBe('accept');
          const tampered = c.tokenOnly
            ? request(f.text, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, `${v}x`])))
            : request(f.text.replace(/\d(?=[^\d]*$)/, (d) => String((Number(d) + 1) % 10)), headers);
          expect(webhook.verify(tampered, creds), f.name).toMatchObject({ kind: 'reject', status: 401 });
          expect(webhook.verify(request(f.text, {}), creds), f.name).toMatchObject({ kind: 'reject', status: 401 });
        }
      });
    }

    it('parses every recorded payload into well-formed normalized events', async () => {
      let messages = 0;
      for (const f of c.fixtures) {
        // An expected intermediate state (Twilio's 'queued', say) may yield no event at all.
        const events = await connector.parse({ body: f.text, contentType: c.contentType, receivedAt: 1731710000000 }, creds);
        for (const e of events) {
          const r = Event.safeParse(e);
          expect(r.success, `${f.name}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
          if (e.type === 'message') messages++;
        }
      }
      if (c.fixtures.length) expect(messages).toBeGreaterThan(0);
    });
  });
}
