// Browser end-to-end test of the operator page /admin (docs/api.md,
// "Operator page") in Debian's Chromium, against a two-pod ZeroMQ mesh with
// an API key:
//
//   SIGNALMESH_ADMIN_URL=http://127.0.0.1:8081 SIGNALMESH_ADMIN_URL2=http://127.0.0.1:8082 \
//   SIGNALMESH_API_KEY=KEY node --test admin.test.mjs
//
// (run.sh starts the pods and sets these). Members join from pages of the
// pods' own origin with the browser's WebSocket (the page under test only
// reads the API). Skipped when the variables are not set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const POD1 = process.env.SIGNALMESH_ADMIN_URL;
const POD2 = process.env.SIGNALMESH_ADMIN_URL2;
const KEY = process.env.SIGNALMESH_API_KEY;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WAIT = { timeout: 20_000 };
const skip = POD1 && POD2 && KEY ? false : 'set SIGNALMESH_ADMIN_URL, SIGNALMESH_ADMIN_URL2 and SIGNALMESH_API_KEY (tests/e2e/run.sh does it)';

let browser;

before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

/** A member of `room` as `peerId` on the pod at `base`; resolves with the page once welcomed. */
async function joinMember(base, room, peerId) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/healthz`);
  page.welcome = await page.evaluate(([r, p]) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/signal/${r}?peerId=${p}`);
    window.ws = ws;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'welcome') resolve(m);
    };
    ws.onclose = (e) => reject(new Error(`closed with ${e.code} before the welcome`));
    setTimeout(() => reject(new Error('no welcome within 15 s')), 15_000);
  }), [room, peerId]);
  return page;
}

/** Closes the member's WebSocket (a normal leave) and its tab. */
async function leave(member) {
  await member.evaluate(() => new Promise((resolve) => {
    window.ws.onclose = () => resolve();
    window.ws.close(1000);
  }));
  await member.context().close();
}

/** What the page shows for a room: its cells and its members as "peer@pod". */
const roomRow = (page, room) => page.evaluate((r) => {
  const tr = document.querySelector(`#rooms tr[data-room="${r}"]`);
  if (!tr) return null;
  const cell = (f) => tr.querySelector(`[data-field="${f}"]`).textContent;
  return {
    status: cell('status'),
    round: cell('round'),
    host: cell('host'),
    members: [...tr.querySelectorAll('li[data-peer]')].map((li) => `${li.dataset.peer}@${li.dataset.pod}`),
    hostBadge: [...tr.querySelectorAll('li[data-peer]')].filter((li) => li.querySelector('.badge.host')).map((li) => li.dataset.peer),
    text: cell('members'),
  };
}, room);

const waitRoom = (page, room, members) => page.waitForFunction(([r, want]) => {
  const tr = document.querySelector(`#rooms tr[data-room="${r}"]`);
  const got = tr ? [...tr.querySelectorAll('li[data-peer]')].map((li) => li.dataset.peer) : null;
  return got !== null && got.join(',') === want.join(',');
}, [room, members], WAIT);

test('the operator page refuses a wrong key, then shows the pods and a room over two pods as members come and go', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // CSP violations would mean the page's own script or style was blocked.
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  const res = await page.goto(`${POD1}/admin`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  assert.equal(await page.isVisible('#key'), true, 'the page asks for the key');
  assert.equal(await page.isVisible('#dashboard'), false);

  // A wrong key: a clear error, and the key is asked for again.
  await page.fill('#key', 'not-the-key');
  await page.click('#connect');
  await page.waitForSelector('#error:not([hidden])', WAIT);
  assert.match(await page.textContent('#error'), /401/);
  assert.equal(await page.isVisible('#key'), true);
  assert.equal(await page.getAttribute('body', 'data-state'), 'locked');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');

  // The right key: both pods, this one marked.
  await page.fill('#key', KEY);
  await page.click('#connect');
  await page.waitForSelector('body[data-state="ready"]', WAIT);
  await page.waitForFunction(() => document.querySelectorAll('#pods tr[data-pod]').length === 2, null, WAIT);
  const pods = await page.$$eval('#pods tr[data-pod]', (rows) => rows.map((r) => [r.dataset.pod, r.textContent.includes('this pod')]));
  assert.deepEqual(pods, [['e2e-pod0', true], ['e2e-pod1', false]]);
  assert.equal(await page.isHidden('#error'), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('signalmesh-admin-key')), KEY, 'the key is in sessionStorage');
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.ok(!page.url().includes(KEY), 'the key is never in the URL');
  assert.match(await page.textContent('#events'), /no webhook events/);

  // One member on each pod: the page shows the room, its host and their pods.
  const room = `admin-${randomBytes(6).toString('hex')}`;
  const alice = await joinMember(POD1, room, 'alice');
  const bob = await joinMember(POD2, room, 'bob');
  assert.deepEqual(bob.welcome.peers, ['alice'], 'the mesh joined the two pods');
  assert.equal(bob.welcome.hostId, 'alice');
  await waitRoom(page, room, ['alice', 'bob']);
  let row = await roomRow(page, room);
  assert.deepEqual(row.members, ['alice@e2e-pod0', 'bob@e2e-pod1']);
  assert.equal(row.host, 'alice');
  assert.deepEqual(row.hostBadge, ['alice']);
  assert.equal(row.status, 'waiting');
  assert.equal(row.round, '1');

  // Bob leaves: the page follows by itself (it refreshes every 2 s).
  await leave(bob);
  await waitRoom(page, room, ['alice']);
  row = await roomRow(page, room);
  assert.deepEqual(row.members, ['alice@e2e-pod0']);
  assert.equal(row.host, 'alice');

  // Alice leaves too: the room's record stays, with nobody in it.
  await leave(alice);
  await waitRoom(page, room, []);
  // The record follows the cluster a moment later: no players, no host.
  await page.waitForFunction((r) => document.querySelector(`#rooms tr[data-room="${r}"] [data-field="host"]`)?.textContent === '—', room, WAIT);
  row = await roomRow(page, room);
  assert.equal(row.text, 'no live members');
  assert.equal(row.host, '—');

  // A watched room id (for a cluster without records) shows even with no
  // record and no member.
  const ghost = `ghost-${randomBytes(6).toString('hex')}`;
  await page.fill('#watchRoom', ghost);
  await page.click('#watch');
  await page.waitForSelector(`#rooms tr[data-room="${ghost}"]`, WAIT);
  row = await roomRow(page, ghost);
  assert.deepEqual([row.status, row.round, row.text], ['—', '—', 'no live members']);

  // The key survives a reload of the tab; "forget" drops it.
  await page.reload();
  await page.waitForSelector('body[data-state="ready"]', WAIT);
  await page.click('#forget');
  assert.equal(await page.isVisible('#key'), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('signalmesh-admin-key')), null);

  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'nothing blocked by the CSP');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  await context.close();
});
