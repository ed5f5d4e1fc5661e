import { describe, expect, it } from 'vitest';
import type { MessageEvent, NormalizedEvent } from '../types.js';
import { email } from './index.js';
import { fixtureBytes, fixtureRaw } from './testing/fixtures.js';

const creds = { fromAddress: 'support@hub.example' } as Parameters<typeof email.parse>[1];

async function parse(name: string): Promise<NormalizedEvent[]> {
  return email.parse(fixtureRaw(name), creds);
}
async function parseMessage(name: string): Promise<MessageEvent> {
  const events = await parse(name);
  expect(events).toHaveLength(1);
  expect(events[0]!.type).toBe('message');
  return events[0] as MessageEvent;
}

const SMALL_APP = '<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>';
const APPLE_ID = '<0CB459E0-0336-41DA-BC88-E6E28C697DDB@chatwoot.com>';
const AVATARS = [
  {
    kind: 'image',
    source: 'cid:7AAEB353-2341-4D46-A054-5CA5CB2363B7',
    fileName: 'avatar1.jpeg',
    mimeType: 'image/jpg',
    fileSize: 20535,
    contentId: '7AAEB353-2341-4D46-A054-5CA5CB2363B7',
  },
  {
    kind: 'image',
    source: 'cid:4594E827-6E69-4329-8691-6BC35E3E73A0',
    fileName: 'avatar2.jpg',
    mimeType: 'image/jpg',
    fileSize: 12686,
    contentId: '4594E827-6E69-4329-8691-6BC35E3E73A0',
  },
];

function attachmentSummary(m: MessageEvent) {
  return (m.attachments ?? []).map((a) => ({
    kind: a.kind,
    source: a.source,
    ...(a.fileName ? { fileName: a.fileName } : {}),
    mimeType: a.mimeType,
    fileSize: a.fileSize,
    ...(a.inline?.contentId ? { contentId: a.inline.contentId } : {}),
  }));
}

