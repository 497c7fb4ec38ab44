// The workbench shows each account only what its role may do, and a refused
// form keeps what was typed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, newPage, login, submit, goto, shot, mainText,
  totp, totpSecret, newResidentId, withWrongCheck, testName, writeScanPdf, writeScratch,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('role-limited workbench: dba has no 待办业务 and gets 403 on /queue; clerk may 受理新业务', async () => {
  const page = await newPage(browser);
  await login(page, 'dba');
  assert.equal(await goto(page, '/home'), 200);
  const body = await page.innerText('body');
  assert.doesNotMatch(body, /待办业务/);
  assert.equal(await page.locator('a[href="/queue"]').count(), 0);
  assert.equal(await page.locator('#may [data-permission^="record."]').count(), 0);
  assert.match(await page.innerText('main'), /数据库管理员/);
  await shot(page, '2-dba-home');
  assert.equal(await goto(page, '/queue'), 403);
  assert.equal(await page.locator('#error').count(), 1);
  assert.equal(await page.locator('#queue').count(), 0);
  await shot(page, '2-dba-queue-403');
  await page.context().close();

  const clerk = await newPage(browser);
  await login(clerk, 'clerk');
  assert.equal(await goto(clerk, '/home'), 200);
  assert.ok((await clerk.locator('nav a[href="/queue"]', { hasText: '待办业务' }).count()) >= 1);
  assert.equal(await goto(clerk, '/queue'), 200);
  const link = clerk.locator('main a[href="/applications/new"]');
  assert.match(await link.innerText(), /受理新业务/);
  await submit(clerk, link);
  assert.equal(await clerk.locator('#new-application').count(), 1);
  await shot(clerk, '2-clerk-new-application');
  assert.deepEqual(clerk.pageErrors, []);
  await clerk.context().close();
});

test('a refused registration keeps what was typed and names 公民身份号码', async () => {
  const page = await newPage(browser);
  await login(page, 'clerk');
  assert.equal(await goto(page, '/applications/new'), 200);
  const bad = withWrongCheck(newResidentId());
  const name = testName();
  const address = '北京市朝阳区朝阳路1号';
  const form = page.locator('#new-application');
  await form.locator('input[name=id]').fill(bad);
  await form.locator('input[name=name]').fill(name);
  await form.locator('input[name=address]').fill(address);
  await form.locator('input[name=phone]').fill('13900139000');
  await form.locator('input[name=registered_on]').fill('2026-02-01');
  await form.locator('input[name=material]').setInputFiles(writeScanPdf('scan.pdf'));
  await submit(page, '#new-application button[type=submit]');

  assert.equal(await page.locator('#err').count(), 1, await mainText(page));
  assert.match(await page.innerText('#err'), /公民身份号码/);
  // Still the form, with the typed values.
  assert.equal(await page.locator('#new-application').count(), 1);
  assert.equal(await page.inputValue('#new-application input[name=name]'), name);
  assert.equal(await page.inputValue('#new-application input[name=id]'), bad);
  assert.equal(await page.inputValue('#new-application input[name=address]'), address);
  await shot(page, '3-clerk-bad-id');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a refused declaration upload shows its error in Chinese, with script on', async () => {
  const page = await newPage(browser);
  await login(page, 'clerk');
  assert.equal(await goto(page, '/declarations/new'), 200);
  const form = page.locator('#upload');
  // A credit code with a wrong check character.
  await form.locator('input[name=credit_code]').fill('91110105679394586A');
  await form.locator('input[name=month]').fill('2026-01');
  await form.locator('input[name=file]').setInputFiles(
    writeScratch('lines.csv', '110105194912310021,8000.00\n'));
  await form.locator('button').click();
  await page.waitForSelector('#err', { timeout: 20000 });
  assert.match(await page.innerText('#err'), /统一社会信用代码有误/);
  // Still the upload form, ready for another try.
  assert.equal(await page.locator('#upload').count(), 1);
  await shot(page, '3b-clerk-bad-upload');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
