/**
 * The part of whatsapp-web.js (v1.34) the connector uses, typed after the library's own
 * structures (src/structures/Message.js, Chat.js, Contact.js, Reaction.js, Client.js), so the
 * real Client and the tests' stand-in (testing/stand-in-client.ts) are interchangeable.
 */
import type { EventEmitter } from 'node:events';
import type wwebModule from 'whatsapp-web.js';

/** A serialized WhatsApp id: `<user>@c.us` (phone), `<user>@lid`, `<id>@g.us` (group), `status@broadcast`. */
export interface WaId { _serialized: string; user?: string; server?: string }
export interface WaMessageId extends WaId { fromMe: boolean; remote: string; id: string }

export interface WaMedia { mimetype: string; data: string; filename?: string | null; filesize?: number | null }

export interface WaMessage {
  id: WaMessageId;
  /** Chat id for inbound, own id for outbound (`_getChatId()`: fromMe ? to : from). */
  from: string;
  to: string;
  /** The group member who wrote it (groups only). */
  author?: string;
  fromMe: boolean;
  body: string;
  /** MessageTypes: chat, image, video, audio, ptt, document, sticker, location, vcard, revoked, ... */
  type: string;
  /** Seconds since the epoch. */
  timestamp: number;
  ack?: number;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  isStatus?: boolean;
  broadcast?: boolean;
  location?: { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string };
  vCards?: string[];
  _data?: { notifyName?: string; filename?: string; size?: number; mimetype?: string };
  downloadMedia(): Promise<WaMedia | undefined>;
  getQuotedMessage(): Promise<WaMessage | undefined>;
  react(emoji: string): Promise<void>;
}

export interface WaContact {
  id: WaId;
  /** Digits of the phone number (`data.userid`); for an `@lid` contact, the lid's user part. */
  number?: string;
  name?: string;
  pushname?: string;
  shortName?: string;
  isGroup?: boolean;
  isMe?: boolean;
}

export interface WaChat {
  id: WaId;
  name?: string;
  isGroup: boolean;
  unreadCount?: number;
  /** Seconds since the epoch of its latest activity. */
  timestamp?: number;
  fetchMessages(opts: { limit?: number; fromMe?: boolean }): Promise<WaMessage[]>;
}

export interface WaReaction {
  /** The reaction message's own key. */
  id: WaMessageId;
  /** The message reacted to (`parentMsgKey`). */
  msgId: WaMessageId;
  senderId: string;
  /** Empty when the reaction was removed. */
  reaction: string;
  /** Seconds. */
  timestamp: number;
}

/** The client options the connector sets (a subset of whatsapp-web.js ClientOptions). */
export interface WaClientOptions {
  authStrategy: unknown;
  puppeteer: { executablePath?: string; headless?: boolean; args?: string[]; env?: Record<string, string>; timeout?: number; protocolTimeout?: number };
  webVersion?: string;
  webVersionCache?: { type: 'local'; path?: string; strict?: boolean } | { type: 'remote'; remotePath: string; strict?: boolean } | { type: 'none' };
  pairWithPhoneNumber?: { phoneNumber: string; showNotification?: boolean; intervalMs?: number };
  qrMaxRetries?: number;
  authTimeoutMs?: number;
  takeoverOnConflict?: boolean;
}

export interface WaClient extends EventEmitter {
  info?: { wid?: WaId; pushname?: string };
  pupBrowser?: { isConnected(): boolean; process?(): { pid?: number } | null } | null;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
  /** WAState (CONNECTED, OPENING, PAIRING, TIMEOUT, CONFLICT, UNPAIRED, ...), or null while the page is not ready. */
  getState(): Promise<string | null>;
  getChats(): Promise<WaChat[]>;
  getChatById(id: string): Promise<WaChat>;
  getContactById(id: string): Promise<WaContact>;
  getMessageById(id: string): Promise<WaMessage | null | undefined>;
  getContactLidAndPhone(ids: string[]): Promise<{ lid?: string; pn?: string }[]>;
  sendMessage(chatId: string, content: string | unknown, options?: { quotedMessageId?: string; caption?: string; sendSeen?: boolean }): Promise<WaMessage>;
}

export type ClientFactory = (options: WaClientOptions) => WaClient;

let wweb: typeof wwebModule | undefined;

/**
 * whatsapp-web.js, and Puppeteer under it (about 37 MB of a process's memory), loads with the
 * first session or file sent: a process that runs neither (an API process) never holds it.
 * A CommonJS package: its default export, see STACK.md.
 */
export async function loadWhatsAppWeb(): Promise<typeof wwebModule> {
  return (wweb ??= (await import('whatsapp-web.js')).default);
}

/** The library once loaded (a session loads it before it builds its client and auth strategy). */
export function whatsappWebLoaded(): typeof wwebModule {
  if (!wweb) throw new Error('whatsapp-web.js is not loaded yet (loadWhatsAppWeb)');
  return wweb;
}

/** The real whatsapp-web.js Client. */
export const realClient: ClientFactory = (options) => new (whatsappWebLoaded().Client)(options as any) as unknown as WaClient;

/** whatsapp-web.js MessageMedia, for sending files. */
export const messageMedia = async (mimetype: string, base64: string, filename?: string) => new (await loadWhatsAppWeb()).MessageMedia(mimetype, base64, filename);

export const ACK = { ERROR: -1, PENDING: 0, SERVER: 1, DEVICE: 2, READ: 3, PLAYED: 4 } as const;
