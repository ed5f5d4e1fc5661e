import type {
  Channel, ChatMessage, Notification, Platform, Client, ClientSummary, Conversation, ConversationStatus, MessagePage, Note, Page, Prospect, ProspectConversion,
} from './wire.js';

/** Socket.IO event maps of the agents' namespace (CONTRACT.md), shared by the server and the web app. */

export type AckReply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
export type Ack<T = unknown> = (reply: AckReply<T>) => void;

export type PresenceStatus = 'online' | 'away' | 'offline';
export type TypingEvent = { conversationId: string; userId: string; name: string; isTyping: boolean };

/** Server -> client. */
export interface ServerEvents {
  new_message: (message: ChatMessage) => void;
  message_updated: (message: ChatMessage) => void;
  /** One conversation, or several changed together (batched under load). */
  conversation_updated: (conversation: Conversation | Conversation[]) => void;
  prospect_updated: (prospect: Prospect) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: { userId: string; status: PresenceStatus }) => void;
  channel_updated: (channel: Channel) => void;
  /** To its user only. */
  notification: (notification: Notification) => void;
}

type PageQuery = { search?: string; cursor?: string; limit?: number };
/** What an agent may change on a conversation (also `PATCH /api/conversations/:id`); `assignedTo: null` unassigns. */
export type ConversationPatch = { status?: ConversationStatus; assignedTo?: string | null; tags?: string[]; botEnabled?: boolean };
/** A new client's fields (also `POST /api/clients`). */
export type ClientFields = {
  firstName: string; lastName?: string; email?: string; phone?: string; company?: string | null; status?: Client['status']; tags?: string[];
};

/** Client -> server: what each event takes and what its acknowledgement carries as `data`. */
export interface ClientRequests {
  load_conversations: {
    payload: PageQuery & { status?: ConversationStatus; platform?: Platform; channelId?: string; clientId?: string; assignedTo?: string; unread?: boolean };
    data: Page<Conversation>;
  };
  load_prospects: { payload: PageQuery; data: Page<Prospect> };
  load_clients: { payload: PageQuery; data: Page<ClientSummary> };
  load_messages: { payload: { conversationId: string; before?: number; after?: number; limit?: number }; data: MessagePage };
  send_message: {
    payload: { conversationId: string; content: string; clientMessageId?: string; attachmentIds?: string[]; private?: boolean; mentions?: string[]; replyToId?: string; template?: { name: string; language: string; params?: string[] } };
    data: ChatMessage;
  };
  /** Reactions, edits and deletes: `unsupported` where the platform cannot; the change arrives as `message_updated`. */
  react_message: { payload: { messageId: string; emoji: string }; data: ChatMessage };
  edit_message: { payload: { messageId: string; content: string }; data: ChatMessage };
  delete_message: { payload: { messageId: string }; data: ChatMessage };
  mark_as_read: { payload: { conversationId: string }; data: Conversation };
  convert_prospect: { payload: ClientFields & { prospectId: string }; data: ProspectConversion };
  add_client_note: { payload: { clientId: string; content: string }; data: Note };
  update_chat_settings: { payload: ConversationPatch & { conversationId: string }; data: Conversation };
  typing: { payload: { conversationId: string; isTyping?: boolean }; data: { throttled: boolean } };
}
export type ClientEventName = keyof ClientRequests;

type RequestEvents = { [E in ClientEventName]: (payload: ClientRequests[E]['payload'], ack?: Ack<ClientRequests[E]['data']>) => void };

/** Client -> server: the requests above, and `set_presence` (no acknowledgement). */
export interface ClientEvents extends RequestEvents {
  set_presence: (status: 'online' | 'away') => void;
}
