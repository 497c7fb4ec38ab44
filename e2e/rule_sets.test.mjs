// Regional rule sets (参数维护, Art 6) are installation data: the maintenance
// officer files a new version of the demo set through the generic intake
// form, the reviewers see which figures change, three more people pass
// 审核 → 复核 → 审批, and the parameters page then lists the new version.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  launch, newPage, login, logout, submit, goto, shot, mainText, writeScanPdf,
  REVIEW_STAGES, openFromQueue, approveHere,
} from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// The demo installation's rule set (version 1) and a version 2 of it that
/// takes force from 2026-12 with another 2026 average wage.
function demoVersion2() {
  const v1 = readFileSync(join(HERE, '..', 'rulesets', 'demo-110105.toml'), 'utf8');
  assert.match(v1, /^version = 1\n/m, 'demo rule set is no longer version 1');
  assert.match(v1, /avg_wage = "12480\.00"/, 'demo rule set lacks the 2026 average wage 12480.00');
  const v2 = v1
    .replace('version = 1\n', 'version = 2\nvalid_from = "2026-12"\n')
    .replace('avg_wage = "12480.00"', 'avg_wage = "12999.00"');
  assert.notEqual(v2, v1);
  return v2;
}

/// The text of the row of table#changes whose key is `key`.
async function changeRow(page, key) {
  const rows = page.locator('#rule-set-diff table#changes tr', {
    has: page.locator('th code', { hasText: key }),
  });
  assert.equal(await rows.count(), 1, `no single row ${key} in the diff:\n${await page.innerText('#rule-set-diff')}`);
  return rows.first();
}

/// As the signed-in officer: open the application from /queue, check the
/// diff, and pass the stage. Returns the #ok text.
async function decideFromQueue(page, appId, username, stageZh) {
  const rowText = await openFromQueue(page, appId, username, stageZh);
  assert.match(rowText, /规则集导入/, `${username}: row does not name the business type: ${rowText}`);

  // The figures that change, against the version in force.
  assert.equal(await page.locator('#rule-set-diff').count(), 1, `${username}: no rule set diff:\n${await mainText(page)}`);
  const diff = await page.innerText('#rule-set-diff');
  assert.match(diff, /demo-110105 v2/, `${username}: diff does not name the new version:\n${diff}`);
  assert.match(diff, /2026-12/, `${username}: diff does not show the month it takes force:\n${diff}`);
  assert.match(diff, /v1/, `${username}: diff does not name the version it follows:\n${diff}`);
  const cells = await (await changeRow(page, 'years.2026.avg_wage')).locator('td').allInnerTexts();
  assert.deepEqual(cells.map((c) => c.trim()), ['12480.00', '12999.00'], `${username}: avg_wage row`);
  // Nothing else changes but the month it takes force.
  const keys = await page.locator('#rule-set-diff table#changes tr th code').allInnerTexts();
  assert.deepEqual([...keys].sort(), ['rule_set.valid_from', 'years.2026.avg_wage'], `${username}: diff keys`);
  // The uploaded notice is listed with its SHA-256.
  assert.match(await page.innerText('#materials'), /notice\.pdf[\s\S]*SHA-256\s+[0-9a-f]{64}/);

  return approveHere(page, username, `${stageZh}通过（e2e 规则集）`);
}

