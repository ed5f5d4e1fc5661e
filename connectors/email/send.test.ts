import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { ConnectorError, type OutboundMessage } from '../types.js';
import { EmailCredentials } from './credentials.js';
import { email } from './index.js';
import { closeTransporters } from './send.js';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp-server.js';

const ctx = { webhookUrl: 'http://127.0.0.1/unused', fetch };
let server: TestSmtpServer;

function credentials(port: number, password = 'smtp-secret') {
  return EmailCredentials.parse({
    imapHost: '127.0.0.1',
    imapUser: 'support',
    imapPassword: 'unused',
    smtpHost: '127.0.0.1',
    smtpPort: port,
    smtpSecure: false,
    smtpUser: 'support',
    smtpPassword: password,
    fromAddress: 'support@hub.example',
    fromName: 'Hub Support',
  });
}

function outbound(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'm-1',
    to: { externalId: 'ann@client.example', identifier: 'ann@client.example', identifierType: 'email', name: 'Ann Lee' },
    content: 'Your order ships on Wednesday.\nRegards',
    messageType: 'text',
    ...overrides,
  };
}

beforeAll(async () => {
  server = await startSmtpServer({
    user: 'support',
    pass: 'smtp-secret',
    reject: { 'gone@client.example': 550, 'full@client.example': 452 },
  });
});
afterAll(async () => {
  closeTransporters();
  await server.close();
});

describe('email send over a real SMTP server', () => {
  it('sends a threaded reply: Message-ID, In-Reply-To, References, one "Re:", from, body', async () => {
    const result = await email.send!.send(
      outbound({
        thread: {
          subject: 'Re: Order #4521',
          inReplyTo: '<CAB1x2y3@mail.client.example>',
          references: ['<first@hub.example>', '<CAB1x2y3@mail.client.example>'],
          messageId: '<fixed-id-1@hub.example>',
        },
      }),
      credentials(server.port),
      ctx,
    );
    expect(result).toEqual({ externalId: '<fixed-id-1@hub.example>' });
    const received = server.received.at(-1)!;
    expect(received.from).toBe('support@hub.example');
    expect(received.to).toEqual(['ann@client.example']);

    const mail = await simpleParser(received.raw);
    expect(mail.messageId).toBe('<fixed-id-1@hub.example>');
    expect(mail.headers.get('in-reply-to')).toBe('<CAB1x2y3@mail.client.example>');
    expect(received.raw).toMatch(/^References: <first@hub\.example> <CAB1x2y3@mail\.client\.example>\r$/m);
    expect(mail.subject).toBe('Re: Order #4521');
    expect(mail.from?.value).toEqual([{ address: 'support@hub.example', name: 'Hub Support' }]);
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value).toEqual([{ address: 'ann@client.example', name: 'Ann Lee' }]);
    expect(mail.text).toBe('Your order ships on Wednesday.\nRegards\n');
  });

  it('prefixes "Re: " to a bare subject and appends In-Reply-To to References', async () => {
    await email.send!.send(
      outbound({ thread: { subject: 'Order #4521', inReplyTo: '<parent@client.example>' } }),
      credentials(server.port),
      ctx,
    );
    const mail = await simpleParser(server.received.at(-1)!.raw);
    expect(mail.subject).toBe('Re: Order #4521');
    expect(mail.headers.get('in-reply-to')).toBe('<parent@client.example>');
    expect(mail.headers.get('references')).toBe('<parent@client.example>');
  });

  it('a quoted reply answers the quoted mail: In-Reply-To names it, References end with it', async () => {
    await email.send!.send(
      outbound({ thread: { subject: 'Order #4521', inReplyTo: '<latest@client.example>', references: ['<first@client.example>', '<quoted@client.example>', '<latest@client.example>'] }, replyTo: { externalId: '<quoted@client.example>' } }),
      credentials(server.port),
      ctx,
    );
    const mail = await simpleParser(server.received.at(-1)!.raw);
    expect(mail.headers.get('in-reply-to')).toBe('<quoted@client.example>');
    expect(mail.headers.get('references')).toEqual(['<first@client.example>', '<latest@client.example>', '<quoted@client.example>']);
  });

  it('generates <uuid@fromDomain> when no Message-ID is given; a new thread keeps its subject', async () => {
    const { externalId } = await email.send!.send(outbound({ thread: { subject: 'Welcome' } }), credentials(server.port), ctx);
    expect(externalId).toMatch(/^<[0-9a-f-]{36}@hub\.example>$/);
    const mail = await simpleParser(server.received.at(-1)!.raw);
    expect(mail.messageId).toBe(externalId);
    expect(mail.subject).toBe('Welcome');
    expect(mail.headers.has('in-reply-to')).toBe(false);
  });

  it('attaches files from their bytes and never opens a URL or a local file itself', async () => {
    const { createServer } = await import('node:http');
    let fetched = 0;
    const http = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('internal body');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    try {
      await email.send!.send(
        outbound({ attachments: [{ url: `http://127.0.0.1:${port}/notes.txt`, fileName: 'notes.txt', mimeType: 'text/plain', content: Buffer.from('file body') }] }),
        credentials(server.port),
        ctx,
      );
      // Without bytes the file is refused, not fetched: neither from the URL nor from the disk.
      for (const url of [`http://127.0.0.1:${port}/internal`, 'file:///etc/passwd']) {
        const err = await email.send!.send(outbound({ attachments: [{ url, fileName: 'x.txt' }] }), credentials(server.port), ctx).catch((e) => e);
        expect(err).toMatchObject({ category: 'permanent', code: 'no_content' });
      }
    } finally {
      http.close();
    }
    expect(fetched).toBe(0);
    const mail = await simpleParser(server.received.at(-1)!.raw);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['notes.txt', 'text/plain', 'file body']]);
  });

  it('a wrong password is an auth error', async () => {
    const err = await email.send!.send(outbound(), credentials(server.port, 'wrong'), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ category: 'auth' });
  });

  it('a 5xx recipient rejection is permanent, a 4xx one temporary', async () => {
    const gone = await email.send!.send(
      outbound({ to: { externalId: 'gone@client.example', identifier: 'gone@client.example', identifierType: 'email' } }),
      credentials(server.port),
      ctx,
    ).catch((e) => e);
    expect(gone).toBeInstanceOf(ConnectorError);
    expect(gone).toMatchObject({ category: 'permanent', code: '550' });

    const full = await email.send!.send(
      outbound({ to: { externalId: 'full@client.example', identifier: 'full@client.example', identifierType: 'email' } }),
      credentials(server.port),
      ctx,
    ).catch((e) => e);
    expect(full).toMatchObject({ category: 'temporary', code: '452' });
  });

  it('a refused connection is temporary', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await email.send!.send(outbound(), credentials(closedPort), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ category: 'temporary' });
  });
});
