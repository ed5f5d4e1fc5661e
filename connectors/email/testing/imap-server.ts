/**
 * The IMAP server the email tests run against: a private Dovecot where it is installed (CI),
 * otherwise hoodiecrow-imap in this process, so a fresh machine runs the same tests with the same
 * assertions. Hoodiecrow serves one account per server, so each user gets a server (and a port)
 * of their own; ask for `port(user)`.
 */
import hoodiecrow from 'hoodiecrow-imap';
import { findDovecot, startDovecot } from './dovecot.js';

export interface ImapTestServer {
  kind: 'dovecot' | 'hoodiecrow';
  host: string;
  port(user: string): number;
  stop(): Promise<void>;
}

/** Which server the tests will use here; with TEST_REQUIRE_DOVECOT=1 (CI) only dovecot will do. */
export function imapServerKind(): ImapTestServer['kind'] {
  try {
    findDovecot();
    return 'dovecot';
  } catch (e) {
    if (process.env.TEST_REQUIRE_DOVECOT === '1') throw e;
    return 'hoodiecrow';
  }
}

async function startHoodiecrow(user: string, password: string, uidValidity: number) {
  // ENABLE before CONDSTORE, as the plugin requires; UIDPLUS and IDLE as dovecot offers them.
  const server = hoodiecrow({
    plugins: ['ENABLE', 'CONDSTORE', 'IDLE', 'UIDPLUS', 'SPECIAL-USE', 'ID', 'NAMESPACE', 'UNSELECT'],
    users: { [user]: { password } },
    storage: { INBOX: { uidvalidity: uidValidity, messages: [] }, '': { folders: {} } },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  const sockets = new Set<import('node:net').Socket>();
  server.server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startImapServer(users: Record<string, string>): Promise<ImapTestServer> {
  if (imapServerKind() === 'dovecot') {
    const d = await startDovecot(users);
    return { kind: 'dovecot', host: d.host, port: () => d.port, stop: () => d.stop() };
  }
  // Like dovecot's, a UIDVALIDITY from the clock, so a cursor from another mailbox never matches.
  const uidValidity = Math.floor(Date.now() / 1000);
  const servers = new Map<string, Awaited<ReturnType<typeof startHoodiecrow>>>();
  for (const [user, password] of Object.entries(users)) servers.set(user, await startHoodiecrow(user, password, uidValidity));
  return {
    kind: 'hoodiecrow',
    host: '127.0.0.1',
    port(user) {
      const s = servers.get(user);
      if (!s) throw new Error(`no IMAP account ${user} on this test server`);
      return s.port;
    },
    async stop() {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}
