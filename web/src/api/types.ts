/** Wire shapes sent by the hub (CONTRACT.md and src/domain/read-models.ts). */
export type Platform = 'whatsapp' | 'instagram' | 'facebook' | 'telegram' | 'email' | 'sms';
export type ChannelKind = 'whatsapp_cloud' | 'whatsapp_web' | 'messenger' | 'instagram' | 'telegram' | 'email' | 'twilio_sms';
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ConversationStatus = 'active' | 'closed' | 'archived';
export type Role = 'owner' | 'admin' | 'agent';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  organizationId: string;
  disabled?: boolean;
  createdAt?: string;
}

export interface Agent {
  id: string;
  name: string;
  role: Role;
}

export interface Attachment {
  id: string;
  kind: string;
  fileName?: string;
  fileSize?: number;
  fileType?: string;
  status: string;
  error?: string;
  url?: string;
}

export interface ChatMessage {
  id: string;
  conversationId: string;
  senderId: string;
  senderType: 'prospect' | 'agent' | 'bot';
  content: string;
  messageType: string;
  platform: string;
  timestamp: string;
  status: MessageStatus;
  error?: string;
  clientMessageId?: string;
  metadata?: {
    fileName?: string;
    fileSize?: number;
    fileType?: string;
    url?: string;
    attachments?: Attachment[];
    [k: string]: unknown;
  };
  seq: number;
  /** Client-side only: an optimistic bubble not yet acknowledged by the server. */
  local?: boolean;
}

export interface Conversation {
  id: string;
  channelId: string;
  channelName?: string;
  prospectId: string;
  clientId?: string;
  platform: Platform | string;
  status: ConversationStatus;
  subject?: string;
  lastMessage?: Partial<ChatMessage> | string | null;
  lastActivity: string;
  unreadCount: number;
  assignedTo?: string | null;
  tags: string[];
  botEnabled: boolean;
  needsHuman?: boolean;
  isClientConverted: boolean;
  prospect?: { name?: string; identifier: string; avatar?: string };
  windowClosesAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Prospect {
  id: string;
  identifier: string;
  identifierType: 'phone' | 'email' | 'social' | string;
  name?: string;
  avatar?: string;
  platform: string;
  channelId?: string;
  isClient: boolean;
  clientId?: string;
  lastSeen?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Note {
  id: string;
  content: string;
  author?: { id: string; name: string } | null;
  createdAt: string;
}

export interface Quote {
  id: string;
  title: string;
  amount: number | string;
  currency: string;
  status: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface Client {
  id: string;
  firstName: string;
  lastName: string;
  email?: string;
  phone?: string;
  company?: string;
  status: 'active' | 'inactive' | string;
  tags: string[];
  notes: Note[];
  quotes: Quote[];
  totalValue: number | string;
  conversations?: Conversation[];
  createdAt: string;
  updatedAt: string;
}

export interface Channel {
  id: string;
  kind: ChannelKind;
  platform: Platform | string;
  name: string;
  status: 'active' | 'needs_auth' | 'error' | 'disabled' | string;
  statusReason?: string;
  webhookUrl?: string;
  credentials: Record<string, unknown>;
  botEnabledDefault?: boolean;
  bestEffort?: boolean;
  qr?: string;
  qrCode?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface BotPrompt {
  id: string;
  kind: 'greeting' | 'keyword' | 'handoff' | 'system';
  keyword?: string | null;
  response: string;
  enabled: boolean;
  createdAt?: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
export type Page<T> = { items: T[]; nextCursor?: string | null };

/** A kept webhook payload (secrets redacted), from `GET /api/webhook-events`. */
export interface WebhookEvent {
  id: string;
  channelId: string;
  channelName: string;
  channelKind: ChannelKind | string;
  outcome: 'received' | 'stored' | 'updated' | 'duplicate' | 'unsupported' | 'ignored' | 'failed' | 'replayed' | string;
  detail?: string;
  payload: string;
  contentType?: string;
  receivedAt: string;
  expiresAt: string;
}
