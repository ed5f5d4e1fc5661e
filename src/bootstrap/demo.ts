import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChannelKind, Platform } from '../../connectors/types.js';
import { connectorFor } from '../../connectors/registry.js';
import type { SecretBox } from '../security/crypto.js';
import { Channel } from '../domain/channel.entity.js';
import { Prospect } from '../domain/prospect.entity.js';
import { Conversation } from '../domain/conversation.entity.js';
import { Message } from '../domain/message.entity.js';

type DemoThread = {
  kind: ChannelKind;
  channelName: string;
  contact: { externalId: string; identifier: string; identifierType: 'phone' | 'email' | 'social'; name: string };
  lines: [who: 'prospect' | 'agent' | 'bot', text: string, minutesAgo: number][];
};

const THREADS: DemoThread[] = [
  {
    kind: 'whatsapp_cloud',
    channelName: 'Demo WhatsApp',
    contact: { externalId: '5511987654321', identifier: '+5511987654321', identifierType: 'phone', name: 'Ana Souza' },
    lines: [
      ['prospect', 'Hi! Do you ship to São Paulo?', 42],
      ['bot', 'Hello Ana! Yes, we ship all over Brazil. An agent will follow up shortly.', 41],
      ['prospect', 'Great, how long does it take?', 12],
    ],
  },
  {
    kind: 'messenger',
    channelName: 'Demo Messenger',
    contact: { externalId: '6543210987654321', identifier: '6543210987654321', identifierType: 'social', name: 'Liam Walker' },
    lines: [
      ['prospect', 'Is the large size back in stock?', 180],
      ['agent', 'It is! Want me to reserve one for you?', 170],
      ['prospect', 'Yes please 🙏', 165],
    ],
  },
  {
    kind: 'telegram',
    channelName: 'Demo Telegram',
    contact: { externalId: '424242', identifier: '@mira_k', identifierType: 'social', name: 'Mira Kovač' },
    lines: [['prospect', 'Can I get a quote for 20 units?', 5]],
  },
  {
    kind: 'email',
    channelName: 'Demo support mailbox',
    contact: { externalId: 'jean.dupont@example.org', identifier: 'jean.dupont@example.org', identifierType: 'email', name: 'Jean Dupont' },
    lines: [
      ['prospect', 'Hello, our invoice #2231 shows the wrong VAT number. Could you reissue it?', 1440],
      ['agent', 'Sorry about that, Jean. A corrected invoice is on its way.', 1400],
    ],
  },
];

/** A few conversations on several platforms, so a new user sees a populated inbox. */
export async function seedDemo(em: EntityManager, orgId: string, box: SecretBox): Promise<void> {
  const now = Date.now();
  for (const t of THREADS) {
    const platform: Platform = connectorFor(t.kind).platform;
    // Each demo channel runs on the sandbox (connectors/sandbox/), so replies go out, turn read and get an answer.
    const channel = em.create(Channel, {
      organization: orgId, kind: 'sandbox', platform, name: t.channelName, status: 'active',
      statusReason: `Demo channel (a sandbox standing in for ${t.kind}): connect a real channel in Settings → Channels`,
      credentials: box.sealJson(connectorFor('sandbox').credentials.parse({ sandboxId: randomUUID() })),
    } as any);
    const prospect = em.create(Prospect, { id: randomUUID(), organization: orgId, channel, platform, ...t.contact, lastSeen: new Date(now - t.lines.at(-1)![2] * 60_000) } as any);
    const conversation = em.create(Conversation, {
      organization: orgId, channel, prospect, platform,
      lastActivity: new Date(now - t.lines.at(-1)![2] * 60_000),
      lastInboundAt: new Date(now - Math.min(...t.lines.filter((l) => l[0] === 'prospect').map((l) => l[2])) * 60_000),
      unreadCount: t.lines.at(-1)![0] === 'prospect' ? 1 : 0,
      botEnabled: t.lines.some((l) => l[0] === 'bot'),
      subject: t.kind === 'email' ? 'Wrong VAT number on invoice #2231' : null,
    } as any);
    let last: Message | undefined;
    t.lines.forEach(([who, text, minutesAgo], i) => {
      last = em.create(Message, {
        organization: orgId, channel, conversation, platform,
        externalId: `demo-${t.kind}-${i}`,
        direction: who === 'prospect' ? 'in' : 'out',
        senderType: who,
        senderId: who === 'prospect' ? prospect.id : who,
        content: text, messageType: 'text',
        timestamp: new Date(now - minutesAgo * 60_000),
        status: who === 'prospect' ? 'delivered' : 'read',
      } as any);
    });
    conversation.lastMessage = { content: last!.content, senderType: last!.senderType, messageType: 'text', timestamp: last!.timestamp.toISOString() };
  }
  await em.flush();
}
