import type { ChatMessage } from './wire.js';
import type { AckReply } from './socket.js';

/**
 * The website widget's side of CONTRACT.md ("Website live chat"): REST answers and the `/widget`
 * Socket.IO namespace, shared by the hub and the widget app (web/widget).
 */
export type WidgetSession = { visitorToken: string; visitor: { id: string; name?: string; email?: string }; conversationId?: string };

/** What the widget shows before anyone writes: `GET /widget/v1/config?websiteToken=`. */
export type WidgetConfig = {
  title: string;
  color: string;
  welcomeMessage?: string;
  /** Quick-start prompts (the channel's bot keywords), shown as buttons. */
  prompts: string[];
  preChatForm: boolean;
  requireIdentity: boolean;
  /** Whether an agent of the organization is online now (else the widget shows an offline note). */
  agentsOnline: boolean;
};

export type VisitorMessagePage = { items: ChatMessage[]; hasMore: boolean };
export type VisitorSend = { content: string; clientMessageId: string; attachmentIds?: string[] };
export type VisitorUpload = { id: string; kind: string; fileName: string; fileSize: number; fileType: string };

export interface WidgetClientRequests {
  send_message: { payload: VisitorSend; data: ChatMessage };
  load_messages: { payload: { before?: number }; data: VisitorMessagePage };
  typing: { payload: { isTyping: boolean }; data: { throttled: boolean } };
  mark_as_read: { payload: Record<string, never> | undefined; data: { read: number } };
}
export type WidgetClientEvents = {
  [E in keyof WidgetClientRequests]: (payload: WidgetClientRequests[E]['payload'], ack: (reply: AckReply<WidgetClientRequests[E]['data']>) => void) => void;
};

export interface WidgetServerEvents {
  /** `ack`: the widget confirms it has the message (it is then `delivered`). */
  new_message: (message: ChatMessage, ack: (received: boolean) => void) => void;
  message_updated: (message: ChatMessage) => void;
  typing: (event: { isTyping: boolean; name: string }) => void;
}
