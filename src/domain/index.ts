export { Organization } from './organization.entity.js';
export { User } from './user.entity.js';
export { Channel } from './channel.entity.js';
export { Client } from './client.entity.js';
export { Prospect } from './prospect.entity.js';
export { Conversation } from './conversation.entity.js';
export { Message } from './message.entity.js';
export { Attachment } from './attachment.entity.js';
export { Note } from './note.entity.js';
export { Quote } from './quote.entity.js';
export { BotPrompt } from './bot-prompt.entity.js';
export { WebhookEvent } from './webhook-event.entity.js';
export { PendingStatus } from './pending-status.entity.js';
export { Invite } from './invite.entity.js';
export { AuditEntry } from './audit-entry.entity.js';
export { ConnectorSession } from './connector-session.entity.js';
export { WidgetVisitor } from './widget-visitor.entity.js';
export { Notification } from './notification.entity.js';
export { CannedResponse } from './canned-response.entity.js';

import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';
import { Channel } from './channel.entity.js';
import { Client } from './client.entity.js';
import { Prospect } from './prospect.entity.js';
import { Conversation } from './conversation.entity.js';
import { Message } from './message.entity.js';
import { Attachment } from './attachment.entity.js';
import { Note } from './note.entity.js';
import { Quote } from './quote.entity.js';
import { BotPrompt } from './bot-prompt.entity.js';
import { WebhookEvent } from './webhook-event.entity.js';
import { PendingStatus } from './pending-status.entity.js';
import { Invite } from './invite.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { ConnectorSession } from './connector-session.entity.js';
import { WidgetVisitor } from './widget-visitor.entity.js';
import { Notification } from './notification.entity.js';
import { CannedResponse } from './canned-response.entity.js';

/** Every entity, listed explicitly for MikroORM (no folder scanning). */
export const entities = [
  Organization, User, Channel, Client, Prospect, Conversation, Message,
  Attachment, Note, Quote, BotPrompt, WebhookEvent, PendingStatus, Invite, AuditEntry, ConnectorSession, WidgetVisitor, Notification, CannedResponse,
];
