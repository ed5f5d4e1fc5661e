import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed media URLs: an <img> cannot send a bearer token, and a signature that
 * expires keeps a leaked link from working for long. Only agents of the attachment's
 * organization are ever handed one.
 */
export class MediaSigner {
  constructor(private readonly secret: string, private readonly ttlSeconds = 6 * 3600) {}

  url(attachmentId: string, now = Date.now()): string {
    // Rounded so one message's URL stays the same for a while (browser caching).
    const exp = Math.ceil((now / 1000 + this.ttlSeconds) / 3600) * 3600;
    return `/media/${attachmentId}?exp=${exp}&sig=${this.sign(attachmentId, exp)}`;
  }

  verify(attachmentId: string, exp: string | undefined, sig: string | undefined, now = Date.now()): boolean {
    if (!exp || !sig || !/^\d+$/.test(exp) || Number(exp) * 1000 < now) return false;
    const expected = Buffer.from(this.sign(attachmentId, Number(exp)));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(id: string, exp: number) {
    return createHmac('sha256', this.secret).update(`media:${id}:${exp}`).digest('base64url');
  }
}
