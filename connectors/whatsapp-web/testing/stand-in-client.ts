/**
 * A stand-in for whatsapp-web.js's Client, for tests: an EventEmitter that emits the library's
 * events with objects of its own shapes (Message._patch, Chat, Contact, Reaction, as in
 * v1.34.7's src/structures), and runs the real auth strategy the connector gives it
 * (RemoteAuth: the profile folder is extracted from and zipped to the hub's store). One
 * `StandInWhatsApp` is the phone side: its chats and people outlive any one client.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientFactory, WaChat, WaClient, WaClientOptions, WaContact, WaMedia, WaMessage, WaMessageId, WaReaction } from '../client.js';

type Auth = {
  setup(client: unknown): void;
  beforeBrowserInitialized(): Promise<void>;
  afterBrowserInitialized?(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
  storeRemoteSession?(o?: { emit?: boolean }): Promise<void>;
  userDataDir?: string;
};

export type Person = { phone?: string; lid?: string; pushname?: string; name?: string };

type Stored = { data: Omit<WaMessage, 'downloadMedia' | 'getQuotedMessage' | 'react'>; media?: WaMedia; quoted?: string };

const serialize = (fromMe: boolean, remote: string, id: string): WaMessageId => ({ fromMe, remote, id, _serialized: `${fromMe}_${remote}_${id}` });

export class StandInWhatsApp {
  readonly me = '15550000000@c.us';
  readonly people: Person[] = [];
  readonly messages = new Map<string, Stored>();
  readonly clients: StandInClient[] = [];
  readonly groups = new Map<string, string>();
  /** Set to make the next initialize() reject with this message. */
  failInit?: string;
  /** The page loads forever: initialize() neither shows a login nor fails (page.goto has no timeout). */
  stallInit = false;
  /** Media downloads that fail (the page could not fetch the file) before they work again. */
  failDownloads = 0;
  private seq = 0;

  readonly factory: ClientFactory = (options) => {
    const c = new StandInClient(this, options);
    this.clients.push(c);
    return c;
  };

  get current(): StandInClient {
    const c = this.clients.at(-1);
    if (!c) throw new Error('no client created yet');
    return c;
  }

  person(p: Person) {
    this.people.push(p);
    return p;
  }

  find(id: string): Person | undefined {
    return this.people.find((p) => `${p.phone}@c.us` === id || p.lid === id);
  }

  nextId = () => `3EB0${(++this.seq).toString(16).toUpperCase().padStart(16, '0')}`;

  /** A message as the library builds it (Message._patch) from the page's model. */
  store(fields: Partial<Stored['data']> & { chatId: string; fromMe: boolean; body: string; type?: string; timestamp?: number }, extra: { media?: WaMedia; quoted?: string } = {}): Stored {
    const id = serialize(fields.fromMe, fields.chatId, this.nextId());
    const data: Stored['data'] = {
      id,
      from: fields.fromMe ? this.me : fields.chatId,
      to: fields.fromMe ? fields.chatId : this.me,
      ...(fields.author ? { author: fields.author } : {}),
      fromMe: fields.fromMe,
      body: fields.body,
      type: fields.type ?? 'chat',
      timestamp: fields.timestamp ?? Math.floor(Date.now() / 1000),
      ack: fields.fromMe ? 0 : 1,
      hasMedia: !!extra.media,
      hasQuotedMsg: !!extra.quoted,
      isStatus: fields.chatId === 'status@broadcast',
      broadcast: fields.chatId.endsWith('@broadcast'),
      ...(fields.location ? { location: fields.location } : {}),
      ...(fields.vCards ? { vCards: fields.vCards } : {}),
      _data: { ...(fields._data ?? {}), ...(extra.media ? { mimetype: extra.media.mimetype, filename: extra.media.filename ?? undefined, size: Buffer.byteLength(extra.media.data, 'base64') } : {}) },
    };
    const stored = { data, ...extra };
    this.messages.set(id._serialized, stored);
    return stored;
  }
}

export class StandInClient extends EventEmitter implements WaClient {
  state: string | null = 'CONNECTED';
  browserUp = true;
  /** A dead session: getState hangs (the page stopped answering) when set. */
  hang = false;
  initialized = false;
  destroyed = false;
  loggedOut = false;
  qrs = 0;
  readonly sent: { chatId: string; content: unknown; options?: unknown }[] = [];
  readonly auth: Auth;
  pupBrowser = { isConnected: () => this.browserUp && !this.destroyed };
  info = { wid: { _serialized: '15550000000@c.us' }, pushname: 'Acme' };

  constructor(readonly wa: StandInWhatsApp, readonly options: WaClientOptions) {
    super();
    this.auth = options.authStrategy as Auth;
    this.auth.setup(this);
  }

  private marker() {
    return join(this.auth.userDataDir!, 'Default', 'Local Storage', 'leveldb', 'LINKED');
  }

  /** Like Client.initialize: the auth strategy restores the profile, then either the saved login or a QR/code. */
  async initialize(): Promise<void> {
    await this.auth.beforeBrowserInitialized();
    // Chromium starts here in the real client (and RemoteAuth's unzip settles meanwhile).
    await new Promise((r) => setTimeout(r, 150));
    if (this.wa.failInit) throw new Error(this.wa.failInit);
    if (this.wa.stallInit) return new Promise<void>(() => undefined);
    await this.auth.afterBrowserInitialized?.();
    this.initialized = true;
    if (existsSync(this.marker())) {
      this.emit('authenticated');
      this.emit('ready');
    } else this.showLogin();
  }

