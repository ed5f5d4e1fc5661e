import type { ChannelKind } from '../api/types';

export interface PlatformMeta {
  label: string;
  color: string;
  /** SVG path data drawn in white on a 24x24 grid. */
  glyph: string;
}

export const PLATFORMS: Record<string, PlatformMeta> = {
  whatsapp: {
    label: 'WhatsApp',
    color: '#25D366',
    glyph: 'M12 4a8 8 0 0 0-6.9 12.1L4 20l4-1.1A8 8 0 1 0 12 4Zm0 1.6a6.4 6.4 0 1 1-3.3 11.9l-.2-.1-2.3.6.6-2.2-.2-.3A6.4 6.4 0 0 1 12 5.6Zm-2.6 3c-.2 0-.4 0-.6.3-.2.2-.8.8-.8 1.9s.8 2.2.9 2.3c.1.2 1.6 2.5 3.9 3.4 1.9.8 2.3.6 2.7.6.4-.1 1.3-.5 1.5-1.1.2-.5.2-1 .1-1.1l-.4-.2-1.4-.7c-.2-.1-.3-.1-.5.1l-.6.8c-.1.1-.2.2-.5.1-.2-.1-.9-.3-1.7-1a6.3 6.3 0 0 1-1.2-1.5c-.1-.2 0-.3.1-.4l.3-.4.2-.4v-.4l-.7-1.6c-.1-.4-.3-.4-.4-.4h-.4Z',
  },
  instagram: {
    label: 'Instagram',
    color: '#E1306C',
    glyph: 'M8.5 5h7A3.5 3.5 0 0 1 19 8.5v7a3.5 3.5 0 0 1-3.5 3.5h-7A3.5 3.5 0 0 1 5 15.5v-7A3.5 3.5 0 0 1 8.5 5Zm0 1.5a2 2 0 0 0-2 2v7a2 2 0 0 0 2 2h7a2 2 0 0 0 2-2v-7a2 2 0 0 0-2-2h-7ZM12 8.8a3.2 3.2 0 1 1 0 6.4 3.2 3.2 0 0 1 0-6.4Zm0 1.5a1.7 1.7 0 1 0 0 3.4 1.7 1.7 0 0 0 0-3.4Zm3.6-2.7a.9.9 0 1 1 0 1.8.9.9 0 0 1 0-1.8Z',
  },
  facebook: {
    label: 'Messenger',
    color: '#0084FF',
    glyph: 'M12 4c-4.4 0-8 3.3-8 7.5 0 2.3 1.1 4.4 3 5.8V20l2.8-1.5c.7.2 1.4.3 2.2.3 4.4 0 8-3.3 8-7.5S16.4 4 12 4Zm.9 9.9-2-2.2-4 2.2 4.4-4.7 2.1 2.2 3.9-2.2-4.4 4.7Z',
  },
  telegram: {
    label: 'Telegram',
    color: '#229ED9',
    glyph: 'M18.9 5.3 4.7 10.8c-1 .4-1 1 0 1.2l3.6 1.1 1.4 4.3c.2.5.3.7.7.7.3 0 .5-.1.7-.3l1.7-1.7 3.6 2.7c.7.4 1.1.2 1.3-.6l2.4-11.3c.3-1.1-.4-1.6-1.2-1.3Zm-2.5 2.6-6.6 6-.3 2.8-1.2-3.8 8.1-5Z',
  },
  email: {
    label: 'Email',
    color: '#6366F1',
    glyph: 'M5.5 6h13A1.5 1.5 0 0 1 20 7.5v9a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 16.5v-9A1.5 1.5 0 0 1 5.5 6Zm.3 1.6 6.2 4.6 6.2-4.6H5.8Zm12.6 1.5-6.4 4.7-6.4-4.7v7.3h12.8V9.1Z',
  },
  web: {
    label: 'Website chat',
    color: '#0EA5E9',
    glyph: 'M12 4a8 8 0 1 0 0 16 8 8 0 0 0 0-16Zm5.9 7.2h-2.4a12 12 0 0 0-1.1-4.6 6.4 6.4 0 0 1 3.5 4.6ZM12 5.7c.8 1 1.7 2.9 1.9 5.5h-3.8c.2-2.6 1.1-4.5 1.9-5.5Zm-2.4.9a12 12 0 0 0-1.1 4.6H6.1a6.4 6.4 0 0 1 3.5-4.6Zm-3.5 6.2h2.4c.1 1.7.5 3.3 1.1 4.6a6.4 6.4 0 0 1-3.5-4.6Zm5.9 5.5c-.8-1-1.7-2.9-1.9-5.5h3.8c-.2 2.6-1.1 4.5-1.9 5.5Zm2.4-.9c.6-1.3 1-2.9 1.1-4.6h2.4a6.4 6.4 0 0 1-3.5 4.6Z',
  },
  sms: {
    label: 'SMS',
    color: '#F59E0B',
    glyph: 'M6 5h12a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-6l-4 3v-3H6a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2Zm2.5 5a1 1 0 1 0 0 2 1 1 0 0 0 0-2Zm3.5 0a1 1 0 1 0 0 2 1 1 0 0 0 0-2Zm3.5 0a1 1 0 1 0 0 2 1 1 0 0 0 0-2Z',
  },
};

