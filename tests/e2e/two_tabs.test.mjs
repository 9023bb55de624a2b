// Browser end-to-end tests: the demo page in two tabs of Debian's Chromium,
// one WebRTC call through a running signalmesh server.
//
//   SIGNALMESH_URL=http://127.0.0.1:8080 node --test
//
// (run.sh starts the server and sets SIGNALMESH_URL). Optional env:
// CHROMIUM_PATH (default /usr/bin/chromium), SIGNALMESH_SCREENSHOTS (a folder
// to save screenshots of the two tabs in).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.SIGNALMESH_URL;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.SIGNALMESH_SCREENSHOTS;
const WAIT = { timeout: 20_000 };

let browser;
const contexts = [];

before(async () => {
  assert.ok(BASE, 'set SIGNALMESH_URL to the server, e.g. http://127.0.0.1:8080 (tests/e2e/run.sh does it)');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      // Plain host candidates instead of mDNS names (no multicast resolution needed).
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--allow-loopback-in-peer-connection',
    ],
  });
});

after(async () => {
  await browser?.close();
});

const newRoom = () => `e2e-${randomBytes(6).toString('hex')}`;

/** Opens the demo page in a fresh browser context (its own tab), joined to the room. */
async function openTab(room, peerId, { expectJoin = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
  contexts.push(context);
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(e));
  const query = new URLSearchParams({ room, ...(peerId ? { peerId } : {}) });
  const res = await page.goto(`${BASE}/?${query}`);
  assert.equal(res.status(), 200, 'GET / answers 200');
  assert.match(res.headers()['content-type'] ?? '', /text\/html/);
  if (expectJoin) await page.waitForSelector('body[data-state="joined"]', WAIT);
  return page;
}

const events = (page, type) => page.evaluate((t) => window.demo.events.filter((e) => e.type === t).map((e) => e.detail), type);
/** Waits for a client event of that type whose detail has the fields of `match`. */
const waitEvent = (page, type, match = {}) => page.waitForFunction(
  ([t, m]) => window.demo.events.some((e) => e.type === t && Object.entries(m).every(([k, v]) => e.detail[k] === v)),
  [type, match], WAIT);
const noPageErrors = (...pages) => {
  for (const p of pages) assert.deepEqual(p.pageErrors.map(String), [], 'no uncaught errors in the page');
};
const closeTab = (page) => page.context().close();