  showLogin() {
    if (this.options.pairWithPhoneNumber) this.emit('code', `HUB${this.qrs++}-CODE`.slice(0, 9));
    else this.emit('qr', `2@stand-in-qr-${++this.qrs},${'x'.repeat(40)}`);
  }

  /** The phone scans the QR: the profile holds a login from now on. */
  async link(): Promise<void> {
    await mkdir(join(this.marker(), '..'), { recursive: true });
    await writeFile(this.marker(), 'linked');
    this.emit('authenticated');
    this.emit('ready');
  }

  /** RemoteAuth's backup (the library makes its first one 60 s after ready). */
  async backup(): Promise<void> {
    await this.auth.storeRemoteSession!({ emit: true });
  }

  private message(s: Stored): WaMessage {
    const { wa } = this;
    return {
      ...structuredClone(s.data),
      downloadMedia: async () => {
        if (wa.failDownloads > 0 && wa.failDownloads--) throw new Error('Evaluation failed: media not available');
        return s.media;
      },
      getQuotedMessage: async () => (s.quoted ? this.message(wa.messages.get(s.quoted)!) : undefined),
      react: async (emoji: string) => void this.sent.push({ chatId: s.data.id.remote, content: { reaction: emoji, to: s.data.id._serialized } }),
    };
  }

  /** Someone writes from the phone side: `message` and `message_create`, as the library emits both. */
  receive(chatId: string, body: string, fields: Partial<Stored['data']> = {}, extra: { media?: WaMedia; quoted?: string } = {}): WaMessage {
    const m = this.message(this.wa.store({ chatId, fromMe: false, body, ...fields }, extra));
    this.emit('message', m);
    this.emit('message_create', m);
    return m;
  }

  /** The business writes from its phone: only `message_create`, with fromMe. */
  fromPhone(chatId: string, body: string): WaMessage {
    const m = this.message(this.wa.store({ chatId, fromMe: true, body }));
    this.emit('message_create', m);
    return m;
  }

  ack(id: string, ack: number) {
    const s = this.wa.messages.get(id)!;
    s.data.ack = ack;
    this.emit('message_ack', this.message(s), ack);
  }

  edit(id: string, body: string) {
    const s = this.wa.messages.get(id)!;
    const prev = s.data.body;
    s.data.body = body;
    this.emit('message_edit', this.message(s), body, prev);
  }

  revoke(id: string) {
    const s = this.wa.messages.get(id)!;
    const before = this.message(s);
    s.data.type = 'revoked';
    s.data.body = '';
    this.emit('message_revoke_everyone', this.message(s), before);
  }

  react(targetId: string, senderId: string, emoji: string) {
    const target = this.wa.messages.get(targetId)!;
    const r: WaReaction = { id: serialize(false, target.data.id.remote, this.wa.nextId()), msgId: target.data.id, senderId, reaction: emoji, timestamp: Math.floor(Date.now() / 1000) };
    this.emit('message_reaction', r);
  }

  async destroy() {
    this.destroyed = true;
    await this.auth.destroy();
  }

  async logout() {
    this.loggedOut = true;
    this.destroyed = true;
    await this.auth.logout();
  }

  async getState() {
    if (this.hang) return new Promise<string | null>(() => undefined);
    return this.state;
  }

  private chat(id: string): WaChat {
    const list = [...this.wa.messages.values()].filter((s) => s.data.id.remote === id);
    return {
      id: { _serialized: id },
      name: this.wa.groups.get(id) ?? this.wa.find(id)?.name,
      isGroup: id.endsWith('@g.us'),
      unreadCount: 0,
      timestamp: Math.max(0, ...list.map((s) => s.data.timestamp)),
      fetchMessages: async ({ limit = 50 }) => list.slice(-limit).map((s) => this.message(s)),
    };
  }

  async getChats() {
    return [...new Set([...this.wa.messages.values()].map((s) => s.data.id.remote))].map((id) => this.chat(id));
  }

  async getChatById(id: string) {
    return this.chat(id);
  }

  async getContactById(id: string): Promise<WaContact> {
    const p = this.wa.find(id);
    return { id: { _serialized: id }, number: p?.phone ?? id.split('@')[0], pushname: p?.pushname, name: p?.name, isGroup: id.endsWith('@g.us') };
  }

  async getMessageById(id: string) {
    const s = this.wa.messages.get(id);
    return s ? this.message(s) : null;
  }

  /** Client.getContactLidAndPhone: `{lid, pn}` serialized ids. */
  async getContactLidAndPhone(ids: string[]) {
    return ids.map((id) => {
      const p = this.wa.find(id);
      return { lid: p?.lid, pn: p?.phone ? `${p.phone}@c.us` : undefined };
    });
  }

  /** Like the library: `message_create` fires for the new message before sendMessage resolves. */
  async sendMessage(chatId: string, content: unknown, options?: { quotedMessageId?: string; caption?: string }) {
    this.sent.push({ chatId, content, options });
    const media = typeof content === 'string' ? undefined : (content as WaMedia);
    const s = this.wa.store({ chatId, fromMe: true, body: typeof content === 'string' ? content : options?.caption ?? '', type: media ? 'document' : 'chat' }, {
      ...(media ? { media } : {}),
      ...(options?.quotedMessageId ? { quoted: options.quotedMessageId } : {}),
    });
    const m = this.message(s);
    this.emit('message_create', m);
    await new Promise((r) => setTimeout(r, 5));
    return m;
  }
}
