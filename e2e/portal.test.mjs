// Queries and certificates (#6): the insured person's portal, the rights
// statement, the employer portal's limits.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, newPage, login, submit, goto, shot, BASE, KIOSK, PASSWORD, hasTotp, nextCode } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the insured person reads every part of the record, and a yearly statement', async () => {
  const page = await newPage(browser);
  await login(page, 'citizen');
  // Their own home: the figures they come for, not a staff workbench.
  assert.equal(await goto(page, '/home'), 200);
  assert.match(await page.innerText('#balance'), /^\d+\.\d{2}$/);
  assert.match(await page.innerText('#years'), /\d+\s*年/);
  assert.doesNotMatch(await page.innerText('main'), /工作台|insured_person/);
  await submit(page, page.locator('nav a[href="/my/record"]'));
  assert.equal(new URL(page.url()).pathname, '/my/record');
  for (const id of ['#person', '#employment', '#contributions', '#account', '#benefit']) {
    assert.equal(await page.locator(id).count(), 1, `missing ${id}`);
  }
  // Ten years of contributions, settled account years, each with its rule set.
  assert.ok((await page.locator('#contributions tr').count()) > 12);
  assert.ok((await page.locator('#account tr').count()) > 2);
  assert.match(await page.innerText('#account'), /demo-110105/);
  assert.match(await page.innerText('#contribution-years'), /年/);
  await shot(page, 'portal-record');
  // A phone screen: same content, no horizontal page overflow.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page overflows a phone screen by ${overflow}px`);
  // Card rows: a month and an amount each on one line, never one character per line
  // (the latest year open; the employer cell may take two lines: code and name).
  const heights = await page.evaluate(() =>
    [...document.querySelectorAll('#contributions details[open] tr:nth-child(2) td')]
      .filter((td) => td.dataset.label !== '用人单位').slice(0, 4).map((td) => td.getBoundingClientRect().height));
  assert.ok(heights.length === 4 && heights.every((h) => h > 0 && h < 40), `contribution cells wrap on a phone: ${heights}`);
  // Months grouped by year: only the latest open, each year with its totals.
  assert.equal(await page.locator('#contributions details[open]').count(), 1);
  assert.ok((await page.locator('#contributions details').count()) > 1);
  assert.equal(await page.locator('#contributions tr.total').count(), await page.locator('#contributions details').count());
  assert.match(await page.innerText('#contributions details[open] tr.total'), /\d+\.\d{2}/);
  await shot(page, 'portal-record-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  // English switch.
  await page.click('#lang');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.ok(await page.locator('h1 .en').isVisible());
  assert.ok(!(await page.locator('h1 .zh').isVisible()));
  await page.click('#lang');
  // The yearly rights statement.
  await submit(page, page.locator('#links a').first());
  assert.match(await page.innerText('h1'), /个人权益记录单/);
  assert.ok(Number(await page.innerText('#statement-months')) > 0);
  await shot(page, 'portal-statement');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('the retiree sees the pension and its payments', async () => {
  const page = await newPage(browser);
  await login(page, 'retiree');
  assert.equal(await goto(page, '/my/record'), 200);
  assert.match(await page.innerText('#benefit'), /正常领取/);
  assert.ok((await page.locator('#payments tr').count()) > 12);
  await page.context().close();
});

test('an employer sees its employees’ contributions there, never their benefits', async () => {
  const page = await newPage(browser);
  await login(page, 'agent');
  await submit(page, page.locator('nav a[href="/employer"]'));
  assert.ok((await page.locator('#employer-months tr').count()) > 1);
  await shot(page, 'employer-portal');
  // The retiree worked here: registration and contributions, no benefit.
  const links = page.locator('#employees a');
  assert.ok((await links.count()) >= 1);
  let found = false;
  for (let i = 0; i < (await links.count()); i++) {
    const href = await links.nth(i).getAttribute('href');
    assert.equal(await goto(page, href), 200);
    assert.equal(await page.locator('#person').count(), 1);
    assert.equal(await page.locator('#contributions').count(), 1);
    assert.equal(await page.locator('#benefit').count(), 0, 'an employer must not see benefits');
    assert.equal(await page.locator('#account').count(), 0, 'an employer must not see the account');
    assert.doesNotMatch(await page.innerText('main'), /月养老金|Monthly pension/);
    found = true;
    await page.goBack();
    if (i >= 2) break;
  }
  assert.ok(found);
  // Someone who never worked here: the same refusal as no such person.
  assert.equal(await goto(page, '/employer/employees/110105199003071220'), 404);
  // Its own online declaration (#17 item 6): a refusal is a Chinese sentence
  // on the form, which keeps what was typed (the whole walk: tests/employer_declarations.rs).
  assert.equal(await goto(page, '/employer/declarations/new'), 200);
  assert.equal(await page.locator('#template').count(), 1);
  await page.fill('#declare input[name=month]', '2099-01');
  await page.fill('#declare textarea[name=rows]', '110105199003071220,"12,345.60"');
  await submit(page, '#declare button');
  assert.match(await page.innerText('#err'), /[\u4e00-\u9fff]/);
  assert.equal(await page.inputValue('#declare textarea[name=rows]'), '110105199003071220,"12,345.60"');
  assert.equal(await page.inputValue('#declare input[name=month]'), '2099-01');
  await page.context().close();
});

// The self-service terminal: ID number + query PIN on the on-screen keypad,
// large type, automatic sign-out when idle (the test server runs with
// SIRM_KIOSK_IDLE_SECONDS=5).
test('the kiosk: keypad sign-in with the query PIN, record shown, signed out after idle', async () => {
  const page = await newPage(browser);
  // Headless Chromium has no printer: print() in any frame is only counted.
  await page.context().addInitScript(() => {
    window.print = () => { window.top.__printCalls = (window.top.__printCalls || 0) + 1; };
  });
  const api = page.request;
  const session = async (username) => {
    const second_factor = hasTotp(username) ? await nextCode(username) : undefined;
    const r = await api.post(`${BASE}/api/v1/session`, { data: { username, password: PASSWORD, second_factor } });
    return (await r.json()).token;
  };
  const citizen = await session('citizen');
  const me = await (await api.get(`${BASE}/api/v1/my/record`, { headers: { authorization: `Bearer ${citizen}` } })).json();
  const id = me.record.person.id_number;
  const clerk = await session('clerk');
  const set = await api.post(`${BASE}/api/v1/query-pins`, {
    headers: { authorization: `Bearer ${clerk}` },
    data: { person_id: id, pin: '284913', id_document_checked: true },
  });
  assert.ok(set.ok(), await set.text());

  // The kiosk routes exist only on a terminal's server (`sirm serve --kiosk`).
  assert.equal(await goto(page, '/kiosk'), 404);
  assert.equal((await page.goto(`${KIOSK}/kiosk`, { waitUntil: 'domcontentloaded' })).status(), 200);
  // Large type: the sign-in heading is big.
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize));
  assert.ok(size >= 32, `kiosk heading is ${size}px`);
  await page.click('#id_number');
  for (const ch of id) await page.click(`.keys button[data-key="${ch}"]`);
  await page.click('#pin');
  for (const ch of '284913') await page.click(`.keys button[data-key="${ch}"]`);
  assert.equal(await page.inputValue('#id_number'), id);
  await shot(page, 'kiosk-login');
  await submit(page, '#kiosk-login button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/kiosk/record');
  assert.ok((await page.locator('#contributions tr').count()) > 12);
  // A public terminal masks the ID number.
  const kioskText = await page.innerText('body');
  assert.ok(!kioskText.includes(id), 'the kiosk shows the whole ID number');
  assert.ok(kioskText.includes(`${id.slice(0, 6)}********${id.slice(14)}`), 'the kiosk shows no masked ID number');
  await shot(page, 'kiosk-record');
  // Print a certificate on the terminal: the print view sends the PDF to the
  // printer by itself and ends at 请取走证明 with the countdown running.
  await submit(page, '#print button[value=contribution]');
  assert.equal(new URL(page.url()).pathname, '/kiosk/certificate');
  assert.equal(await page.innerText('#take'), '请取走证明');
  await page.waitForFunction(() => document.body.dataset.printed === 'yes', null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.__printCalls), 1, 'the certificate went to the printer once');
  const idle = Number(await page.getAttribute('#left', 'data-idle'));
  await page.waitForFunction((n) => Number(document.getElementById('left').textContent) < n, idle, { timeout: 3000 });
  const printed = await api.get(`${KIOSK}/kiosk/certificate.pdf`);
  assert.equal(printed.status(), 200, await printed.text());
  assert.equal(printed.headers()['content-type'], 'application/pdf');
  assert.match(printed.headers()['content-disposition'], /^inline/);
  assert.equal((await printed.body()).subarray(0, 5).toString(), '%PDF-');
  // Idle: back to the sign-in screen, and the session is gone on the server.
  await page.waitForURL((u) => new URL(u).pathname === '/kiosk', { timeout: 20000 });
  assert.equal(await page.locator('#kiosk-login').count(), 1);
  await page.goto(`${KIOSK}/kiosk/record`, { waitUntil: 'domcontentloaded' });
  assert.equal(new URL(page.url()).pathname, '/kiosk');
  // A wrong PIN: refused, nothing about the person shown.
  await page.fill('#id_number', id);
  await page.fill('#pin', '000000');
  await submit(page, '#kiosk-login button[type=submit]');
  assert.equal(await page.locator('#err').count(), 1);
  assert.equal(await page.locator('#contributions').count(), 0);
  // The ID number typed stays (never the PIN); the message is Chinese only.
  assert.equal(await page.inputValue('#id_number'), id);
  assert.equal(await page.inputValue('#pin'), '');
  assert.doesNotMatch(await page.innerText('#err'), /[A-Za-z]{4,}/);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

