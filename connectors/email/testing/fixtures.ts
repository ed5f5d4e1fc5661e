import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawInbound } from '../../types.js';
import { BASE64_RFC822 } from '../parse.js';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureBytes(name: string): Buffer {
  return readFileSync(dir + name);
}

/** A fixture as the IMAP puller queues it: the raw bytes as base64. */
export function fixtureRaw(name: string, receivedAt = 1_700_000_000_000): RawInbound {
  return { body: fixtureBytes(name).toString('base64'), contentType: BASE64_RFC822, receivedAt };
}
