import type { VisitorBridge } from '../../connectors/types.js';
import type { Deps } from '../context.js';
import { readVisitorUpload } from '../domain/widget.js';
import { publishWidgetEvent } from '../queue/widget-events.js';
import { redisKeys } from '../queue/redis-keys.js';
import { notFound } from '../errors.js';

/**
 * The hub's side of a web_chat channel for its connector: a message to deliver goes over Redis
 * to the API processes holding the visitor's widget sockets; a visitor's upload comes from the
 * media store. The connector itself stays free of both.
 */
export function visitorBridge(deps: Deps, channelId: string): VisitorBridge {
  const keys = redisKeys(deps.config.queuePrefix);
  return {
    deliver: (visitorId, messageId) => publishWidgetEvent(deps.redis, keys, { kind: 'deliver', visitorId, messageId }),
    readUpload: async (uploadId) => {
      const channel = await deps.channels.get(channelId);
      if (!channel) throw notFound('Channel');
      return readVisitorUpload(deps, channel.orgId, uploadId);
    },
  };
}
