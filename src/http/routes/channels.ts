import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { connectorFor } from '../../../connectors/registry.js';
import { ChannelCreateInput, ChannelUpdateInput, channelView, createChannel, findChannel, openCredentials, updateChannel } from '../../domain/channels.js';
import { connectorContext } from '../../pipeline/connector-context.js';
import { Channel } from '../../domain/channel.entity.js';
import { AppError, errorMessage } from '../../errors.js';
import { UnsafeUrlError } from '../../security/safe-fetch.js';
import { IdParam, bearer, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

/** Credential fields naming a host the hub connects to (besides apiBaseUrl, a URL). */
const NETWORK_HOST_FIELDS = new Set(['imapHost', 'smtpHost']);
import { auditActor, router } from '../env.js';
import { audit } from '../../domain/audit.js';
import { setChannelState } from '../../domain/channel-state.js';
import { logoutSession, reconnectSession } from '../../domain/channel-session.js';
import { listTemplates } from '../../domain/templates.js';


/** Channels of the caller's organization (admins only); secrets are write-only. */
export function channelRoutes(deps: Deps) {
  const changed = (ch: Channel) => deps.channels.changed(ch.id);
  // Registers the hub with the platform where it needs to (Telegram setWebhook); a refusal is shown on the channel.
  const activate = async (em: EntityManager, ch: Channel) => {
    const connector = connectorFor(ch.kind);
    if (!connector.activate || ch.status === 'disabled') return;
    const orgId = ch.organization.id;
    let changed: boolean;
    try {
      await connector.activate(openCredentials(deps.box, ch), connectorContext(deps, ch.id));
      changed = ch.status === 'error' && (await setChannelState(deps, ch.id, orgId, 'active'));
    } catch (err) {
      changed = await setChannelState(deps, ch.id, orgId, 'error', `Activation failed: ${errorMessage(err)}`);
    }
    if (changed) await em.refresh(ch);
  };
  // Addresses the hub will connect to with the channel's secrets (Telegram's setWebhook at once): public
  // ones only, unless the instance owner allowed the network in HUB_FETCH_ALLOW (proxies, local doubles).
  const checkAddresses = async (credentials: Record<string, unknown> | undefined) => {
    for (const [field, value] of Object.entries(credentials ?? {})) {
      const host = typeof value !== 'string' || !value ? undefined
        : field === 'apiBaseUrl' ? (URL.canParse(value) ? new URL(value).hostname : undefined)
        : NETWORK_HOST_FIELDS.has(field) ? value : undefined;
      if (!host) continue;
      // A name that resolves nowhere yet is not refused here: every later connection is checked (or fails) on its own.
      await deps.fetcher.resolve(host).catch((err) => {
        if (!(err instanceof UnsafeUrlError)) throw err;
        if (err.reason === 'refused') throw new AppError(422, 'unsafe_address', `${field}: ${err.message}`);
      });
    }
  };
  const app = router();
  const view = (ch: Channel) => channelView(ch, deps.box, deps.publicUrl);

  app.openapi(createRoute({ method: 'get', path: '/channels', tags: ['channels'], security: bearer, responses: returns(200, 'Channels', z.array(wire.Channel)) }), async (c) => {
    const channels = await c.var.em.find(Channel, { organization: c.var.actor.orgId }, { orderBy: { createdAt: 'asc' } });
    return c.json(channels.map(view), 200);
  });

  app.openapi(
    createRoute({ method: 'post', path: '/channels', tags: ['channels'], security: bearer, request: jsonBody(ChannelCreateInput.openapi('CreateChannel')), responses: returns(201, 'The channel, with its webhookUrl', wire.Channel) }),
    async (c) => {
      const input = c.req.valid('json');
      // Real channels are never sandboxes: the demo stand-in exists only where demo data does.
      if (input.kind === 'sandbox' && !deps.config.demo) throw new AppError(400, 'invalid_kind', 'Sandbox channels exist only in demo mode (HUB_DEMO)');
      await checkAddresses(input.credentials);
      const channel = await createChannel(c.var.em, deps.box, c.var.actor.orgId, input);
      // Credential field names only, never their values.
      audit(c.var.em, auditActor(c), { action: 'channel.create', targetType: 'channel', targetId: channel.id, details: { kind: input.kind, name: input.name, credentialFields: Object.keys(input.credentials) } });
      await c.var.em.flush();
      await activate(c.var.em, channel);
      await changed(channel);
      return c.json(view(channel), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/channels/{id}/templates', tags: ['channels'], security: bearer, request: { params: IdParam }, responses: returns(200, 'Approved WhatsApp templates', z.array(wire.MessageTemplate)) }),
    async (c) => c.json(await listTemplates(c.var.em, deps.box, c.var.actor.orgId, c.req.valid('param').id, (id) => connectorContext(deps, id)), 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/channels/{id}', tags: ['channels'], security: bearer, request: { params: IdParam }, responses: returns(200, 'The channel', wire.Channel) }),
    async (c) => c.json(view(await findChannel(c.var.em, c.var.actor.orgId, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({ method: 'patch', path: '/channels/{id}', tags: ['channels'], security: bearer, request: { params: IdParam, ...jsonBody(ChannelUpdateInput.openapi('UpdateChannel')) }, responses: returns(200, 'The channel', wire.Channel) }),
    async (c) => {
      const channel = await findChannel(c.var.em, c.var.actor.orgId, c.req.valid('param').id);
      const input = c.req.valid('json');
      await checkAddresses(input.credentials);
      const { credentials, ...fields } = input;
      audit(c.var.em, auditActor(c), {
        action: credentials ? 'channel.credentials_update' : 'channel.update',
        targetType: 'channel',
        targetId: channel.id,
        details: { name: channel.name, ...fields, ...(credentials ? { credentialFields: Object.keys(credentials) } : {}) },
      });
      await updateChannel(c.var.em, deps.box, channel, input);
      if (input.credentials || input.status === 'active') await activate(c.var.em, channel);
      await changed(channel);
      return c.json(view(channel), 200);
    },
  );

  // WhatsApp Web: end the phone link (a new QR follows), or restart the session now.
  for (const [action, run] of [['logout', logoutSession], ['reconnect', reconnectSession]] as const) {
    app.openapi(
      createRoute({ method: 'post', path: `/channels/{id}/${action}`, tags: ['channels'], security: bearer, request: { params: IdParam }, responses: returns(200, 'The channel', wire.Channel) }),
      async (c) => {
        const channel = await findChannel(c.var.em, c.var.actor.orgId, c.req.valid('param').id);
        await run(deps, channel);
        audit(c.var.em, auditActor(c), { action: `channel.${action}`, targetType: 'channel', targetId: channel.id, details: { name: channel.name, kind: channel.kind } });
        await c.var.em.flush();
        await c.var.em.refresh(channel);
        return c.json(view(channel), 200);
      },
    );
  }

  app.openapi(
    createRoute({ method: 'delete', path: '/channels/{id}', tags: ['channels'], security: bearer, request: { params: IdParam }, responses: { 204: { description: 'Deleted with its conversations' } } }),
    async (c) => {
      const channel = await findChannel(c.var.em, c.var.actor.orgId, c.req.valid('param').id);
      audit(c.var.em, auditActor(c), { action: 'channel.delete', targetType: 'channel', targetId: channel.id, details: { name: channel.name, kind: channel.kind } });
      await c.var.em.remove(channel).flush();
      await changed(channel);
      return c.body(null, 204);
    },
  );
  return app;
}
