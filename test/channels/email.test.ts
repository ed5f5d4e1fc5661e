// Email end to end through the hub: a real IMAP server (dovecot, else hoodiecrow; IMAP IDLE in the worker role) and a real SMTP server.
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapServer, type ImapTestServer } from '../../connectors/email/testing/imap-server.js';
import { fixtureBytes } from '../../connectors/email/testing/fixtures.js';
import { startSmtpServer, type TestSmtpServer } from '../../connectors/email/testing/smtp-server.js';
import { AgentSocket, until } from '../support/agent.js';
import { REDIS_URL, createTestDatabase, deleteRedisPrefix, startTestHub, type TestHub } from '../support/hub.js';
import { ingestJobCount, sqlOf } from './support/db.js';

const MAILBOX_USER = 'support';
const IMAP_PASSWORD = 'imap-pass-7a1';
const SMTP_PASSWORD = 'smtp-pass-3c9';
const FROM_ADDRESS = 'support@hub.test';
const SUBJECT = 'Order 4521 arrived damaged';

let imap: ImapTestServer;
let smtp: TestSmtpServer;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let hub: TestHub;
let restarted: TestHub | undefined;
/** The first hub was stopped for the restart (its queue keys then go with the restarted one's close). */
let firstStopped = false;
let token: string;
let agent: AgentSocket;
let channelId: string;
let conversationId: string;
/** Message-IDs the hub put on the replies it sent. */
const ours: string[] = [];
const { q, count } = sqlOf(() => restarted ?? hub);

