// Objections (异议核查, Art 16, #19): the insured person files a written
// objection with evidence in the portal, follows it, and is told the
// outcome; the maintenance officer finds it in the queue by deadline and
// answers it in writing with a letter that verifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, logout, submit, goto, shot, writeScanPdf, BASE } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a citizen files an objection in the portal and is told the outcome', async () => {
  const page = await newPage(browser);
  await login(page, 'citizen');
  await submit(page, page.locator('nav a[href="/my/objections"]'));
  assert.equal(new URL(page.url()).pathname, '/my/objections');
  const form = page.locator('#objection');
  const pdf = writeScanPdf('hukou.pdf');

  // Refused without an item: the reason names the field; nothing filed.
  await form.locator('textarea[name=statement]').fill('登记地址与户口簿不一致');
  await form.locator('input[name=material]').setInputFiles(pdf);
  await submit(page, form.locator('button'));
  assert.match(await page.innerText('#err'), /有异议的记录项目/);
  assert.match(await page.innerText('#err'), /至少列明一项/);
  await shot(page, 'objection-refused');

  // Filed: a number, a deadline, 待核查.
  const again = page.locator('#objection');
  await again.locator('select[name=item_kind_1]').selectOption('registration_field');
  await again.locator('input[name=item_value_1]').fill('地址');
  await again.locator('textarea[name=statement]').fill('登记地址与户口簿不一致');
  await again.locator('input[name=material]').setInputFiles(pdf);
  await submit(page, again.locator('button'));
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/my\/objections\/YY-\d{8}-[0-9A-F]{8}$/);
  const number = path.split('/').pop();
  assert.equal(await page.getAttribute('#objection', 'data-status'), 'open');
  assert.match(await page.innerText('#objection'), /登记信息：address/);
  assert.match(await page.innerText('#steps'), /办理时限至 \d{4}-\d{2}-\d{2}/);
  await shot(page, 'objection-filed');
  await goto(page, '/my/objections');
  assert.equal(await page.locator(`#objections tr[data-number="${number}"]`).count(), 1);
  await logout(page);

  // The maintenance officer: the queue, the objection, a written answer.
  await login(page, 'maintainer');
  await submit(page, page.locator('nav a[href="/objections"]'));
  const row = page.locator(`#objection-queue tr[data-number="${number}"]`);
  assert.equal(await row.count(), 1);
  await submit(page, row.locator('a'));
  assert.equal(await page.locator('#evidence li').count(), 1);
  await page.fill('#answer textarea[name=reasons]', '经核对户口簿，登记地址与户口簿一致，记录无误');
  await submit(page, '#answer button');
  assert.equal(await page.getAttribute('#objection', 'data-status'), 'answered');
  await shot(page, 'objection-answered');
  await logout(page);

  // The citizen sees the outcome and the letter, which verifies.
  await login(page, 'citizen');
  assert.equal(await goto(page, `/my/objections/${number}`), 200);
  assert.match(await page.innerText('#status'), /已书面答复/);
  const verify = await page.locator('#letter a[href^="/verify/"]').getAttribute('href');
  const pdfHref = await page.locator('#letter a.download').getAttribute('href');
  const res = await page.request.get(`${BASE}${pdfHref}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  const anon = await newPage(browser);
  assert.equal(await goto(anon, verify), 200);
  assert.equal(await anon.getAttribute('#verdict', 'data-verdict'), 'genuine');
  assert.match(await anon.innerText('#content'), /异议核查答复书/);
  assert.match(await anon.innerText('#content'), /异议编号/);
  assert.deepEqual(page.pageErrors, []);
  await anon.context().close();
  await page.context().close();
});
