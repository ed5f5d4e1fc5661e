import { SignJWT, jwtVerify } from 'jose';
import type { Role } from '../domain/user.entity.js';

/** `version`: the user's token version when issued; a token of an older version is refused. */
export type AuthClaims = { userId: string; orgId: string; role: Role; version: number };

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
    const jwt = new SignJWT({ org: claims.orgId, role: claims.role, ver: claims.version })
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
    // Tokens from before versions existed count as version 0, the version every user starts at.
    const version = payload.ver === undefined ? 0 : payload.ver;
    if (typeof version !== 'number') throw new Error('token version is not a number');
    return { userId: payload.sub, orgId: payload.org, role: payload.role as Role, version };
  }
}
