// Shared helpers for the SIRM browser end-to-end tests (node --test).
//
// Environment (set by scripts/browser-test):
//   SIRM_E2E_BASE_URL      where `sirm serve` listens, e.g. http://127.0.0.1:18080
//   SIRM_E2E_KIOSK_URL     where `sirm serve --kiosk` listens (same installation)
//   SIRM_E2E_DEMO_OUTPUT   file holding what `sirm demo` printed (logins, TOTP secrets)
//   SIRM_E2E_SCREENSHOTS   if set, keep a full-page screenshot of each final page in e2e/screenshots/
//   SIRM_E2E_CHROMIUM      browser binary (default /usr/bin/chromium)

import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE = (process.env.SIRM_E2E_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
/// A second server on the same installation in kiosk mode (`sirm serve --kiosk`):
/// the kiosk routes exist only there.
export const KIOSK = (process.env.SIRM_E2E_KIOSK_URL || BASE).replace(/\/+$/, '');

const HERE = dirname(fileURLToPath(import.meta.url));

/// Read the demo output once: the shared password and the administrators' TOTP secrets.
function demoOutput() {
  const f = process.env.SIRM_E2E_DEMO_OUTPUT;
  return f && existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/// The password `sirm demo` prints for every demo account (DEMO_PASSWORD in demo.rs).
export const PASSWORD = (() => {
  const m = demoOutput().match(/密码:\s*(\S+?)\)/);
  return m ? m[1] : 'Sirm-Demo-2026!';
})();

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/// demo_totp_secret() of crates/sirm-app/src/demo.rs, used when the demo output is unavailable.
function derivedSecret(username) {
  const raw = createHash('sha256').update(`sirm-demo-totp:${username}`).digest().subarray(0, 20);
  let out = '';
  let buf = 0;
  let bits = 0;
  for (const b of raw) {
    buf = (buf << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buf >> bits) & 31];
    }
    buf &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buf << (5 - bits)) & 31];
  return out;
}

/// The base32 TOTP secret of an administrator, as printed by `sirm demo`.
export function totpSecret(username) {
  const re = new RegExp(`^\\s*${username}\\s+([A-Z2-7]{16,})\\s*$`, 'm');
  const m = demoOutput().match(re);
  return m ? m[1] : derivedSecret(username);
}

function base32Decode(s) {
  const bytes = [];
  let buf = 0;
  let bits = 0;
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    buf = (buf << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buf >> bits) & 0xff);
    }
    buf &= (1 << bits) - 1;
  }
  return Buffer.from(bytes);
}

/// RFC 6238 TOTP: HMAC-SHA-1, 30-second steps, 6 digits.
export function totp(secret, timeMs = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

/// GB 11643 check character of the first 17 digits of a resident ID number.
export function idCheckChar(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i];
  return '10X98765432'[sum % 11];
}

function rnd(n) {
  return Math.floor(Math.random() * n);
}

/// A valid new resident ID in region 110105, random birth date and sequence.
export function newResidentId() {
  const y = 1965 + rnd(36);
  const m = String(1 + rnd(12)).padStart(2, '0');
  const d = String(1 + rnd(28)).padStart(2, '0');
  const seq = String(rnd(1000)).padStart(3, '0');
  const first17 = `110105${y}${m}${d}${seq}`;
  return first17 + idCheckChar(first17);
}

/// The same ID with a wrong check character.
export function withWrongCheck(id) {
  const right = id[17];
  const wrong = '0123456789X'.split('').find((c) => c !== right);
  return id.slice(0, 17) + wrong;
}

/// A random two-character given name so reruns are distinguishable.
export function testName() {
  const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂';
  return `测试${given[rnd(given.length)]}${given[rnd(given.length)]}`;
}

let scratch;
/// A temp dir for this test process, removed when it exits.
function scratchDir() {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'sirm-e2e-'));
    process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  return scratch;
}

