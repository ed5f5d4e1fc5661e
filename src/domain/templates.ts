import type { EntityManager } from '@mikro-orm/postgresql';
import { connectorFor } from '../../connectors/registry.js';
import { ConnectorError, type ConnectorContext, type MessageTemplate } from '../../connectors/types.js';
import type { SecretBox } from '../security/crypto.js';
import { AppError, errorMessage, unsupported } from '../errors.js';
import { findChannel, openCredentials } from './channels.js';

/**
 * The approved message templates of a channel's business account, asked of the platform now
 * (through the hub's guarded fetch and the connector's timeouts). Any agent of the organization
 * may list them: they choose one when the 24 h window is closed.
 */
export async function listTemplates(
  em: EntityManager, box: SecretBox, orgId: string, channelId: string, ctx: (channelId: string) => ConnectorContext,
): Promise<MessageTemplate[]> {
  const channel = await findChannel(em, orgId, channelId);
  const templates = connectorFor(channel.kind).send?.templates;
  if (!templates) throw unsupported('Message templates exist on WhatsApp Cloud channels only');
  try {
    return await templates(openCredentials(box, channel), ctx(channel.id));
  } catch (err) {
    if (err instanceof ConnectorError && err.code === 'no_business_account') throw new AppError(422, 'no_business_account', err.message);
    throw new AppError(502, 'platform_error', `WhatsApp did not give the templates: ${errorMessage(err)}`);
  }
}
