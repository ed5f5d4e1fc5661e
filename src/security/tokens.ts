import { SignJWT, jwtVerify } from 'jose';
import type { Role } from '../domain/user.entity.js';

export type AuthClaims = { userId: string; orgId: string; role: Role };

/**
 * Issues and checks the agents' bearer tokens (HS256 JWT). A token for one narrow use (an
 * audience, such as the queue board's cookie) is refused everywhere else, and the other way round.
 */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly ttl: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: AuthClaims, scoped?: { audience: string; ttl: string }): Promise<string> {
    const jwt = new SignJWT({ org: claims.orgId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuedAt()
      .setExpirationTime(scoped?.ttl ?? this.ttl);
    return (scoped ? jwt.setAudience(scoped.audience) : jwt).sign(this.key);
  }

  /** Throws on a forged, malformed or expired token, or one issued for another audience. */
  async verify(token: string, audience?: string): Promise<AuthClaims> {
    const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], ...(audience ? { audience } : {}) });
    if (!audience && payload.aud !== undefined) throw new Error('token is for another use');
    if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || typeof payload.role !== 'string') {
      throw new Error('token lacks claims');
    }
    return { userId: payload.sub, orgId: payload.org, role: payload.role as Role };
  }
}
