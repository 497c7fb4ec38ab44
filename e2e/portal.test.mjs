// Queries and certificates (#6): the insured person's portal, the rights
// statement, the employer portal's limits.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, submit, goto, shot } from './lib.mjs';

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
  await page.context().close();
});
