// Cross-checking with other departments (Art 5): the maintenance officer
// imports a deaths file naming the demo retiree, sees the discrepancy in the
// queue with the overpaid months, accepts it (the benefit termination goes
// to review), and dismisses an unknown person with a reason.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, submit, goto, shot, writeScratch } from './lib.mjs';

// The demo retiree (README: born 1962-12-15, sequence 031).
const RETIREE = '110105196212150319';
// Nobody registered (born 1950-01-01, sequence 999).
const STRANGER = '11010519500101999X';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function importFile(page, kind, name, text) {
  assert.equal(await goto(page, '/crosscheck'), 200);
  const form = page.locator('#crosscheck-upload');
  await form.locator('select[name=kind]').selectOption(kind);
  await form.locator('input[name=file]').setInputFiles(writeScratch(name, text));
  await submit(page, form.locator('button'));
}

test('discrepancy queue: a death accepted into review, an unknown person dismissed', async () => {
  const page = await newPage(browser);
  await login(page, 'maintainer');
  assert.ok((await page.locator('nav a[href="/crosscheck"]', { hasText: '信息比对' }).count()) >= 1);

  await importFile(page, 'death', 'deaths.csv',
    `身份号码,死亡日期,死亡证明编号\n${RETIREE},2025-03-10,D2025-0001\nnot-an-id,2025-03-10,X\n`);
  const report = page.locator('#import-report');
  assert.equal(await report.count(), 1);
  assert.equal(await page.locator('#accepted').innerText(), '1');
  assert.equal(await page.locator('#rejected').innerText(), '1');
  assert.match(await page.locator('#rejected-lines').innerText(), /line 3, id_number/);
  const row = page.locator('#discrepancies tr[data-kind=death_with_benefit]');
  assert.equal(await row.count(), 1);
  const text = await row.innerText();
  assert.match(text, /死亡后仍领取待遇/);
  assert.match(text, /多发金额/);
  assert.match(text, /待遇暂停 \/ 终止/);
  assert.doesNotMatch(await page.innerText('body'), new RegExp(RETIREE));
  await shot(page, '9-crosscheck-queue');

  // Accept: the prepared benefit.status application, now in review.
  await submit(page, row.locator('button[value=accepted]'));
  assert.match(page.url(), /\/applications\/AP-/);
  assert.match(await page.innerText('main'), /待遇暂停 \/ 终止/);
  await shot(page, '9-crosscheck-accepted');

  // An unknown person from a tax file: dismissed with a reason.
  await importFile(page, 'tax_wage', 'tax.csv',
    `id_number,credit_code,month,taxable_wage\n${STRANGER},91110105170954632U,2025-01,9000.00\n`);
  const unknown = page.locator('#discrepancies tr[data-kind=unknown_person]');
  assert.equal(await unknown.count(), 1);
  await unknown.locator('input[name=reason]').fill('已核实：外省参保');
  await submit(page, unknown.locator('button[value=dismissed]'));
  assert.equal(await page.locator('#discrepancies tr[data-kind=unknown_person]').count(), 0);
  assert.equal(await page.locator('#discrepancies tr[data-kind=death_with_benefit]').count(), 0);

  // A file of the wrong kind is refused, naming why.
  await importFile(page, 'tax_wage', 'wrong.csv', 'id_number,died_on,certificate_no\n');
  assert.match(await page.locator('#err').innerText(), /类型不符/);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