export const platformMeta = (p: string): PlatformMeta =>
  PLATFORMS[p] ?? { label: p || 'Channel', color: '#6B7280', glyph: PLATFORMS.sms.glyph };

export interface CredentialField {
  key: string;
  label: string;
  type: 'text' | 'password' | 'number' | 'checkbox' | 'select' | 'url' | 'email';
  required?: boolean;
  secret?: boolean;
  options?: { value: string; label: string }[];
  placeholder?: string;
  help?: string;
  default?: string | number | boolean;
  /** A list (allowed origins): edited as one line, separated by commas or spaces. */
  list?: boolean;
  /** Shown with a copy button once the channel exists (verify tokens). */
  copyable?: boolean;
  pattern?: RegExp;
  patternMessage?: string;
}

const apiBase: CredentialField = { key: 'apiBaseUrl', label: 'API base URL', type: 'url', placeholder: 'https://graph.facebook.com', help: 'Optional: replaces the platform API origin (proxies, regional endpoints, test doubles).' };
const verify: CredentialField = { key: 'verifyToken', label: 'Verify token', type: 'text', copyable: true, help: 'Paste it in the platform webhook settings. Generated when left empty.' };
const meta = (idKey: string, idLabel: string): CredentialField[] => [
  { key: idKey, label: idLabel, type: 'text', required: true },
  { key: 'accessToken', label: 'Access token', type: 'password', required: true, secret: true },
  { key: 'appSecret', label: 'App secret', type: 'password', required: true, secret: true, help: 'Used to check the X-Hub-Signature-256 of every webhook.' },
  verify,
  apiBase,
];

export interface KindMeta {
  label: string;
  platform: string;
  description: string;
  fields: CredentialField[];
  bestEffort?: boolean;
  /** Not offered when adding a channel (the demo sandbox). */
  hidden?: boolean;
}

