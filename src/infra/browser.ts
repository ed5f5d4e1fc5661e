/**
 * A Chromium to drive: CHROMIUM_PATH, else the machine's (Debian's chromium, Chrome), else the
 * one `@sparticuz/chromium` ships, unpacked once into a cache folder. Used by the browser tests
 * and by WhatsApp Web sessions alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BrowserInfo = { executablePath: string; env: Record<string, string>; source: string };

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'];

function systemChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/**
 * The npm-shipped Chromium unpacks into os.tmpdir() and reuses whatever it finds there, so it
 * gets a folder of its own per version, filled under a temporary name and renamed when complete:
 * an interrupted unpack is never mistaken for a whole one.
 */
async function unpackNpmChromium(cacheDir: string): Promise<BrowserInfo> {
  const pkg = new URL('../../node_modules/@sparticuz/chromium/package.json', import.meta.url);
  const version: string = JSON.parse(readFileSync(pkg, 'utf8')).version;
  const dir = join(cacheDir, `chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) {
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // In a child process: TMPDIR is process-wide, and Postgres is starting beside this.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await (await import('@sparticuz/chromium')).default.executablePath()"], {
      cwd: root, env: { ...process.env, TMPDIR: staging }, encoding: 'utf8', timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(r.stderr || r.error?.message || `exit ${r.status}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  // Its own fonts.conf names Lambda's folders: use the machine's fonts (if any) and the shipped ones.
  const fontsConf = join(dir, 'hub-fonts.conf');
  writeFileSync(
    fontsConf,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${dir}/fonts/fonts</dir>\n` +
      `  <cachedir>${dir}/fonts-cache</cachedir>\n</fontconfig>\n`,
  );
  return { executablePath: join(dir, 'chromium'), env: { FONTCONFIG_FILE: fontsConf }, source: `@sparticuz/chromium ${version} (npm)` };
}

/** `cacheDir`: where the npm-shipped Chromium is unpacked (it reuses what it finds there). */
export async function findBrowser(cacheDir: string): Promise<BrowserInfo> {
  const system = systemChromium();
  if (system) return { executablePath: system, env: {}, source: system };
  try {
    return await unpackNpmChromium(cacheDir);
  } catch (e) {
    throw new Error(
      `No Chromium: none on the machine and @sparticuz/chromium could not be unpacked (${(e as Error).message}). ` +
        'Run `npm install`, or install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH.',
    );
  }
}
