/** Socket.IO event maps shared by the server and the browser client. */
export type Ack<T = unknown> = (reply: { ok: true; data: T } | { ok: false; error: { code: string; message: string } }) => void;

export interface ServerEvents {
  new_message: (message: Record<string, unknown>) => void;
  message_updated: (message: Record<string, unknown>) => void;
  conversation_updated: (conversation: Record<string, unknown> | Record<string, unknown>[]) => void;
  prospect_updated: (prospect: Record<string, unknown>) => void;
  typing: (event: { conversationId: string; userId: string; name: string; isTyping: boolean }) => void;
  presence: (event: { userId: string; status: 'online' | 'away' | 'offline' }) => void;
  channel_updated: (channel: Record<string, unknown>) => void;
}

export type ClientEventName =
  | 'load_conversations'
  | 'load_prospects'
  | 'load_clients'
  | 'load_messages'
  | 'send_message'
  | 'mark_as_read'
  | 'convert_prospect'
  | 'add_client_note'
  | 'update_chat_settings'
  | 'typing';

export type ClientEvents = Record<ClientEventName, (payload: unknown, ack?: Ack) => void>;
