import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../types.js';
import { instagramProfile, messengerProfile } from './profile.js';
import { GraphDouble, ctx } from './test-support.js';

let graph: GraphDouble;
beforeAll(async () => { graph = await new GraphDouble().start(); });
afterAll(async () => { await graph.stop(); });

const creds = () => ({ accessToken: 'EAAprofile', appSecret: 's', verifyToken: 'v', apiVersion: 'v21.0', apiBaseUrl: graph.url });
const contact = (id: string) => ({ externalId: id, identifier: id, identifierType: 'social' as const });

describe('profiles', () => {
  it('names a Messenger user from first and last name', async () => {
    graph.reset(() => ({ body: { first_name: 'Liam', last_name: 'Walker', profile_pic: 'https://x/p.jpg', id: '6543210987654321' } }));
    expect(await messengerProfile.fetch(contact('6543210987654321'), { ...creds(), pageId: '1' }, ctx)).toEqual({ name: 'Liam Walker', avatar: 'https://x/p.jpg' });
    expect(graph.requests[0]!.path).toBe('/v21.0/6543210987654321?fields=first_name,last_name,profile_pic');
    expect(graph.requests[0]!.headers.authorization).toBe('Bearer EAAprofile');
  });

  it('names an Instagram user, falling back to the @username', async () => {
    graph.reset(() => ({ body: { username: 'mira.k', id: '17841400000000001' } }));
    expect(await instagramProfile.fetch(contact('17841400000000001'), { ...creds(), accountId: '1' }, ctx)).toEqual({ name: '@mira.k', avatar: undefined });
  });

  it('reports a refusal as a permanent connector error', async () => {
    graph.reset(() => ({ status: 400, body: { error: { message: '(#100) No profile available for that user.', type: 'OAuthException', code: 100 } } }));
    const err = await messengerProfile.fetch(contact('1'), { ...creds(), pageId: '1' }, ctx).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.category).toBe('permanent');
  });
});