test('serves the client module', async () => {
  const res = await fetch(`${BASE}/signalmesh-client.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  assert.match(await res.text(), /export class SignalmeshClient/);
});

test('two tabs open a data channel through the server and chat both ways', async () => {
  const room = newRoom();
  const a = await openTab(room); // the server picks the peerIds
  const b = await openTab(room);
  const aId = await a.evaluate(() => window.demo.client.peerId);
  const bWelcome = await b.evaluate(() => window.demo.joined);
  assert.match(aId, /^[A-Za-z0-9_-]{16,64}$/, 'a server-assigned peerId has at least 96 random bits');
  assert.deepEqual(bWelcome.peers, [aId]);
  assert.equal(bWelcome.hostId, aId, 'the first member is the host');

  const [aChan, bChan] = await Promise.all([a.evaluate(() => window.demo.channelOpen), b.evaluate(() => window.demo.channelOpen)]);
  assert.equal(aChan, bWelcome.peerId);
  assert.equal(bChan, aId);
  await Promise.all([a.waitForSelector('body[data-channel="open"]', WAIT), b.waitForSelector('body[data-channel="open"]', WAIT)]);

  assert.equal(await a.evaluate(() => window.demo.send('hello from A')), 1);
  assert.equal(await b.evaluate(() => window.demo.send('hello from B')), 1);
  await b.waitForFunction(() => window.demo.received.some((m) => m.text === 'hello from A'), null, WAIT);
  await a.waitForFunction(() => window.demo.received.some((m) => m.text === 'hello from B'), null, WAIT);
  assert.deepEqual(await b.evaluate(() => window.demo.received), [{ from: aId, text: 'hello from A' }]);
  assert.deepEqual(await a.evaluate(() => window.demo.received), [{ from: bWelcome.peerId, text: 'hello from B' }]);

  // Typed into the chat box, shown on the other side.
  await a.fill('#chatInput', 'typed by A');
  await a.click('#chatBtn');
  await b.waitForFunction(() => document.getElementById('chatlog').textContent.includes('typed by A'), null, WAIT);

  if (SHOTS) {
    await a.screenshot({ path: path.join(SHOTS, 'tab-a.png') });
    await b.screenshot({ path: path.join(SHOTS, 'tab-b.png') });
  }
  noPageErrors(a, b);
  await Promise.all([closeTab(a), closeTab(b)]);
});

test('the client follows peer-joined, peer-left, host changes and kicks', async () => {
  const room = newRoom();
  const a = await openTab(room, 'alice');
  assert.equal(await a.getAttribute('body', 'data-host'), 'alice');
  assert.equal(await a.evaluate(() => window.demo.client.isHost), true);

  const b = await openTab(room, 'bob');
  await waitEvent(a, 'peer-joined', { peerId: 'bob' });
  assert.deepEqual(await a.evaluate(() => window.demo.client.peers), ['bob']);
  assert.equal(await b.getAttribute('body', 'data-host'), 'alice');
  assert.equal(await b.evaluate(() => window.demo.client.isHost), false);

  const c = await openTab(room, 'carol');
  assert.deepEqual(await c.evaluate(() => window.demo.client.peers), ['alice', 'bob'], 'peers in join order');
  await a.waitForSelector('body[data-peers="2"]', WAIT);
  assert.deepEqual(await a.evaluate(() => window.demo.client.peers), ['bob', 'carol']);

  // Misuse is refused by the client itself, with a clear message.
  const localError = await b.evaluate(() => { try { window.demo.client.kick('carol'); } catch (e) { return e.message; } return null; });
  assert.match(localError, /host only/);
  // The server refuses too, and its error names the message that caused it.
  const id = await b.evaluate(() => window.demo.client.send({ type: 'kick', targetId: 'carol' }));
  await waitEvent(b, 'error', { ref: id });
  const [err] = (await events(b, 'error')).filter((e) => e.ref === id);
  assert.equal(err.code, 'not-host');
  assert.deepEqual(err.request, { type: 'kick', targetId: 'carol', id });

  // Hand-off: everyone, the sender included, hears it with senderId.
  await a.evaluate(() => window.demo.client.handOffHost('bob'));
  for (const p of [a, b, c]) {
    await p.waitForSelector('body[data-host="bob"]', WAIT);
    const [hc] = await events(p, 'host-change');
    assert.deepEqual(hc, { hostId: 'bob', previousHostId: 'alice', senderId: 'alice', handedOff: true });
  }
  assert.equal(await b.evaluate(() => window.demo.client.isHost), true);

  // Kick: the target hears the kick and closes with 4010; the others see peer-left "kicked".
  await b.evaluate(() => window.demo.client.kick('carol', 'testing kicks'));
  await c.waitForSelector('body[data-state="closed"]', WAIT);
  const [kick] = await events(c, 'kick');
  assert.deepEqual(kick, { senderId: 'bob', targetId: 'carol', reason: 'testing kicks' });
  const [cClose] = await events(c, 'close');
  assert.equal(cClose.code, 4010);
  assert.equal(cClose.name, 'kicked');
  assert.match(await c.textContent('#banner'), /4010 kicked.*testing kicks/);
  for (const p of [a, b]) {
    await waitEvent(p, 'peer-left', { peerId: 'carol' });
    assert.deepEqual((await events(p, 'peer-left')).at(-1), { peerId: 'carol', reason: 'kicked' });
  }

  // The host leaves: peer-left "left", then host-change without senderId to the earliest member left.
  await closeTab(b);
  await a.waitForSelector('body[data-host="alice"]', WAIT);
  const aEvents = await a.evaluate(() => window.demo.events.map((e) => e.type));
  assert.ok(aEvents.lastIndexOf('peer-left') < aEvents.lastIndexOf('host-change'), 'peer-left comes before host-change');
  assert.deepEqual((await events(a, 'peer-left')).at(-1), { peerId: 'bob', reason: 'left' });
  assert.deepEqual((await events(a, 'host-change')).at(-1), { hostId: 'alice', previousHostId: 'bob', handedOff: false });
  assert.deepEqual(await a.evaluate(() => window.demo.client.peers), []);
  assert.equal(await a.evaluate(() => window.demo.client.isHost), true);
  assert.equal(await a.locator('#members li').count(), 1, 'the member list shows alice alone');

  noPageErrors(a, b, c);
  await Promise.all([closeTab(a), closeTab(c)]);
});

test('the page shows the room status and the host starts and finishes rounds', async () => {
  const room = newRoom();
  const a = await openTab(room, 'alice');
  const b = await openTab(room, 'bob');
  await a.waitForSelector('body[data-peers="1"]', WAIT);
  for (const p of [a, b]) await p.waitForSelector('body[data-room-status="waiting"]', WAIT);
  assert.equal(await b.isDisabled('#startRoundBtn'), true, 'only the host may start the round');
  await a.click('#startRoundBtn');
  for (const p of [a, b]) {
    await p.waitForSelector('body[data-room-status="playing"]', WAIT);
    await waitEvent(p, 'room-status', { status: 'playing', round: 1, senderId: 'alice' });
  }
  await a.click('#finishRoundBtn');
  for (const p of [a, b]) await p.waitForSelector('body[data-room-status="finished"]', WAIT);
  await a.click('#nextRoundBtn');
  for (const p of [a, b]) await waitEvent(p, 'room-status', { status: 'waiting', round: 2 });
  assert.match(await b.textContent('#roomStatus'), /waiting, round 2/);
  // Two different hashes for one tick: both members are told.
  await a.evaluate(() => window.demo.client.reportStateHash(5, 'aaaa'));
  await b.evaluate(() => window.demo.client.reportStateHash(5, 'bbbb'));
  for (const p of [a, b]) await waitEvent(p, 'desync', { tick: 5, round: 2 });
  noPageErrors(a, b);
  await Promise.all([closeTab(a), closeTab(b)]);
});

test('a second tab with the same peerId replaces the first, which shows why it closed', async () => {
  const room = newRoom();
  const host = await openTab(room, 'host');
  const first = await openTab(room, 'dup');
  const second = await openTab(room, 'dup');
  await first.waitForSelector('body[data-state="closed"]', WAIT);
  const [close] = await events(first, 'close');
  assert.equal(close.code, 4009);
  assert.equal(close.error?.code, 'replaced');
  assert.match(await first.textContent('#banner'), /4009 replaced/);
  assert.deepEqual(await second.evaluate(() => window.demo.joined.then((w) => [w.hostId, w.peers])), ['host', ['host']]);
  // The others see no peer-left/peer-joined pair for it.
  assert.deepEqual((await events(host, 'peer-joined')).map((d) => d.peerId), ['dup']);
  assert.deepEqual(await events(host, 'peer-left'), []);
  // And the call with the new tab works (the old call is replaced).
  await second.evaluate(() => window.demo.channelOpen);
  await host.waitForFunction(() => window.demo.links.get('dup')?.dc?.readyState === 'open', null, WAIT);
  await second.evaluate(() => window.demo.send('I am back'));
  await host.waitForFunction(() => window.demo.received.some((m) => m.text === 'I am back'), null, WAIT);
  noPageErrors(host, first, second);
  await Promise.all([host, first, second].map(closeTab));
});

test('camera video flows both ways when both tabs start the (fake) camera', async () => {
  const room = newRoom();
  const a = await openTab(room, 'cam-a');
  const b = await openTab(room, 'cam-b');
  await Promise.all([a.evaluate(() => window.demo.channelOpen), b.evaluate(() => window.demo.channelOpen)]);
  // Both at once: the offers collide, and perfect negotiation sorts it out.
  assert.deepEqual(await Promise.all([a.evaluate(() => window.demo.toggleCamera()), b.evaluate(() => window.demo.toggleCamera())]), [true, true]);
  const remotePlaying = (peer) => `() => { const v = window.demo.links.get('${peer}')?.video; return !!v && v.videoWidth > 0 && v.currentTime > 0; }`;
  await a.waitForFunction(remotePlaying('cam-b'), null, WAIT);
  await b.waitForFunction(remotePlaying('cam-a'), null, WAIT);
  // The data channel still works after renegotiation.
  await a.evaluate(() => window.demo.send('still here'));
  await b.waitForFunction(() => window.demo.received.some((m) => m.text === 'still here'), null, WAIT);
  if (SHOTS) {
    await a.screenshot({ path: path.join(SHOTS, 'camera-a.png') });
    await b.screenshot({ path: path.join(SHOTS, 'camera-b.png') });
  }
  noPageErrors(a, b);
  await Promise.all([closeTab(a), closeTab(b)]);
});
