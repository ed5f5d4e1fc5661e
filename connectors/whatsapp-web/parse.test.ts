import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from './parse.js';

const fixture = (name: string) => parse({ body: readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'), contentType: 'application/json', receivedAt: 0 });
const one = (name: string) => fixture(name)[0] as any;

describe('whatsapp web payloads -> normalized events', () => {
  it('keys one person by phone whether the chat was @c.us or @lid, keeping both ids', () => {
    const a = one('text');
    const b = one('lid-text');
    expect(a.contact).toEqual({ externalId: '34600111222@c.us', identifier: '+34600111222', identifierType: 'phone', name: 'Marta' });
    expect(b.contact).toEqual(a.contact);
    expect(b.metadata.whatsapp).toEqual({ chatId: '207112233445566@lid', lid: '207112233445566@lid', phoneId: '34600111222@c.us' });
  });

  it('carries media inline when downloaded, else leaves it to the media job by message id', () => {
    const img = one('image');
    expect(img).toMatchObject({ messageType: 'image', content: 'Esta' });
    expect(img.attachments[0]).toMatchObject({ kind: 'image', mimeType: 'image/png', fileName: 'talla.png', source: img.externalId });
    expect(img.attachments[0].inline.base64).toMatch(/^iVBOR/);
    const doc = one('document-large');
    expect(doc.attachments[0]).toMatchObject({ kind: 'file', source: doc.externalId, fileSize: 40000000 });
    expect(doc.attachments[0].inline).toBeUndefined();
    expect(one('voice')).toMatchObject({ messageType: 'audio', metadata: { voice: true } });
  });

  it('reads quotes, locations, echoes from the phone and group authors', () => {
    expect(one('quoted').metadata.replyTo).toBe('false_34600111222@c.us_3EB0A1B2C3D4E5F60718');
    expect(one('location')).toMatchObject({ messageType: 'location', content: 'Puerta del Sol', metadata: { latitude: 40.4168, longitude: -3.7038 } });
    expect(one('from-phone')).toMatchObject({ direction: 'out' });
    const group = one('group');
    expect(group.contact).toMatchObject({ externalId: '120363040000000001@g.us', identifierType: 'social', name: 'Clientes VIP' });
    expect(group.metadata.from).toMatchObject({ phoneId: '34600111222@c.us', name: 'Marta' });
  });

  it('maps acks (ACK_ERROR is failed, pending says nothing), edits, revokes and reactions', () => {
    expect(one('ack-read')).toMatchObject({ type: 'status', status: 'read' });
    expect(one('ack-error')).toMatchObject({ type: 'status', status: 'failed', error: expect.stringMatching(/ACK_ERROR/) });
    const pending = parse({ body: JSON.stringify({ event: 'ack', id: 'x', ack: 0, timestamp: 1 }), receivedAt: 0 });
    expect(pending).toEqual([]);
    expect(one('edit')).toMatchObject({ type: 'edit', content: 'Lo que te pregunté antes (la M)' });
    expect(one('revoke')).toMatchObject({ type: 'edit', content: '', deleted: true });
    expect(one('reaction')).toMatchObject({ type: 'reaction', emoji: '👍', contact: { externalId: '34600111222@c.us' } });
  });

  it('keeps other shapes as unsupported', () => {
    expect(parse({ body: '{"event":"message","id":"x"}', receivedAt: 0 })[0]).toMatchObject({ type: 'unsupported' });
    expect(parse({ body: 'nope', receivedAt: 0 })[0]).toMatchObject({ type: 'unsupported' });
    expect(parse({ body: JSON.stringify({ ...JSON.parse(readFileSync(new URL('./fixtures/text.json', import.meta.url), 'utf8')), type: 'poll_creation' }), receivedAt: 0 })[0]).toMatchObject({ type: 'unsupported' });
  });
});
