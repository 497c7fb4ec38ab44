// Person registration (参保登记) through the four review stages, each by a
// different signed-in person, then found by the query officer (issue 5 item 8).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, newPage, login, logout, submit, goto, shot, mainText,
  newResidentId, testName, writeScanPdf, REVIEW_STAGES, openFromQueue, approveHere,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// As the signed-in officer: open the application from /queue and approve it.
async function approveFromQueue(page, appId, username, stageZh) {
  await openFromQueue(page, appId, username, stageZh);
  // The uploaded scan is listed with its SHA-256.
  assert.match(await page.innerText('#materials'), /scan\.pdf[\s\S]*SHA-256\s+[0-9a-f]{64}/);
  // Decided on facts: Chinese labels, the person masked with the name,
  // never an internal key, a blind index or JSON (#17).
  const facts = `${await page.innerText('#data')}\n${await page.innerText('#effect')}`;
  assert.doesNotMatch(facts, /registered_on|birth_date|person\.registered|\bpk[0-9a-f]{32}\b|\{"/, `${username}: ${facts}`);
  assert.match(await page.innerText('#effect'), /参保登记[\s\S]*公民身份号码\s+\d{6}\*{8}\d{3}[\dX]/);
  return approveHere(page, username, `${stageZh}通过（e2e）`);
}

test('person registration passes 初审 → 审核 → 复核 → 审批 with four logins and shows up for the query officer', async () => {
  const page = await newPage(browser);
  const id = newResidentId();
  const name = testName();
  const address = '北京市朝阳区建国路88号';
  const pdf = writeScanPdf('scan.pdf');

  // 1. clerk takes the application at the counter.
  await login(page, 'clerk');
  assert.equal(await goto(page, '/applications/new'), 200);
  assert.match(await page.innerText('h1'), /参保登记/);
  const form = page.locator('#new-application');
  await form.locator('input[name=id]').fill(id);
  await form.locator('input[name=name]').fill(name);
  await form.locator('input[name=address]').fill(address);
  await form.locator('input[name=phone]').fill('13800138000');
  await form.locator('input[name=registered_on]').fill('2026-01-15');
  await form.locator('input[name=material]').setInputFiles(pdf);
  await submit(page, '#new-application button[type=submit]');
  const m = new URL(page.url()).pathname.match(/^\/applications\/([^/?#]+)$/);
  assert.ok(m, `no application page after submitting: ${page.url()}\n${await mainText(page)}`);
  const appId = decodeURIComponent(m[1]);
  assert.match(await page.innerText('#data'), new RegExp(id));
  assert.match(await page.innerText('#materials'), /scan\.pdf/);
  await shot(page, '1-clerk-submitted');
  await logout(page);

  // 2.–4. three more people, one stage each.
  for (const [user, stageZh, expect] of REVIEW_STAGES) {
    await login(page, user);
    const ok = await approveFromQueue(page, appId, user, stageZh);
    assert.match(ok, expect, `${user}: ${ok}`);
    await shot(page, `1-${user}-decided`);
    if (user === 'approver') {
      // The review history names every responsible person, one per stage.
      const steps = await page.innerText('#steps');
      for (const [who, zh] of [['clerk', '初审'], ['reviewer', '审核'], ['rechecker', '复核'], ['approver', '审批']]) {
        assert.match(steps, new RegExp(`${zh}[^\\n]*\\b${who}\\b`), `review history lacks ${zh} by ${who}:\n${steps}`);
      }
    }
    await logout(page);
  }

  // 5. query officer finds the person and the maintenance log entry.
  await login(page, 'query');
  // The ID number is posted, never put in the URL.
  assert.equal(await goto(page, '/persons'), 200);
  await page.fill('#person-lookup input[name=id]', id);
  await submit(page, '#person-lookup button');
  assert.ok(!page.url().includes(id), `ID number in the URL: ${page.url()}`);
  const person = await page.innerText('#person');
  assert.match(person, new RegExp(name));
  assert.match(person, new RegExp(id));
  await shot(page, '1-query-person');

  assert.equal(await goto(page, '/maintenance-log'), 200);
  await page.fill('#log-filter input[name=subject]', id);
  await submit(page, '#log-filter button');
  assert.ok(!page.url().includes(id), `ID number in the URL: ${page.url()}`);
  const rows = page.locator('#log tr', { hasText: appId });
  assert.ok((await rows.count()) >= 1, `maintenance log has no row for ${appId}:\n${await page.innerText('#log')}`);
  const row = await rows.first().innerText();
  assert.match(row, /初审 clerk\s*→\s*审核 reviewer\s*→\s*复核 rechecker\s*→\s*审批 approver/, `maintenance log row lacks the four officers: ${row}`);
  // The log shows the ID number masked, never whole.
  assert.doesNotMatch(row, new RegExp(id), `maintenance log shows the whole ID number: ${row}`);
  assert.match(row, new RegExp(name));
  assert.doesNotMatch(row, /registered_on|person:|\bpk[0-9a-f]{32}\b/, `maintenance log shows internal keys: ${row}`);
  assert.match(row, /参保日期：2026-01-15/);
  // Also in the unfiltered log.
  assert.equal(await goto(page, '/maintenance-log'), 200);
  assert.ok((await page.locator('#log tr', { hasText: appId }).count()) >= 1, 'unfiltered maintenance log lacks the application');
  await shot(page, '1-query-maintenance-log');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
