import { ConnectorError, type ConnectorContext, type MediaCapability, type SendCapability } from '../types.js';
import { messageMedia } from './client.js';
import type { WhatsAppWebCredentials } from './credentials.js';
import { liveSessions } from './live-sessions.js';

/** The session of the channel, when it runs ready in this process. */
function sessionFor(ctx: ConnectorContext) {
  const session = ctx.channelId ? liveSessions.get(ctx.channelId) : undefined;
  if (!session?.ready) throw new ConnectorError('temporary', 'the WhatsApp Web session of this channel is not connected in this worker');
  return session;
}

/** Text, or each file as MessageMedia with the text as the first one's caption; a quoted reply keeps its quote. */
export const send: SendCapability<WhatsAppWebCredentials> = {
  needsFileContent: true,
  quotes: true,
  /** As the business (an empty emoji removes the reaction). */
  async react(target, emoji, _credentials, ctx) {
    await sessionFor(ctx).send(async (c) => {
      const m = await c.getMessageById(target.externalId);
      if (!m) throw new ConnectorError('permanent', `message ${target.externalId} is not in this WhatsApp session`);
      await m.react(emoji);
      return m;
    });
  },
  async send(message, _credentials, ctx) {
    const session = sessionFor(ctx);
    const chatId = message.to.externalId;
    const quote = message.replyTo ? { quotedMessageId: message.replyTo.externalId } : {};
    const files = (message.attachments ?? []).filter((a) => a.content);
    if (!files.length) {
      const sent = await session.send((c) => c.sendMessage(chatId, message.content, quote));
      return { externalId: sent.id._serialized };
    }
    let first: string | undefined;
    for (const [i, f] of files.entries()) {
      const media = await messageMedia(f.mimeType ?? 'application/octet-stream', f.content!.toString('base64'), f.fileName);
      const caption = i === 0 && message.content ? { caption: message.content } : {};
      const sent = await session.send((c) => c.sendMessage(chatId, media, { ...quote, ...caption }));
      first ??= sent.id._serialized;
    }
    return { externalId: first! };
  },
};

/** An attachment that did not come along in the payload: downloaded again through the session. */
export const media: MediaCapability<WhatsAppWebCredentials> = {
  async fetch(source, _credentials, ctx) {
    const client = sessionFor(ctx).client!;
    const m = await client.getMessageById(source);
    if (!m) throw new ConnectorError('permanent', `message ${source} is not in this WhatsApp session`);
    const file = await m.downloadMedia();
    if (!file) throw new ConnectorError('temporary', 'WhatsApp could not download this media now');
    return { data: Buffer.from(file.data, 'base64'), mimeType: file.mimetype, ...(file.filename ? { fileName: file.filename } : {}) };
  },
};