export const CHANNEL_KINDS: Record<ChannelKind, KindMeta> = {
  whatsapp_cloud: { label: 'WhatsApp Cloud API', platform: 'whatsapp', description: 'Official Meta Business API with webhooks.', fields: meta('phoneNumberId', 'Phone number ID') },
  messenger: { label: 'Facebook Messenger', platform: 'facebook', description: 'A Facebook Page inbox.', fields: meta('pageId', 'Page ID') },
  instagram: { label: 'Instagram', platform: 'instagram', description: 'Instagram professional account direct messages.', fields: meta('accountId', 'Account ID') },
  telegram: {
    label: 'Telegram bot',
    platform: 'telegram',
    description: 'A bot from @BotFather, by webhook or long polling.',
    fields: [
      { key: 'botToken', label: 'Bot token', type: 'password', required: true, secret: true, pattern: /^\d+:[\w-]+$/, patternMessage: 'Looks like 123456:ABC-DEF…' },
      { key: 'secretToken', label: 'Secret token', type: 'password', secret: true, help: 'Optional: generated when left empty.' },
      { key: 'mode', label: 'Mode', type: 'select', default: 'webhook', options: [{ value: 'webhook', label: 'Webhook' }, { value: 'polling', label: 'Long polling' }] },
      { ...apiBase, placeholder: 'https://api.telegram.org' },
    ],
  },
  email: {
    label: 'Email (IMAP/SMTP)',
    platform: 'email',
    description: 'Any mailbox: IMAP to receive, SMTP to send.',
    fields: [
      { key: 'imapHost', label: 'IMAP host', type: 'text', required: true, placeholder: 'imap.example.com' },
      { key: 'imapPort', label: 'IMAP port', type: 'number', required: true, default: 993 },
      { key: 'imapSecure', label: 'IMAP over TLS', type: 'checkbox', default: true },
      { key: 'imapUser', label: 'IMAP user', type: 'text', required: true },
      { key: 'imapPassword', label: 'IMAP password', type: 'password', required: true, secret: true },
      { key: 'mailbox', label: 'Mailbox', type: 'text', default: 'INBOX' },
      { key: 'smtpHost', label: 'SMTP host', type: 'text', required: true, placeholder: 'smtp.example.com' },
      { key: 'smtpPort', label: 'SMTP port', type: 'number', required: true, default: 465 },
      { key: 'smtpSecure', label: 'SMTP over TLS', type: 'checkbox', default: true },
      { key: 'smtpUser', label: 'SMTP user', type: 'text', required: true },
      { key: 'smtpPassword', label: 'SMTP password', type: 'password', required: true, secret: true },
      { key: 'fromAddress', label: 'From address', type: 'email', required: true, placeholder: 'support@example.com' },
      { key: 'fromName', label: 'From name', type: 'text', placeholder: 'Support' },
    ],
  },
  twilio_sms: {
    label: 'SMS (Twilio)',
    platform: 'sms',
    description: 'A Twilio phone number.',
    fields: [
      { key: 'accountSid', label: 'Account SID', type: 'text', required: true, pattern: /^AC[0-9a-fA-F]{32}$/, patternMessage: 'Starts with AC followed by 32 hex characters' },
      { key: 'authToken', label: 'Auth token', type: 'password', required: true, secret: true },
      { key: 'fromNumber', label: 'From number', type: 'text', required: true, placeholder: '+15551234567', pattern: /^\+[1-9]\d{6,14}$/, patternMessage: 'E.164 format, e.g. +15551234567' },
      { ...apiBase, placeholder: 'https://api.twilio.com' },
    ],
  },
  whatsapp_web: {
    label: 'WhatsApp Web',
    platform: 'whatsapp',
    description: 'Links a phone by QR code (or a pairing code). Unofficial, best effort: may break when WhatsApp changes. Runs a browser per channel in a worker (about 300 MB).',
    fields: [
      { key: 'pairingPhoneNumber', label: 'Phone number for a pairing code', type: 'text', placeholder: '34600111222', pattern: /^\+?\d{7,15}$/, patternMessage: 'International format, digits only', help: 'Optional: instead of a QR, WhatsApp shows a code to type on this phone.' },
      { key: 'groups', label: 'Include group chats', type: 'checkbox', default: false },
    ],
    bestEffort: true,
  },
  web_chat: {
    label: 'Website live chat',
    platform: 'web',
    description: 'A chat bubble on your own site: one script tag, visitors and agents live.',
    fields: [
      { key: 'allowedOrigins', label: 'Allowed sites', type: 'text', required: true, list: true, placeholder: 'https://www.example.com', help: 'The origins whose pages may show the chat, separated by commas.' },
      { key: 'title', label: 'Title', type: 'text', placeholder: 'Chat with us' },
      { key: 'welcomeMessage', label: 'Welcome message', type: 'text', placeholder: 'Hi! How can we help?' },
      { key: 'color', label: 'Colour', type: 'text', default: '#2563eb', pattern: /^#[0-9a-fA-F]{6}$/, patternMessage: 'A colour like #2563eb' },
      { key: 'preChatForm', label: 'Ask for name and email first', type: 'checkbox', default: false },
      { key: 'requireIdentity', label: 'Only signed-in customers (identifier + HMAC)', type: 'checkbox', default: false },
      { key: 'identitySecret', label: 'Identity secret', type: 'password', secret: true, help: 'Your server signs identifier with it (HMAC-SHA256, hex). Generated when left empty.' },
    ],
  },
  sandbox: { label: 'Demo sandbox', platform: 'whatsapp', description: 'Demo data: accepts replies and answers like a platform would.', fields: [], hidden: true },
};
