/** Wire shapes sent by the hub: the contract's (contract/wire.ts, contract/socket.ts), plus what only the browser adds. */
import type * as wire from '../../../contract/wire';

export type {
  AuditEntry, BotPrompt, ChannelKind, Client, ClientSummary, Conversation, ConversationStatus, Invite,
  Note, Page, Platform, Prospect, ProspectConversion, Quote, QuoteChange, Role, Session, UploadedFile, User,
  WebhookEvent,
} from '../../../contract/wire';
export type { ClientFields, ConversationPatch } from '../../../contract/socket';

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
