import type { ConnectorContext } from '../../connectors/types.js';
import { webhookUrlFor } from '../domain/channels.js';

/** What a connector may use from the hub for one channel. */
export function connectorContext(publicUrl: string, channelId: string): ConnectorContext {
  return { webhookUrl: webhookUrlFor(publicUrl, channelId), fetch: (...args) => fetch(...args) };
}
