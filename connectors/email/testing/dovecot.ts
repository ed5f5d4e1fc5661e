/**
 * A private Dovecot IMAP server for integration tests (https://doc.dovecot.org/2.3/).
 * Needs the Debian package `dovecot-imapd` (`apt-get install -y dovecot-imapd`); the system
 * service is not used: this starts `dovecot -F` with its own configuration in a temp dir,
 * listening on 127.0.0.1 on a free port, plaintext auth, Maildir storage, logs to a file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot', '/opt/homebrew/sbin/dovecot'];

export function findDovecot(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(
    'dovecot is not installed: the IMAP integration tests need a real IMAP server. ' +
      'Install it with `apt-get update && apt-get install -y dovecot-imapd` (Debian/Ubuntu).',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server has sent its IMAP greeting. */
async function waitForGreeting(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`dovecot exited with code ${child.exitCode}:\n${log}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let data = '';
      s.setTimeout(1_000, () => {
        s.destroy();
        resolve(false);
      });
      s.on('data', (d) => {
        data += d.toString();
        if (/^\* OK .*ready/m.test(data)) {
          s.destroy();
          resolve(true);
        }
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not greet on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function passwdUid(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDovecot(users: Record<string, string>): Promise<Dovecot> {
  const binary = findDovecot();
  const dir = mkdtempSync(join(tmpdir(), 'dovecot-test-'));
  chmodSync(dir, 0o755);
  const mailDir = join(dir, 'mail');
  mkdirSync(mailDir);
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'state'));

  // Dovecot refuses mail access as root: as root, mail is owned by `nobody` and the
  // login/internal processes run as the package's own users; otherwise all as ourselves.
  const isRoot = process.getuid?.() === 0;
  const me = userInfo();
  const mailOwner = isRoot ? (passwdUid('nobody') ?? { uid: 65534, gid: 65534 }) : { uid: me.uid, gid: me.gid };
  const loginUser = isRoot ? (passwdUid('dovenull') ? 'dovenull' : 'nobody') : me.username;
  const internalUser = isRoot ? (passwdUid('dovecot') ? 'dovecot' : 'nobody') : me.username;
  if (isRoot) chownSync(mailDir, mailOwner.uid, mailOwner.gid);

  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}\n`).join(''));
  const port = await freePort();
  const logFile = join(dir, 'dovecot.log');
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logFile}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:${mailDir}/%u
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailOwner.uid, 500)}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwd}
}
userdb {
  driver = static
  args = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${mailDir}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );

  const child = spawn(binary, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForGreeting(port, child, logFile, 15_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }

  return {
    host: '127.0.0.1',
    port,
    dir,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
