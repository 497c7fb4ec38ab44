// Accessibility (#17 item 9): every page a role reaches from its menu passes
// axe-core's WCAG 2.1 A/AA rules with no serious or critical violation, on
// the desktop and on a phone, and so do the pages anyone reaches without
// signing in (sign-in, verification, the kiosk).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, login, BASE, KIOSK, PASSWORD } from './lib.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// A fresh page in its own context. axe is injected as a script, which the
/// server's Content-Security-Policy (script-src 'self') would block: this
/// context alone ignores the policy.
async function newPage(browser, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', bypassCSP: true });
  ctx.setDefaultTimeout(15_000);
  return ctx.newPage();
}

/// The serious and critical violations of the page now shown, one line each.
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, TAGS);
  return found;
}

/// Open `url` and return "url: violation" lines (none when it passes).
async function check(page, url) {
  const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
  assert.ok(res && res.status() < 500, `${url}: HTTP ${res?.status()}`);
  return (await violations(page)).map((v) => `${new URL(url).pathname}: ${v}`);
}

/// Every page a signed-in role's menu links to (GET, this server), and its home.
async function menuPages(page) {
  const hrefs = await page.$$eval('nav a[href^="/"], header a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')));
  return [...new Set(['/home', ...hrefs])].filter((h) => !h.startsWith('/logout') && !h.endsWith('.csv') && !h.endsWith('.pdf'));
}

async function audit(username, viewport) {
  const page = await newPage(browser, viewport || undefined);
  await login(page, username);
  const paths = await menuPages(page);
  const found = [];
  const seen = new Set();
  for (const path of paths) {
    found.push(...(await check(page, `${BASE}${path}`)));
    seen.add(path);
    // One level deeper: the first item a list page links to (an
    // application, a question, an objection, a transfer …), once per kind;
    // not the scans and files themselves (PDF, CSV).
    const deeper = await page.$$eval('main a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')));
    const item = deeper.find((h) => /\/[0-9a-z-]*\d[0-9a-z-]*$/.test(h) && !h.includes('/materials/') && !h.endsWith('.pdf') && !h.endsWith('.csv'));
    const kind = item && item.replace(/\/[^/]*$/, '');
    if (item && !seen.has(kind)) {
      seen.add(kind);
      found.push(...(await check(page, `${BASE}${item}`)));
    }
  }
  // A refusal and an unknown address, as this account sees them.
  for (const path of ['/no-such-page', '/admin/users']) {
    if (!seen.has(path)) found.push(...(await check(page, `${BASE}${path}`)));
  }
  await page.context().close();
  return found;
}

test('pages without signing in: sign-in, verification, kiosk', async () => {
  const page = await newPage(browser);
  const found = [];
  for (const url of [`${BASE}/login`, `${BASE}/verify`, `${KIOSK}/kiosk`, `${BASE}/no-such-page`]) {
    found.push(...(await check(page, url)));
  }
  await page.context().close();
  assert.deepEqual(found, []);
});

/// Press Tab until the focused element matches `test` (at most 40 times);
/// returns whether it did, with the focus ring visible.
async function tabTo(page, what) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate((w) => {
      const e = document.activeElement;
      if (!e || !(e.getAttribute('name') === w || (e.getAttribute('href') || '') === w)) return null;
      const st = getComputedStyle(e);
      return st.outlineStyle !== 'none' && st.outlineWidth !== '0px';
    }, what);
    if (hit !== null) {
      assert.ok(hit, `${what}: focused without a visible focus ring`);
      return;
    }
  }
  assert.fail(`${what}: not reached by Tab`);
}

test('by keyboard alone: sign in and open the record', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/login`, { waitUntil: 'domcontentloaded' });
  await tabTo(page, 'username');
  await page.keyboard.type('retiree');
  await tabTo(page, 'password');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForEvent('domcontentloaded'), page.keyboard.press('Enter')]);
  assert.equal(new URL(page.url()).pathname, '/home');
  await tabTo(page, '/my/record');
  await Promise.all([page.waitForEvent('domcontentloaded'), page.keyboard.press('Enter')]);
  assert.equal(new URL(page.url()).pathname, '/my/record');
  await page.context().close();
});

// Each account in its own browser context; three at a time (different
// accounts, so no two wait for the same authenticator step).
describe('every role', { concurrency: 3 }, () => {
  for (const [username, viewport] of [
    ['citizen', null],
    ['citizen', { width: 390, height: 844 }],
    ['retiree', null],
    ['agent', null],
    ['unit', null],
    ['court', null],
    ['clerk', null],
    ['approver', null],
    ['maintainer', null],
    ['query', null],
    ['statistician', null],
    ['sysadmin', null],
    ['secadmin', null],
    ['auditadmin', null],
    ['dba', null],
  ]) {
    test(`${username}${viewport ? ' (phone)' : ''}: every page of the menu`, async () => {
      assert.deepEqual(await audit(username, viewport), []);
    });
  }
});