describe('email parse: Chatwoot fixtures', () => {
  it('auto_reply.eml: X-Autoreply marks an auto-reply; inline images carry their bytes', async () => {
    const m = await parseMessage('auto_reply.eml');
    expect(m).toMatchObject({
      externalId: APPLE_ID,
      direction: 'in',
      contact: { externalId: 'sony@chatwoot.com', identifier: 'sony@chatwoot.com', identifierType: 'email', name: 'Sony Mathew' },
      timestamp: Date.parse('2020-04-20T08:20:20Z'),
      subject: "Discussion: Let's debate these attachments",
      content: "Let's talk about these images:",
      messageType: 'text',
      threadRefs: [SMALL_APP],
      automated: 'auto_reply',
    });
    expect(attachmentSummary(m)).toEqual(AVATARS);
    const jpeg = Buffer.from(m.attachments![0]!.inline!.base64, 'base64');
    expect(jpeg.length).toBe(20535);
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('auto_reply_with_auto_submitted.eml: Auto-Submitted: auto-generated is an auto-reply', async () => {
    const m = await parseMessage('auto_reply_with_auto_submitted.eml');
    expect(m.automated).toBe('auto_reply');
    expect(m.externalId).toBe(APPLE_ID);
  });

  it('reply.eml: a plain reply is not automated; plus-addressed To kept in metadata', async () => {
    const m = await parseMessage('reply.eml');
    expect(m.automated).toBeUndefined();
    expect(m.threadRefs).toEqual([SMALL_APP]);
    expect(m.metadata).toMatchObject({
      messageId: APPLE_ID,
      inReplyTo: [SMALL_APP],
      references: [SMALL_APP],
      to: [{ address: 'reply+to+6bdc3f4d-0bec-4515-a284-5d916fdde489@example.com', name: 'Replies' }],
      cc: [],
    });
    expect(attachmentSummary(m)).toEqual(AVATARS);
  });

  it('bounced_gmail.eml: a failed status for the original message, never a message', async () => {
    const events = await parse('bounced_gmail.eml');
    expect(events).toEqual([
      {
        type: 'status',
        status: 'failed',
        externalId: '<conversation/93775311-9416-4428-964b-862001f8a8b2/messages/27855337@gmail.com>',
        timestamp: Date.parse('2025-07-03T22:44:25Z'),
        error:
          'alex.jones@fictionalcorp.com: 550 5.1.1 The email account that you tried to reach does not exist. ' +
          "Please try double-checking the recipient's email address for typos or unnecessary spaces. " +
          'For more information, go to https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-74ce2b0525csor332154b3a.0 - gsmtp',
      },
    ]);
  });

  it('non_utf_encoded_mail.eml: RFC 2047 and base64 UTF-8 decoded; auto-reply; duplicate In-Reply-To once', async () => {
    const m = await parseMessage('non_utf_encoded_mail.eml');
    expect(m.contact).toEqual({
      externalId: 'example@gmail.com',
      identifier: 'example@gmail.com',
      identifierType: 'email',
      name: 'متجر سوق نت',
    });
    expect(m.subject).toBe('أهلين عميلنا الكريم ');
    expect(m.content).toBe('أنظروا، أنا أحتاجها فقط لتقوم بالتدقيق في مقالتي الشخصية');
    expect(m.automated).toBe('auto_reply');
    expect(m.threadRefs).toEqual([SMALL_APP]);
    expect(m.timestamp).toBe(Date.parse('2022-04-03T18:48:20Z'));
  });

  it('in_reply_to.eml: a self-reference is not a thread ref; no To header', async () => {
    const m = await parseMessage('in_reply_to.eml');
    expect(m.metadata?.inReplyTo).toEqual([APPLE_ID]);
    expect(m.threadRefs).toEqual([SMALL_APP]);
    expect(m.metadata?.to).toEqual([]);
  });

  it('references.eml: In-Reply-To first, then References newest to oldest, deduplicated', async () => {
    const m = await parseMessage('references.eml');
    expect(m.threadRefs).toEqual([SMALL_APP, '<test-in-reply-to>']);
    expect(m.content).toBe('References Email');
    expect(m.externalId).toBe('<0CB459E0-0336-41DA-BC88-E6E28C697DDBF@chatwoot.com>');
  });

  it('mail_with_references.eml: the whole References chain', async () => {
    const m = await parseMessage('mail_with_references.eml');
    expect(m.threadRefs).toEqual([SMALL_APP, '<test-reference-id>']);
    expect(m.metadata?.references).toEqual([SMALL_APP, '<test-reference-id>']);
    expect(m.content).toBe('Email with references header');
  });

  it('multiple_in_reply_to.eml: both folded In-Reply-To ids, then References', async () => {
    const m = await parseMessage('multiple_in_reply_to.eml');
    expect(m.threadRefs).toEqual([
      '<4e6e35f5a38b4_479f13bb90078171@small-app-01.mail>',
      '<4e6e35f5a38b4_479f13bb90078131@small-app-01.mail>',
      SMALL_APP,
    ]);
    expect(m.contact.externalId).toBe('sony@chatwoot.com');
  });

  it('mail_with_inline_images.eml: the inline image with its Content-ID; HTML keeps the cid link', async () => {
    const m = await parseMessage('mail_with_inline_images.eml');
    expect(attachmentSummary(m)).toEqual([
      { kind: 'image', source: 'cid:ii_libj9tsr0', fileName: 'ptrol.jpeg', mimeType: 'image/jpeg', fileSize: 0, contentId: 'ii_libj9tsr0' },
    ]);
    expect(m.attachments![0]!.inline!.base64).toBe('');
    expect(m.metadata?.html).toContain('<img src="cid:ii_libj9tsr0" alt="ptrol.jpeg" width="286" height="508">');
    expect(m.content.startsWith('[image: ptrol.jpeg]\n\nHTML content and inline images')).toBe(true);
    expect(m.messageType).toBe('text');
  });

  it('cid_inline_images_without_disposition.eml: Content-ID without disposition is still inline', async () => {
    const m = await parseMessage('cid_inline_images_without_disposition.eml');
    expect(attachmentSummary(m)).toEqual([
      { kind: 'image', source: 'cid:image001.jpg@test', mimeType: 'image/jpeg', fileSize: 102, contentId: 'image001.jpg@test' },
    ]);
    expect(Buffer.from(m.attachments![0]!.inline!.base64, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(m.content).toBe('This is a plain text version of the message.');
    expect(m.contact).toEqual({ externalId: 'sender@example.com', identifier: 'sender@example.com', identifierType: 'email' });
    expect(m.metadata?.html).toContain('<img src="cid:image001.jpg@test">');
  });

  it('multiple_attachments.eml: all 30 attachments, repeated file names kept apart by Content-ID', async () => {
    const m = await parseMessage('multiple_attachments.eml');
    const atts = m.attachments!;
    expect(atts).toHaveLength(30);
    expect(new Set(atts.map((a) => a.source)).size).toBe(30);
    expect(atts.every((a) => a.kind === 'image' && a.mimeType === 'image/png' && a.source.startsWith('cid:f_lh8nw'))).toBe(true);
    expect(atts[0]).toEqual({
      kind: 'image',
      source: 'cid:f_lh8nwk8l3',
      fileName: 'Screenshot 2023-05-03 at 3.32.04 PM.png',
      mimeType: 'image/png',
      fileSize: 0,
      inline: { base64: '', contentId: 'f_lh8nwk8l3' },
    });
    const names = atts.map((a) => a.fileName);
    expect(names.filter((n) => n === 'Screenshot 2023-05-03 at 3.32.04 PM.png')).toHaveLength(2);
    expect(new Set(names).size).toBe(15);
    // The trailing "> Okay noted" is quoted history: trimmed for display, kept in fullText.
    expect(m.content.endsWith('seamless and efficient.')).toBe(true);
    expect(m.metadata?.fullText).toMatch(/> Okay noted$/);
  });

  it('mail_with_quote.eml: Gmail quote trimmed for display, full text kept', async () => {
    const m = await parseMessage('mail_with_quote.eml');
    expect(m.content).toBe('Yes, I am providing you step how to reproduce this issue');
    expect(m.metadata?.fullText).toBe(
      'Yes, I am providing you step how to reproduce this issue\n\n' +
        'On Thu, Aug 19, 2021 at 2:07 PM Tejaswini from Email sender test <\n' +
        'tejaswini@chatwoot.com> wrote:\n\n> Any update on this?\n>\n>\n\n--\n* Sony Mathew*\nSoftware developer\n*Mob:9999999999',
    );
    expect(m.subject).toBe('Re: Checking mail forwarding to cw inbox');
    expect(m.threadRefs).toEqual([
      '<0100017b5d8efc70-c7f18809-aa55-48f6-91fd-b626092ed8b3-000000@email.amazonses.com>',
      '<CAFkiBVxGoURoqdkY-O_25F-8b41kb-GWBc6hh4Djd5ynwOikXA@mail.gmail.com>',
    ]);
    expect(m.metadata?.html).toContain('<blockquote class="gmail_quote"');
  });

  it('only_html.eml: text derived from the HTML (CRLF message)', async () => {
    const m = await parseMessage('only_html.eml');
    expect(m.content).toBe('This is html only mail');
    expect(m.metadata?.fullText).toBe('This is html only mail');
    expect(m.metadata?.html).toBe('\n\n<h1>\nThis is html only mail\n</h1>\n\n\n');
    expect(m.threadRefs).toEqual([]);
    expect(m.contact).toEqual({ externalId: 'tejaswini@ex.com', identifier: 'tejaswini@ex.com', identifierType: 'email' });
  });

  it('only_text.eml: empty In-Reply-To gives no refs; no html in metadata', async () => {
    const m = await parseMessage('only_text.eml');
    expect(m).toMatchObject({
      externalId: '<6215e5ca3e3b2_10bc6197e4224d1@tejaswinis-MacBook-Pro.local.mail>',
      content: 'text only mail',
      subject: 'test text only mail',
      threadRefs: [],
      timestamp: Date.parse('2022-02-23T07:44:10Z'),
    });
    expect(m.metadata).not.toHaveProperty('html');
    expect(m.attachments).toBeUndefined();
  });

  it('mail_with_no_subject.eml: no subject', async () => {
    const m = await parseMessage('mail_with_no_subject.eml');
    expect(m.subject).toBeUndefined();
    expect(m.content).toBe("Let's talk about these images:");
    expect(m.automated).toBeUndefined();
  });

  it('malformed_reply_to.eml: does not crash; From lower-cased; no Date falls back to receivedAt', async () => {
    const events = await email.parse(fixtureRaw('malformed_reply_to.eml', 1_234_567), creds);
    expect(events).toEqual([
      {
        type: 'message',
        externalId: '<malformed-reply-to@example.com>',
        direction: 'in',
        contact: { externalId: 'sender@example.com', identifier: 'sender@example.com', identifierType: 'email', name: 'Sender' },
        timestamp: 1_234_567,
        messageType: 'text',
        content: 'Regression fixture.',
        subject: 'Empty Reply-To address',
        threadRefs: [],
        metadata: {
          messageId: '<malformed-reply-to@example.com>',
          inReplyTo: [],
          references: [],
          to: [{ address: 'inbox@example.com' }],
          cc: [],
          fullText: 'Regression fixture.',
        },
      },
    ]);
  });
});

describe('email parse: project fixtures', () => {
  it('outlook_reply.eml: Outlook "From: ... Sent:" history trimmed; ISO-8859-1 QP decoded', async () => {
    const m = await parseMessage('outlook_reply.eml');
    expect(m.content).toBe(
      "Bonjour,\n\nMerci, la livraison de mercredi me convient très bien. Pouvez-vous confirmer l'adresse : 12 rue de l'Église ?\n\nCordialement,\nRenée",
    );
    expect(m.metadata?.fullText).toContain('From: Support <support@hub.example>\nSent: Monday, March 11, 2024 11:15 AM');
    expect(m.contact.name).toBe('Renée Dubois');
    expect(m.subject).toBe('RE: Order #4521 delivery date');
    expect(m.threadRefs).toEqual(['<4f1c2e3d-aaaa-bbbb-cccc-0123456789ab@hub.example>', '<20240311101500.1a2b3c@hub.example>']);
    const html = m.metadata?.html as string;
    expect(html).not.toMatch(/<style|<meta|<head|tabindex|id="divRplyFwdMsg"/);
    expect(html).toContain('<b>Sent:</b> Monday, March 11, 2024 11:15 AM');
  });

  it('iso_8859_1.eml: 8-bit Latin-1 body and RFC 2047 header decoded from the raw bytes', async () => {
    const m = await parseMessage('iso_8859_1.eml');
    expect(m.subject).toBe('Grüße aus Köln');
    expect(m.contact).toEqual({
      externalId: 'jurgen@beispiel.example',
      identifier: 'jurgen@beispiel.example',
      identifierType: 'email',
      name: 'Jürgen Müller',
    });
    expect(m.content).toBe('Guten Tag,\n\ndie Lieferung für Köln ist angekommen. Größe passt, Preis 20 £, voilà !\n\nSchöne Grüße\nJürgen');
  });

  it('outlook_automatic_reply.eml: "Automatic reply:" subject marks an auto-reply', async () => {
    const m = await parseMessage('outlook_automatic_reply.eml');
    expect(m.automated).toBe('auto_reply');
    expect(m.threadRefs).toEqual(['<a1b2c3d4-0000-4000-8000-000000000001@hub.example>']);
  });

  it('postfix_bounce.eml: DSN with text/rfc822-headers; Diagnostic-Code is the error', async () => {
    expect(await parse('postfix_bounce.eml')).toEqual([
      {
        type: 'status',
        status: 'failed',
        externalId: '<7d9c1f0e-2b4a-4c1d-9e8f-a1b2c3d4e5f6@hub.example>',
        timestamp: Date.parse('2024-03-11T11:16:03Z'),
        error: 'nobody@nowhere.example: 550 5.1.1 <nobody@nowhere.example>: Recipient address rejected: User unknown in virtual mailbox table',
      },
    ]);
  });

  it('bounce_without_original.eml: a bounce that names no original is unsupported, not a message', async () => {
    expect(await parse('bounce_without_original.eml')).toEqual([{ type: 'unsupported', reason: 'bounce without original message id' }]);
  });
});

describe('email parse: edge cases', () => {
  const rawText = (headers: string, body = 'Hello') => ({ body: `${headers}\r\n\r\n${body}\r\n`, receivedAt: 42 });

  it('takes a plain (not base64) body as the message text', async () => {
    const events = await email.parse({ body: fixtureBytes('only_text.eml').toString('utf8'), receivedAt: 1 }, creds);
    expect((events[0] as MessageEvent).content).toBe('text only mail');
  });

  it('synthesizes a stable id from the body when Message-ID is missing', async () => {
    const raw = rawText('From: a@b.example\r\nSubject: no id');
    const [a] = (await email.parse(raw, creds)) as MessageEvent[];
    const [b] = (await email.parse(raw, creds)) as MessageEvent[];
    expect(a!.externalId).toMatch(/^<[0-9a-f]{64}@sha256\.invalid>$/);
    expect(a!.externalId).toBe(b!.externalId);
    expect(a!.metadata?.messageId).toBe(a!.externalId);
  });

  it('keeps Message-ID case exactly', async () => {
    const [m] = (await email.parse(rawText('From: a@b.example\r\nMessage-ID: <AbC.dEf@Host.Example>'), creds)) as MessageEvent[];
    expect(m!.externalId).toBe('<AbC.dEf@Host.Example>');
  });

  it('our own sent copy is direction out, with the recipient as contact', async () => {
    const [m] = (await email.parse(
      rawText('From: Support <Support@Hub.example>\r\nTo: "Ann Lee" <ann@client.example>\r\nMessage-ID: <x@hub.example>'),
      creds,
    )) as MessageEvent[];
    expect(m!.direction).toBe('out');
    expect(m!.contact).toEqual({ externalId: 'ann@client.example', identifier: 'ann@client.example', identifierType: 'email', name: 'Ann Lee' });
  });

  it.each([
    ['Auto-Submitted: auto-replied', true],
    ['Auto-Submitted: no', false],
    ['X-Autorespond: yes', true],
    ['Precedence: auto_reply', true],
    ['Precedence: junk', true],
    ['Precedence: list', false],
    ['Subject: Out of Office: back Monday', true],
    ['Subject: Auto: away', true],
    ['Subject: Automatic reply: ticket', true],
    ['Subject: About the office move', false],
  ])('auto-reply detection: %s -> %s', async (header, automated) => {
    const [m] = (await email.parse(rawText(`From: a@b.example\r\nMessage-ID: <i@b>\r\n${header}`), creds)) as MessageEvent[];
    expect(m!.automated === 'auto_reply').toBe(automated);
  });

  it('attachment-only mail is an image or file message; kinds follow the content type', async () => {
    const boundary = 'XYZ';
    const part = (type: string, name: string) =>
      `--${boundary}\r\nContent-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n`;
    const body = part('audio/ogg', 'a.ogg') + part('video/mp4', 'v.mp4') + part('application/pdf', 'd.pdf') + `--${boundary}--`;
    const [m] = (await email.parse(
      rawText(`From: a@b.example\r\nMessage-ID: <att@b>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"`, body),
      creds,
    )) as MessageEvent[];
    expect(m!.messageType).toBe('file');
    expect(m!.content).toBe('');
    expect(m!.attachments!.map((a) => [a.kind, a.source, a.fileName, a.fileSize, a.inline?.base64])).toEqual([
      ['audio', 'part:1', 'a.ogg', 3, 'AAEC'],
      ['video', 'part:2', 'v.mp4', 3, 'AAEC'],
      ['file', 'part:3', 'd.pdf', 3, 'AAEC'],
    ]);
  });

  it('an HTML-only Gmail reply drops the gmail_quote history from the displayed text', async () => {
    const html =
      '<div dir="ltr">Sounds good, thanks!</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">' +
      'On Mon, Mar 11, 2024 at 11:15 AM Support &lt;support@hub.example&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote"><p>Can we ship on Wednesday?</p></blockquote></div>';
    const [m] = (await email.parse(
      rawText('From: a@b.example\r\nMessage-ID: <h@b>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8', html),
      creds,
    )) as MessageEvent[];
    expect(m!.content).toBe('Sounds good, thanks!');
    expect(m!.metadata?.fullText).toBe(
      'Sounds good, thanks!\n\nOn Mon, Mar 11, 2024 at 11:15 AM Support <support@hub.example> wrote:\n> Can we ship on Wednesday?',
    );
  });

  it('delayed-delivery DSNs are not failures', async () => {
    const body =
      '--B\r\nContent-Type: text/plain\r\n\r\nDelayed\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n--B--';
    const events = await email.parse(
      rawText('From: MAILER-DAEMON@mx.example\r\nMessage-ID: <d@mx>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"', body),
      creds,
    );
    expect(events).toEqual([{ type: 'unsupported', reason: 'delivery status notification without failure' }]);
  });

  it('media.fetch refuses: attachments travel inline', async () => {
    await expect(email.media!.fetch('cid:x', {} as never, { webhookUrl: '', fetch })).rejects.toMatchObject({ category: 'permanent' });
  });
});
