// Disclosure control (Art 17–22) and maintenance (Art 11–12) in the browser:
// a court's query within its scope, a statistics report without identities,
// the unit officer's page, an outside helper's prepared maintenance and the
// maintenance log with its before/after columns.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, login, submit, goto, shot, mainText, newResidentId } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('court: the page lists its laws, refuses a basis without an article, answers within scope', async () => {
  const page = await newPage(browser);
  await login(page, 'court');
  assert.equal(await goto(page, '/organ'), 200);
  assert.match(await page.innerText('#organ-laws'), /《民事诉讼法》/);
  const id = newResidentId();
  const form = page.locator('#organ-query');
  await form.locator('textarea[name=ids]').fill(id);
  await form.locator('input[name=case_number]').fill('（2026）京0101民初88号');
  await form.locator('input[name=basis]').fill('民事诉讼法');
  await submit(page, form.locator('button'));
  const refused = await mainText(page);
  assert.match(refused, /查询依据须写明/);
  assert.equal(await page.locator('#organ-answer').count(), 0, 'nothing answered');
  // What was typed is kept.
  assert.equal(await form.locator('input[name=basis]').inputValue(), '民事诉讼法');
  await form.locator('input[name=basis]').fill('《中华人民共和国民事诉讼法》第七十条');
  await submit(page, form.locator('button'));
  const answer = await page.innerText('#organ-answer');
  assert.match(answer, /0 \/ 1/);
  assert.match(await mainText(page), /本经办机构没有此人的记录/);
  // No full ID number on the page: the person is shown masked.
  assert.doesNotMatch(await mainText(page), new RegExp(id));
  await shot(page, '9-court-organ-query');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('statistician: a report of aggregates with suppression and a CSV', async () => {
  const page = await newPage(browser);
  await login(page, 'statistician');
  assert.equal(await goto(page, '/statistics'), 200);
  const first = page.locator('#reports a').first();
  await submit(page, first);
  const inputs = page.locator('main form input[name]');
  for (let i = 0; i < (await inputs.count()); i++) await inputs.nth(i).fill('2025-06');
  await submit(page, page.locator('main form button'));
  assert.equal(await page.locator('#report').count(), 1, await mainText(page));
  assert.match(await page.innerText('#suppression'), /已抑制/);
  assert.equal(await page.locator('#csv').count(), 1);
  await shot(page, '9-statistics-report');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('unit officer: the page says what a grant allows and lists none before one', async () => {
  const page = await newPage(browser);
  await login(page, 'unit');
  assert.equal(await goto(page, '/unit'), 200);
  assert.match(await mainText(page), /授权/);
  assert.equal(await goto(page, '/organ'), 403);
  await page.context().close();
});

test('outside helper prepares, the maintenance officer sees it; the log has before and after', async () => {
  const helper = await newPage(browser);
  await login(helper, 'contractor');
  assert.equal(await goto(helper, '/prepared'), 200);
  assert.match(await mainText(helper), /外包协助维护预填业务/);
  // Not a maintenance officer: no 受理 buttons, no work queue.
  assert.equal(await helper.locator('form[action$="/take"]').count(), 0);
  assert.equal(await goto(helper, '/queue'), 403);
  await helper.context().close();

  const officer = await newPage(browser);
  await login(officer, 'maintainer');
  assert.ok((await officer.locator('nav a[href="/prepared"]').count()) >= 1);
  assert.equal(await goto(officer, '/prepared'), 200);
  assert.equal(await officer.locator('#prepared').count(), 1);
  assert.equal(await goto(officer, '/maintenance-log'), 200);
  const head = await officer.innerText('#log tr');
  for (const h of ['更正前', '更正后', '维护原因', '处理方法', '证明材料', '各环节责任人']) {
    assert.match(head, new RegExp(h), `log header lacks ${h}`);
  }
  // Filter by kind: every listed line is of that kind.
  await officer.selectOption('#log-filter select[name=kind]', 'person.registered');
  await submit(officer, '#log-filter button');
  const kinds = await officer.locator('#log tr[data-kind]').evaluateAll((rows) => rows.map((r) => r.dataset.kind));
  assert.ok(kinds.every((k) => k === 'person.registered'), kinds.join(','));
  await shot(officer, '9-maintenance-log');
  assert.deepEqual(officer.pageErrors, []);
  await officer.context().close();
});
