import type { WhatsAppWebSession } from './session.js';

/** The sessions ready in this process, by channel id: sending and media downloads go through them. */
export const liveSessions = new Map<string, WhatsAppWebSession>();