/// The URL in a certificate's QR code: page rendered by pdftoppm, read by zbarimg.
function qrUrl(pdfPath) {
  const dir = mkdtempSync(join(tmpdir(), 'sirm-qr-'));
  try {
    execFileSync('pdftoppm', ['-r', '150', '-png', pdfPath, join(dir, 'p')]);
    for (const f of readdirSync(dir).sort().reverse()) {
      const out = spawnSync('zbarimg', ['-q', '--raw', join(dir, f)], { encoding: 'utf8' });
      const url = out.stdout.split('\n').find((l) => l.startsWith('http'));
      if (url) return url.trim();
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a person downloads a certificate; its QR code verifies it; a changed digit does not', async () => {
  const page = await newPage(browser);
  await login(page, 'citizen');
  await submit(page, page.locator('nav a[href="/my/certificates"]'));
  await page.selectOption('#kind', 'contribution');
  await submit(page, '#issue button');
  assert.match(await page.innerText('.ok'), /核验码/);
  const row = page.locator('#certificates tr.new');
  assert.equal(await row.count(), 1);
  const code = (await row.locator('code').innerText()).trim();
  assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a.download').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'sirm-cert-'));
  const pdfPath = join(dir, download.suggestedFilename());
  await download.saveAs(pdfPath);
  const pdf = readFileSync(pdfPath);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  await shot(page, 'portal-certificates');
  await page.context().close();

  // Anyone, not signed in, opens the address in the QR code.
  const url = qrUrl(pdfPath);
  assert.equal(url, `${BASE}/verify/${code}`);
  const anon = await newPage(browser);
  await anon.goto(url, { waitUntil: 'domcontentloaded' });
  assert.equal(await anon.getAttribute('#verdict', 'data-verdict'), 'genuine');
  assert.match(await anon.innerText('#content'), /参保缴费证明/);
  await shot(anon, 'verify-genuine');
  // Upload the PDF itself: byte for byte what was issued.
  await anon.setInputFiles('#file-input', pdfPath);
  await submit(anon, '#by-file button');
  assert.equal(await anon.getAttribute('#verdict', 'data-verdict'), 'genuine');
  assert.match(await anon.innerText('#reasons'), /逐字节一致/);
  // A copy with one changed digit (in the issue date of its metadata).
  const forged = Buffer.from(pdf);
  const at = forged.indexOf('/CreationDate');
  let i = at;
  while (!(forged[i] >= 0x30 && forged[i] <= 0x39)) i++;
  i += 3;
  forged[i] = forged[i] === 0x39 ? 0x38 : forged[i] + 1;
  const forgedPath = join(dir, 'forged.pdf');
  writeFileSync(forgedPath, forged);
  await anon.setInputFiles('#file-input', forgedPath);
  await submit(anon, '#by-file button');
  assert.equal(await anon.getAttribute('#verdict', 'data-verdict'), 'altered');
  await shot(anon, 'verify-altered');
  // A code with one changed character: not found, and nothing about anyone.
  const other = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
  assert.equal(await goto(anon, `/verify/${other}`), 404);
  assert.equal(await anon.getAttribute('#verdict', 'data-verdict'), 'not_found');
  assert.deepEqual(anon.pageErrors, []);
  await anon.context().close();
  rmSync(dir, { recursive: true, force: true });
});