/// Write `text` to a file `name` in a fresh temp dir and return its path.
export function writeScratch(name, text) {
  const dir = mkdtempSync(join(scratchDir(), 'file-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/// Write a small PDF to a fresh temp dir and return its path.
export function writeScanPdf(name = 'scan.pdf') {
  const dir = mkdtempSync(join(scratchDir(), 'pdf-'));
  const path = join(dir, name);
  const body =
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
    '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n' +
    'trailer<</Root 1 0 R>>\n%%EOF\n';
  writeFileSync(path, body);
  return path;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.SIRM_E2E_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/// A fresh page in its own browser context (own cookies), with page errors collected.
export async function newPage(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(20_000);
  const page = await ctx.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(e.message));
  return page;
}

/// Whether `sirm demo` printed a TOTP secret for this account (staff sign
/// in with a second factor).
export function hasTotp(username) {
  return new RegExp(`^\\s*${username}\\s+[A-Z2-7]{16,}\\s*$`, 'm').test(demoOutput());
}

/// Steps used per account, shared by the test files (each runs in its own
/// process, one after the other) through a file beside the demo output.
function stepsFile() {
  const f = process.env.SIRM_E2E_DEMO_OUTPUT;
  return f ? `${f}.totp-steps.json` : join(tmpdir(), 'sirm-e2e-totp-steps.json');
}

function usedSteps() {
  try {
    return JSON.parse(readFileSync(stepsFile(), 'utf8'));
  } catch {
    return {};
  }
}

/// A TOTP code of a demo staff account whose step has not signed in yet in
/// this test run (each code works once): the current step, the next one
/// late in a step (the server accepts one step either side), or wait.
export async function nextCode(username) {
  const secret = totpSecret(username);
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / 30000);
    const used = usedSteps();
    const last = used[username];
    let pick = null;
    if (last === undefined || last < step) pick = step;
    else if (last === step && now % 30000 >= 20000) pick = step + 1;
    if (pick !== null) {
      used[username] = pick;
      writeFileSync(stepsFile(), JSON.stringify(used));
      return totp(secret, pick * 30000);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/// Sign in on /login; staff also get a TOTP code. Returns the landing URL path.
export async function login(page, username, { code } = {}) {
  if (!code && hasTotp(username)) code = await nextCode(username);
  await page.goto(`${BASE}/login`, { waitUntil: 'domcontentloaded' });
  await page.fill('#login input[name=username]', username);
  await page.fill('#login input[name=password]', PASSWORD);
  if (code) await page.fill('#login input[name=code]', code);
  await submit(page, '#login button[type=submit]');
  const path = new URL(page.url()).pathname;
  if (path === '/login') {
    const err = (await page.locator('#err').count()) ? await page.innerText('#err') : '(no #err)';
    assert.fail(`sign-in as ${username} failed: ${err}`);
  }
  // The header names who is signed in.
  assert.match(await page.innerText('header'), new RegExp(`\\(${username}\\)`));
  return path;
}

/// Click a submit button or link (a selector or a locator) and wait for the
/// document it loads (success or error page). Waits for DOMContentLoaded, not
/// load: an application page embeds its PDF scans in iframes, and Chromium's
/// PDF viewer there can hold back the load event for a long time. Up to 30 s:
/// on a loaded two-core machine an approval page with PDF scans once took
/// more than the default 15 s to arrive.
export async function submit(page, target) {
  const loc = typeof target === 'string' ? page.locator(target) : target;
  await Promise.all([page.waitForEvent('domcontentloaded', { timeout: 30000 }), loc.click()]);
}

export async function logout(page) {
  await submit(page, 'header form[action="/logout"] button');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await page.locator('header form[action="/logout"]').count(), 0, 'still signed in after 退出');
}

/// Navigate and return the HTTP status of the main document.
export async function goto(page, path) {
  const res = await page.goto(`${BASE}${path}`, { waitUntil: 'domcontentloaded' });
  return res ? res.status() : 0;
}

/// Keep a full-page screenshot only when SIRM_E2E_SCREENSHOTS is set.
export async function shot(page, name) {
  if (!process.env.SIRM_E2E_SCREENSHOTS) return;
  const dir = join(HERE, 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

export async function mainText(page) {
  return page.innerText('main');
}

/// The three review stages after the clerk's 初审: who decides, the stage's
/// Chinese name, and the notice an approval there shows.
export const REVIEW_STAGES = [
  ['reviewer', '审核', /已通过/],
  ['rechecker', '复核', /已通过/],
  ['approver', '审批', /已批准并写入账本/],
];

/// As the signed-in officer: open application `appId` from /queue, where it
/// must wait for `stageZh`; returns the queue row's text.
export async function openFromQueue(page, appId, username, stageZh) {
  assert.equal(await goto(page, '/queue'), 200);
  const row = page.locator(`#queue tr[data-application="${appId}"]`);
  assert.equal(await row.count(), 1, `${username}: application ${appId} not in the work queue:\n${await mainText(page)}`);
  const rowText = await row.innerText();
  assert.match(rowText, new RegExp(stageZh), `${username}: row does not wait for ${stageZh}: ${rowText}`);
  await submit(page, row.locator(`a[href="/applications/${appId}"]`));
  assert.equal(new URL(page.url()).pathname, `/applications/${appId}`);
  return rowText;
}

/// Approve the open application page at its stage; returns the decision's
/// notice (an approved application also shows a second #ok notice,
/// 已写入账本, under the ledger heading: the decision's comes first).
export async function approveHere(page, username, reason) {
  const form = page.locator('#decide');
  assert.equal(await form.count(), 1, `${username}: no decision form on the application page:\n${await mainText(page)}`);
  await form.locator('input[name=reason]').fill(reason);
  await submit(page, '#decide button[value=approve]');
  assert.equal(await page.locator('#err').count(), 0, `${username}: ${await mainText(page)}`);
  const ok = page.locator('#ok');
  assert.ok((await ok.count()) >= 1, `${username}: no #ok notice:\n${await mainText(page)}`);
  return ok.first().innerText();
}
