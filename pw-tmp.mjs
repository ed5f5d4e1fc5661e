import { chromium } from 'playwright-core';
import http from 'node:http';
const srv = http.createServer((q, r) => r.end('<p>hi</p>')).listen(0, '127.0.0.1');
await new Promise(r => srv.once('listening', r));
const url = `http://127.0.0.1:${srv.address().port}/`;
const extra = process.argv.slice(2);
const b = await chromium.launch({ executablePath: 'node_modules/.cache/hub-test/chromium-143.0.4/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking', ...extra] });
const c = await b.newContext(); const p = await c.newPage();
await p.goto(url); console.log('1 ok');
await c.setOffline(true); await c.setOffline(false);
try { await p.goto(url); console.log('2 ok'); } catch (e) { console.log('2 fail', e.message.split('\n')[0]); }
console.log('onLine', await p.evaluate(() => navigator.onLine));
await b.close(); srv.close();