test('rule set v2 of the demo region: filed by maintainer on 参数维护, diff shown to reviewers, 审核 → 复核 → 审批, then listed with its month', async () => {
  const page = await newPage(browser);
  const v2 = demoVersion2();
  const pdf = writeScanPdf('notice.pdf');
  const reason = '演示：2026年社平工资调整（e2e）';

  // 1. maintainer: the parameters page lists demo v1 from the start.
  await login(page, 'maintainer');
  assert.equal(await goto(page, '/home'), 200);
  const menu = page.locator('a[href="/rules"]', { hasText: '参数维护' });
  assert.ok((await menu.count()) >= 1, `no 参数维护 menu entry for maintainer:\n${await page.innerText('body')}`);
  await submit(page, menu.first());
  assert.equal(new URL(page.url()).pathname, '/rules');
  assert.match(await page.innerText('h1'), /参数维护/);
  const v1row = page.locator('table#rule-sets tr[data-version="1"]');
  assert.equal(await v1row.count(), 1, `no v1 row:\n${await mainText(page)}`);
  const v1text = await v1row.innerText();
  assert.match(v1text, /demo-110105/);
  assert.match(v1text, /演示数据/);
  assert.match(v1text, /\bv1\b/);
  assert.match(v1text, /起始/);
  assert.match(v1text, /2015–2026/);
  assert.match(v1text, /[0-9a-f]{64}/, `v1 row shows no document hash: ${v1text}`);
  assert.equal(await page.locator('table#rule-sets tr[data-version="2"]').count(), 0, 'v2 already there before the import');
  await shot(page, 'rules-1-maintainer-rules');

  // Version 1's figures.
  await submit(page, v1row.locator('a[href="/rules/1"]'));
  assert.equal(new URL(page.url()).pathname, '/rules/1');
  assert.match(await page.innerText('h1'), /demo-110105 v1/);
  const wage = page.locator('table#figures tr', { has: page.locator('th code', { hasText: 'years.2026.avg_wage' }) });
  assert.equal(await wage.count(), 1, `no years.2026.avg_wage in the figures:\n${await mainText(page)}`);
  assert.match(await wage.innerText(), /12480\.00/);
  await shot(page, 'rules-1-maintainer-v1');
  await submit(page, page.locator('main a[href="/rules"]', { hasText: '返回规则集列表' }));
  assert.equal(new URL(page.url()).pathname, '/rules');

  // 2. maintainer files version 2 through the intake form.
  const importLink = page.locator('main a[href="/applications/new?type=rule_set.import"]');
  assert.equal(await importLink.count(), 1, 'no import link on /rules');
  assert.match(await importLink.innerText(), /导入规则集或新版本/);
  await submit(page, importLink);
  assert.equal(new URL(page.url()).pathname, '/applications/new');
  assert.match(await page.innerText('h1'), /规则集导入/);
  const form = page.locator('#new-application');
  assert.equal(await form.locator('input[name=business_type]').inputValue(), 'rule_set.import');
  await form.locator('input[name=format]').fill('toml');
  await form.locator('textarea[name=text]').fill(v2);
  await form.locator('input[name=reason]').fill(reason);
  await form.locator('input[name=material]').setInputFiles(pdf);
  await shot(page, 'rules-2-maintainer-form');
  await submit(page, '#new-application button[type=submit]');
  const m = new URL(page.url()).pathname.match(/^\/applications\/([^/?#]+)$/);
  assert.ok(m, `no application page after submitting: ${page.url()}\n${await mainText(page)}`);
  const appId = decodeURIComponent(m[1]);
  const summary = await mainText(page);
  assert.match(summary, /规则集导入/);
  assert.match(summary, /待处理环节[^\n]*审核/, `not waiting for 审核:\n${summary}`);
  assert.match(await page.innerText('#data'), new RegExp(reason.replace(/[()（）]/g, '.')));
  assert.match(await page.innerText('#materials'), /notice\.pdf/);
  // The filer sees the same diff.
  assert.equal(await page.locator('#rule-set-diff').count(), 1, `no rule set diff for the filer:\n${summary}`);
  await shot(page, 'rules-2-maintainer-submitted');
  await logout(page);

  // 3.–5. three more people, one stage each.
  for (const [user, stageZh, expect] of REVIEW_STAGES) {
    await login(page, user);
    const ok = await decideFromQueue(page, appId, user, stageZh);
    assert.match(ok, expect, `${user}: ${ok}`);
    await shot(page, `rules-3-${user}-decided`);
    if (user === 'approver') {
      const steps = await page.innerText('#steps');
      for (const [who, zh] of [['maintainer', '初审'], ['reviewer', '审核'], ['rechecker', '复核'], ['approver', '审批']]) {
        assert.match(steps, new RegExp(`${zh}[^\\n]*\\b${who}\\b`), `review history lacks ${zh} by ${who}:\n${steps}`);
      }
      assert.match(await mainText(page), /已写入账本/);
    }
    await logout(page);
  }

  // 6. maintainer: v2 is listed, newest first, in force from 2026-12; v1 stays.
  await login(page, 'maintainer');
  assert.equal(await goto(page, '/rules'), 200);
  const v2row = page.locator('table#rule-sets tr[data-version="2"]');
  assert.equal(await v2row.count(), 1, `no v2 row after approval:\n${await mainText(page)}`);
  const v2text = await v2row.innerText();
  assert.match(v2text, /demo-110105/);
  assert.match(v2text, /\bv2\b/);
  assert.match(v2text, /2026-12/);
  assert.match(v2text, /演示数据/);
  assert.match(v2text, /[0-9a-f]{64}/, `v2 row shows no document hash: ${v2text}`);
  assert.equal(await page.locator('table#rule-sets tr[data-version="1"]').count(), 1, 'v1 gone after v2 was approved');
  const order = await page.locator('table#rule-sets tr[data-version]').evaluateAll((rs) => rs.map((r) => r.dataset.version));
  assert.deepEqual(order, ['2', '1'], 'versions not listed newest first');
  await shot(page, 'rules-4-maintainer-rules-v2');
  await submit(page, v2row.locator('a[href="/rules/2"]'));
  assert.equal(new URL(page.url()).pathname, '/rules/2');
  assert.match(await page.innerText('main'), /2026-12/);
  const wage2 = page.locator('table#figures tr', { has: page.locator('th code', { hasText: 'years.2026.avg_wage' }) });
  assert.equal(await wage2.count(), 1);
  assert.match(await wage2.innerText(), /12999\.00/);
  await shot(page, 'rules-4-maintainer-v2');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
