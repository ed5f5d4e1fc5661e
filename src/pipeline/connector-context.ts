import type { ConnectorContext } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { webhookUrlFor } from '../domain/channels.js';
import { visitorBridge } from './visitor-bridge.js';

/** What a connector may use from the hub for one channel: its network calls go through the guarded fetcher. */
export function connectorContext(deps: Deps, channelId: string): ConnectorContext {
  return {
    channelId, webhookUrl: webhookUrlFor(deps.publicUrl, channelId), fetch: deps.fetcher.fetch, guard: deps.fetcher,
    timeouts: deps.config.connectorTimeouts, visitors: visitorBridge(deps, channelId),
  };
}
