import type { MessageEvent } from '../../connectors/types.js';

/** The conversation's last-message preview, as ingest and sending both store it. */
export function lastMessageSummary(id: string | undefined, e: Pick<MessageEvent, 'content' | 'messageType' | 'direction' | 'timestamp'> & { automated?: string }) {
  return {
    ...(id ? { id } : {}),
    content: e.content.slice(0, 280),
    messageType: e.automated ? 'system' : e.messageType,
    senderType: e.direction === 'in' ? 'prospect' : 'agent',
    timestamp: new Date(e.timestamp).toISOString(),
  };
}
