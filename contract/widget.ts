import { z } from 'zod';
import { MessagePage, type ChatMessage } from './wire.js';
import type { AckReply } from './socket.js';

/**
 * The website widget's side of CONTRACT.md ("Website live chat"): REST answers and the `/widget`
 * Socket.IO namespace, shared by the hub and the widget app (web/widget).
 */
export const WidgetSession = z.object({
  visitorToken: z.string(),
  visitor: z.object({ id: z.string(), name: z.string().optional(), email: z.string().optional() }),
  conversationId: z.string().optional(),
});
export type WidgetSession = z.infer<typeof WidgetSession>;

/** What the widget shows before anyone writes: `GET /widget/v1/config?websiteToken=`. */
export const WidgetConfig = z.object({
  title: z.string(),
  color: z.string(),
  welcomeMessage: z.string().optional(),
  /** Quick-start prompts (the channel's bot keywords), shown as buttons. */
  prompts: z.array(z.string()),
  preChatForm: z.boolean(),
  requireIdentity: z.boolean(),
  /** Whether an agent of the organization is online now (else the widget shows an offline note). */
  agentsOnline: z.boolean(),
});
export type WidgetConfig = z.infer<typeof WidgetConfig>;

/** The visitor's own thread, oldest first. */
export const VisitorMessagePage = MessagePage;
export type VisitorMessagePage = z.infer<typeof VisitorMessagePage>;
export type VisitorSend = { content: string; clientMessageId: string; attachmentIds?: string[] };
export const VisitorUpload = z.object({ id: z.string(), kind: z.string(), fileName: z.string(), fileSize: z.number(), fileType: z.string() });
export type VisitorUpload = z.infer<typeof VisitorUpload>;
/**
 * Marking the thread read (`POST /widget/v1/read`, `mark_as_read`). `shown`: the ids of the replies
 * the widget shows; one of them counts as read even while its sending is still being recorded
 * (the widget has it, the worker has not yet stored it as sent).
 */
export const VisitorReadInput = z.object({ shown: z.array(z.string().uuid()).max(200).optional() });
export type VisitorReadInput = z.infer<typeof VisitorReadInput>;
/** What marking the thread read answers. */
export const VisitorRead = z.object({ read: z.number().int() });

export interface WidgetClientRequests {
  send_message: { payload: VisitorSend; data: ChatMessage };
  load_messages: { payload: { before?: number }; data: VisitorMessagePage };
  typing: { payload: { isTyping: boolean }; data: { throttled: boolean } };
  mark_as_read: { payload: VisitorReadInput | undefined; data: { read: number } };
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
