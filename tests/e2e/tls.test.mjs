// Browser end-to-end test of the demo over TLS (issue 15; docs/operations.md,
// "TLS", "Behind nginx" and "Browsers over TLS"): two tabs of Debian's
// Chromium open the demo page on https:// and join one room over wss://,
// served by signalmesh itself (--tls-cert-file/--tls-key-file) and through
// nginx terminating TLS with cluster/nginx/signalmesh.conf, then chat over a
// WebRTC data channel both ways.
//
//   SIGNALMESH_TLS_URL=https://127.0.0.1:8443 SIGNALMESH_NGINX_URL=https://127.0.0.1:9443 \
//   SIGNALMESH_TLS_CA=ca.pem node --test tls.test.mjs
//
// (run.sh makes the CA and the certificate, starts the pod and nginx and sets
// these). Skipped when the variables are not set.
//
// Chromium trusts the test CA the way a user's machine would: the CA is added
// with NSS's certutil to the NSS database of a temporary HOME
// ($HOME/.pki/nssdb, which Chromium on Linux reads for locally added roots),
// and the browser is launched with that HOME. Nothing tells it to ignore
// certificate errors, so a certificate the CA did not sign, or one that does
// not name 127.0.0.1, fails the page load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TLS = process.env.SIGNALMESH_TLS_URL;
const NGINX = process.env.SIGNALMESH_NGINX_URL;
const CA = process.env.SIGNALMESH_TLS_CA;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WAIT = { timeout: 20_000 };
const skip = TLS && NGINX && CA ? false : 'set SIGNALMESH_TLS_URL, SIGNALMESH_NGINX_URL and SIGNALMESH_TLS_CA (tests/e2e/run.sh does it)';
const CA_NAME = 'signalmesh e2e test CA'; // the CA's CN, as run.sh makes it

let browser;
let home;

before(async () => {
  if (skip) return;
  home = mkdtempSync(path.join(tmpdir(), 'signalmesh-e2e-home-'));
  const nssdb = path.join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'signalmesh-test', '-i', CA]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, HOME: home },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Plain host candidates instead of mDNS names (no multicast resolution needed).
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--allow-loopback-in-peer-connection',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const newRoom = () => `e2e-tls-${randomBytes(6).toString('hex')}`;

/**
 * Opens the demo page at `base` (https://) in a fresh browser context, joined
 * to the room; checks the page's TLS and records its WebSockets' URLs.
 */
async function openTab(base, room, peerId, server) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(e));
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  const query = new URLSearchParams({ room, peerId });
  let res;
  try {
    res = await page.goto(`${base}/?${query}`);
  } catch (e) {
    assert.fail(`Chromium did not load ${base} (does it trust the test CA ${CA} through $HOME/.pki/nssdb?): ${e.message}`);
  }
  assert.equal(res.status(), 200, 'GET / answers 200');
  assert.match(res.headers()['content-type'] ?? '', /text\/html/);
  assert.match(res.headers().server ?? '', server, 'the page comes from the expected server');
  const tls = await res.securityDetails();
  assert.ok(tls, 'the page was loaded over TLS');
  assert.equal(tls.issuer, CA_NAME, 'the certificate is the one the test CA signed');
  assert.match(tls.protocol, /^TLS 1\.[23]$/);
  assert.equal(await page.evaluate(() => location.protocol), 'https:');
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  await page.waitForSelector('body[data-state="joined"]', WAIT);
  return page;
}

const noPageErrors = (...pages) => {
  for (const p of pages) assert.deepEqual(p.pageErrors.map(String), [], 'no uncaught errors in the page');
};
const closeTab = (page) => page.context().close();

/** The page's signaling WebSocket is wss:// to the page's own host and port. */
async function assertWss(page, base, room, peerId) {
  const clientUrl = await page.evaluate(() => window.demo.client.url);
  const want = `${base.replace(/^https:/, 'wss:')}/signal/${room}?peerId=${peerId}`;
  assert.ok(clientUrl.startsWith('wss://'),
    `the demo client picked ${clientUrl} on an https:// page; it must pick wss:// (src/demo/signalmesh-client.js, signalUrl)`);
  assert.equal(clientUrl, want);
  assert.deepEqual(page.sockets, [want], 'the browser opened exactly that one WebSocket');
}

/** Two tabs at `base` in one room: wss://, a data channel, chat both ways. */
async function twoTabsChat(base, server) {
  const room = newRoom();
  const a = await openTab(base, room, 'alice', server);
  const b = await openTab(base, room, 'bob', server);
  await assertWss(a, base, room, 'alice');
  await assertWss(b, base, room, 'bob');
  const bWelcome = await b.evaluate(() => window.demo.joined);
  assert.deepEqual(bWelcome.peers, ['alice']);
  assert.equal(bWelcome.hostId, 'alice');

  const [aChan, bChan] = await Promise.all([a.evaluate(() => window.demo.channelOpen), b.evaluate(() => window.demo.channelOpen)]);
  assert.equal(aChan, 'bob');
  assert.equal(bChan, 'alice');
  await Promise.all([a.waitForSelector('body[data-channel="open"]', WAIT), b.waitForSelector('body[data-channel="open"]', WAIT)]);

  assert.equal(await a.evaluate(() => window.demo.send('hello from A over TLS')), 1);
  assert.equal(await b.evaluate(() => window.demo.send('hello from B over TLS')), 1);
  await b.waitForFunction(() => window.demo.received.some((m) => m.text === 'hello from A over TLS'), null, WAIT);
  await a.waitForFunction(() => window.demo.received.some((m) => m.text === 'hello from B over TLS'), null, WAIT);
  assert.deepEqual(await b.evaluate(() => window.demo.received), [{ from: 'alice', text: 'hello from A over TLS' }]);
  assert.deepEqual(await a.evaluate(() => window.demo.received), [{ from: 'bob', text: 'hello from B over TLS' }]);

  // Typed into the chat box, shown on the other side.
  await b.fill('#chatInput', 'typed by B');
  await b.click('#chatBtn');
  await a.waitForFunction(() => document.getElementById('chatlog').textContent.includes('typed by B'), null, WAIT);

  noPageErrors(a, b);
  await Promise.all([closeTab(a), closeTab(b)]);
}

test('two https:// tabs join over wss:// served by signalmesh itself and chat both ways', { skip, timeout: 30_000 }, async () => {
  await twoTabsChat(TLS, /^signalmesh\//);
});

test('two https:// tabs join over wss:// through nginx terminating TLS and chat both ways', { skip, timeout: 30_000 }, async () => {
  await twoTabsChat(NGINX, /^nginx/);
});
