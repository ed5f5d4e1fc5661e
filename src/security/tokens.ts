import { SignJWT, jwtVerify } from 'jose';
import type { Role } from '../domain/user.entity.js';

/** `version`: the user's token version when issued; a token of an older version is refused. */
export type AuthClaims = { userId: string; orgId: string; role: Role; version: number };

/** Issues and checks the agents' bearer tokens (HS256 JWT). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly ttl: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: AuthClaims): Promise<string> {
    return new SignJWT({ org: claims.orgId, role: claims.role, ver: claims.version })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuedAt()
      .setExpirationTime(this.ttl)
      .sign(this.key);
  }

  /** Throws on a forged, malformed or expired token. */
  async verify(token: string): Promise<AuthClaims> {
    const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || typeof payload.role !== 'string') {
      throw new Error('token lacks claims');
    }
    // Tokens from before versions existed count as version 0, the version every user starts at.
    const version = payload.ver === undefined ? 0 : payload.ver;
    if (typeof version !== 'number') throw new Error('token version is not a number');
    return { userId: payload.sub, orgId: payload.org, role: payload.role as Role, version };
  }
}