function mail(h: { from: string; messageId: string; subject: string; inReplyTo?: string; references?: string; extra?: string }, body: string): Buffer {
  return Buffer.from(
    [
      `From: ${h.from}`,
      `To: Hub Support <${FROM_ADDRESS}>`,
      `Subject: ${h.subject}`,
      `Message-ID: ${h.messageId}`,
      ...(h.inReplyTo ? [`In-Reply-To: ${h.inReplyTo}`] : []),
      ...(h.references ? [`References: ${h.references}`] : []),
      ...(h.extra ? [h.extra] : []),
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

async function append(message: Buffer): Promise<void> {
  const client = new ImapFlow({ host: imap.host, port: imap.port(MAILBOX_USER), secure: false, auth: { user: MAILBOX_USER, pass: IMAP_PASSWORD }, logger: false });
  await client.connect();
  try {
    await client.append('INBOX', message);
  } finally {
    await client.logout();
  }
}

async function sentMail(n: number): Promise<ParsedMail> {
  await until(async () => smtp.received.length, (len) => len >= n, 15_000);
  return simpleParser(Buffer.from(smtp.received[n - 1]!.raw));
}

beforeAll(async () => {
  imap = await startImapServer({ [MAILBOX_USER]: IMAP_PASSWORD });
  smtp = await startSmtpServer({ user: MAILBOX_USER, pass: SMTP_PASSWORD });
  db = await createTestDatabase();
  hub = await startTestHub({}, { databaseUrl: db.url });
  token = await hub.login();
  agent = await AgentSocket.connect(hub.url!, token);
  const r = await hub.request('POST', '/api/channels', {
    token,
    body: {
      kind: 'email',
      name: 'Support mailbox',
      credentials: {
        imapHost: imap.host, imapPort: imap.port(MAILBOX_USER), imapSecure: false, imapUser: MAILBOX_USER, imapPassword: IMAP_PASSWORD, mailbox: 'INBOX',
        smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecure: false, smtpUser: MAILBOX_USER, smtpPassword: SMTP_PASSWORD,
        fromAddress: FROM_ADDRESS, fromName: 'Hub Support',
      },
    },
  });
  if (r.status !== 201) throw new Error(`channel: ${r.status} ${r.text}`);
  channelId = r.body.id;
});
afterAll(async () => {
  agent?.close();
  if (restarted) await restarted.close();
  else if (!firstStopped) await hub?.close();
  else await deleteRedisPrefix(REDIS_URL, hub.config.queuePrefix);
  await db?.drop();
  await smtp?.close();
  await imap?.stop();
});

describe('email through the hub', () => {
  it('brings mail appended to the mailbox to the agent as a new conversation with its subject', async () => {
    await append(mail({ from: 'Ann Lee <ann@client.test>', messageId: '<c1.4521@client.test>', subject: SUBJECT }, 'Hello,\r\nthe parcel came with a broken lid. Can you help?\r\nAnn'));
    const conv = await agent.waitFor('conversation_updated', (c) => c.subject === SUBJECT, 15_000);
    expect(conv).toMatchObject({ channelId, platform: 'email', status: 'active', unreadCount: 1, prospect: { name: 'Ann Lee', identifier: 'ann@client.test' } });
    expect(conv.lastMessage.content).toContain('broken lid');
    conversationId = conv.id;
    const prospect = await agent.waitFor('prospect_updated', (p) => p.identifier === 'ann@client.test');
    expect(prospect).toMatchObject({ identifierType: 'email', platform: 'email' });
    const [m] = await q('select external_id, direction from messages where conversation_id = ?', [conversationId]);
    expect(m).toEqual({ external_id: '<c1.4521@client.test>', direction: 'in' });
  });

  it("sends the agent's reply over SMTP threaded on the customer's mail", async () => {
    const page = await agent.call('load_messages', { conversationId });
    expect(page.data.items).toHaveLength(1);
    const r = await agent.call('send_message', { conversationId, content: 'Sorry about that, Ann. A replacement is on its way.', clientMessageId: 'mail-1' });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'sent', 15_000);

    const out = await sentMail(1);
    expect(smtp.received[0]!.to).toEqual(['ann@client.test']);
    expect(smtp.received[0]!.from).toBe(FROM_ADDRESS);
    expect(out.subject).toBe(`Re: ${SUBJECT}`);
    expect(out.messageId).toMatch(/^<[^<>@\s]+@hub\.test>$/);
    expect(out.inReplyTo).toBe('<c1.4521@client.test>');
    expect([out.references].flat()).toEqual(['<c1.4521@client.test>']);
    expect(out.text?.trim()).toBe('Sorry about that, Ann. A replacement is on its way.');
    const [row] = await q('select external_id, status from messages where id = ?', [r.data.id]);
    expect(row).toEqual({ external_id: out.messageId, status: 'sent' });
    ours.push(out.messageId!);
  });

  it("threads the customer's reply to our reply into the same conversation", async () => {
    await append(mail({
      from: 'Ann Lee <ann@client.test>', messageId: '<c2.4521@client.test>', subject: `Re: Re: ${SUBJECT}`,
      inReplyTo: ours[0], references: `<c1.4521@client.test> ${ours[0]}`,
    }, 'Thank you! When will it arrive?\r\n\r\nOn Monday, Hub Support wrote:\r\n> Sorry about that, Ann. A replacement is on its way.'));
    const m = await agent.waitFor('new_message', (x) => x.content.startsWith('Thank you! When will it arrive?'), 15_000);
    expect(m).toMatchObject({ conversationId, senderType: 'prospect', platform: 'email' });
    expect(await count('conversations', 'channel_id = ?', [channelId])).toBe(1);

    // Outlook rewrites In-Reply-To; References alone still finds the thread.
    await append(mail({
      from: 'Ann Lee <ann@client.test>', messageId: '<c3.4521@client.test>', subject: `RE: ${SUBJECT}`,
      inReplyTo: '<AM0PR01MB0000.rewritten@outlook.test>', references: `<c1.4521@client.test> ${ours[0]}`,
    }, 'PS: the order number is 4521.'));
    const m3 = await agent.waitFor('new_message', (x) => x.content === 'PS: the order number is 4521.', 15_000);
    expect(m3.conversationId).toBe(conversationId);
    expect(await count('conversations', 'channel_id = ?', [channelId])).toBe(1);
    expect(await count('prospects', 'channel_id = ?', [channelId])).toBe(1);
  });

  it('opens nothing for an auto-reply outside a thread', async () => {
    const before = await count('webhook_events', 'channel_id = ?', [channelId]);
    await append(mail({ from: 'Ben Out <ben@elsewhere.test>', messageId: '<ooo.1@elsewhere.test>', subject: 'Out of office until Monday', extra: 'Auto-Submitted: auto-replied' }, 'I am away, back on Monday.'));
    // The shared fixture: Auto-Submitted: auto-generated, In-Reply-To a thread we never had.
    await append(fixtureBytes('auto_reply_with_auto_submitted.eml'));
    const kept = await until(
      () => q("select outcome from webhook_events where channel_id = ? order by created_at offset ?", [channelId, before]),
      (rows) => rows.length === 2,
      15_000,
    );
    expect(kept.map((r: any) => r.outcome)).toEqual(['unsupported', 'unsupported']);
    expect(await count('prospects', "identifier in ('ben@elsewhere.test', 'sony@chatwoot.com')")).toBe(0);
    expect(await count('conversations', 'channel_id = ?', [channelId])).toBe(1);
    expect(await count('messages', "content like '%away, back on Monday%'")).toBe(0);

    // Inside a thread we know, an auto-reply is kept as a system message, not as the customer writing.
    const unread = (await q('select unread_count from conversations where id = ?', [conversationId]))[0].unread_count;
    await append(mail({
      from: 'Ann Lee <ann@client.test>', messageId: '<ooo.2@client.test>', subject: `Automatic reply: ${SUBJECT}`,
      inReplyTo: ours[0], references: `<c1.4521@client.test> ${ours[0]}`, extra: 'Auto-Submitted: auto-replied',
    }, 'I am on holiday until the 20th.'));
    const system = await agent.waitFor('new_message', (x) => x.content === 'I am on holiday until the 20th.', 15_000);
    expect(system).toMatchObject({ conversationId, messageType: 'system' });
    expect((await q('select unread_count from conversations where id = ?', [conversationId]))[0].unread_count).toBe(unread);
  });

  it('marks our sent message failed when its bounce arrives', async () => {
    const r = await agent.call('send_message', { conversationId, content: 'It should arrive on Thursday.', clientMessageId: 'mail-2' });
    expect(r.ok).toBe(true);
    await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'sent', 15_000);
    const out = await sentMail(2);
    // Replies to the latest inbound mail and keeps the whole thread in References.
    expect(out.inReplyTo).toBe('<c3.4521@client.test>');
    expect([out.references].flat()).toEqual(expect.arrayContaining(['<c1.4521@client.test>', ours[0], '<c2.4521@client.test>', '<c3.4521@client.test>']));
    ours.push(out.messageId!);

    const bounce = fixtureBytes('postfix_bounce.eml')
      .toString('utf8')
      .replace('<7d9c1f0e-2b4a-4c1d-9e8f-a1b2c3d4e5f6@hub.example>', out.messageId!)
      .replaceAll('nobody@nowhere.example', 'ann@client.test')
      .replaceAll('hub.example', 'hub.test');
    await append(Buffer.from(bounce));
    const failed = await agent.waitFor('message_updated', (m) => m.id === r.data.id && m.status === 'failed', 15_000);
    expect(failed.error).toMatch(/550 5\.1\.1.*User unknown/);
    // The bounce is no one writing in.
    expect(await count('prospects', "identifier like 'mailer-daemon%'")).toBe(0);
    expect((await q('select status from messages where external_id = ?', [ours[0]]))[0].status).toBe('sent');
  });

  it('imports nothing twice after a restart on the same database and queue prefix, and keeps importing', async () => {
    const totals = async () => ({
      messages: await count('messages', 'channel_id = ?', [channelId]),
      conversations: await count('conversations', 'channel_id = ?', [channelId]),
      prospects: await count('prospects', 'channel_id = ?', [channelId]),
      events: await count('webhook_events', 'channel_id = ?', [channelId]),
    });
    const before = await totals();
    // c1, our reply, c2, c3, the in-thread auto-reply, our second reply; seven mails in the box
    // (three auto-replies and a bounce among them).
    expect(before).toEqual({ messages: 6, conversations: 1, prospects: 1, events: 7 });
    // The puller saves its place just after queueing a mail, so ingest can be a moment ahead of it.
    const [{ cursor }] = await until(() => q('select cursor from channels where id = ?', [channelId]), (rows) => rows[0]?.cursor?.lastUid === 7, 10_000);
    expect(cursor).toMatchObject({ lastUid: 7 });
    expect(await hub.deps.queues.ingest.getFailedCount()).toBe(0);
    // Forget the finished jobs, so anything the restarted puller queued again would show as a new job.
    await hub.deps.queues.ingest.clean(0, 10_000, 'completed');
    expect(await ingestJobCount(hub)).toBe(0);

    const prefix = hub.config.queuePrefix;
    agent.close();
    firstStopped = true;
    await hub.stop();
    restarted = await startTestHub({ QUEUE_PREFIX: prefix }, { databaseUrl: db.url });
    agent = await AgentSocket.connect(restarted.url!, await restarted.login());

    // A Date header counts whole seconds: written in the same second as our reply, the customer's
    // mail would sort before it and not become the conversation's last message.
    await new Promise((r) => setTimeout(r, 1010 - (Date.now() % 1000)));
    await append(mail({ from: 'Ann Lee <ann@client.test>', messageId: '<c4.4521@client.test>', subject: `Re: ${SUBJECT}`, inReplyTo: ours[1], references: `<c1.4521@client.test> ${ours[1]}` }, 'Thursday is fine.'));
    const conv = await agent.waitFor('conversation_updated', (c) => c.lastMessage?.content === 'Thursday is fine.', 15_000);
    expect(conv.id).toBe(conversationId);
    await new Promise((r) => setTimeout(r, 500));
    expect(await totals()).toEqual({ messages: 7, conversations: 1, prospects: 1, events: 8 });
    expect(await ingestJobCount(restarted)).toBe(1);
    expect((await q('select cursor from channels where id = ?', [channelId]))[0].cursor).toMatchObject({ uidValidity: cursor.uidValidity, lastUid: 8 });
  });
});
