/** Wire shapes sent by the hub: the contract's (contract/wire.ts), plus what only the browser adds. */
import type * as wire from '../../../contract/wire';

export type {
  BotPrompt, ChannelKind, Client, ClientSummary, ConversationStatus, MessageStatus, Note, Page, Platform, Prospect, Quote, Role, User,
} from '../../../contract/wire';
export type { AckReply, ClientFields, ConversationPatch } from '../../../contract/socket';

export type Conversation = wire.Conversation;

/** `local`: an upload shown in an optimistic bubble before the hub has the message. */
export type Attachment = Omit<wire.Attachment, 'status'> & { status: wire.Attachment['status'] | 'local' };

export type ChatMessage = Omit<wire.ChatMessage, 'metadata'> & {
  metadata?: wire.MessageFile & { attachments?: Attachment[]; [k: string]: unknown };
  /** Client-side only: an optimistic bubble not yet acknowledged by the server. */
  local?: boolean;
};

export type Channel = wire.Channel;

/** Without `status` when the list could not be loaded (the signed-in user alone). */
export type Agent = Omit<wire.Agent, 'status'> & { status?: wire.Agent['status'] };

/** A kept webhook payload (secrets redacted), from `GET /api/webhook-events`. */
export interface WebhookEvent {
  id: string;
  channelId: string;
  channelName: string;
  channelKind: wire.ChannelKind | string;
  outcome: 'received' | 'stored' | 'updated' | 'duplicate' | 'unsupported' | 'ignored' | 'failed' | 'replayed' | string;
  detail?: string;
  payload: string;
  contentType?: string;
  receivedAt: string;
  expiresAt: string;
}
