import { SignJWT, jwtVerify } from 'jose';
import type { Role } from '../domain/user.entity.js';

export type AuthClaims = { userId: string; orgId: string; role: Role };

/** Issues and checks the agents' bearer tokens (HS256 JWT). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly ttl: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(claims: AuthClaims): Promise<string> {
    return new SignJWT({ org: claims.orgId, role: claims.role })
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
    return { userId: payload.sub, orgId: payload.org, role: payload.role as Role };
  }
}
