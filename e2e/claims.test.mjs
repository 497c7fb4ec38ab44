// A work-injury claim (工伤认定 → 劳动能力鉴定 → 伤残待遇) and a maternity
// allowance (生育登记 → 生育津贴), each taken at the counter and approved
// 审核 → 复核 → 审批 by three more people, then seen by the person in the portal.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PASSWORD, launch, newPage, login, submit, goto, shot, mainText,
  writeScanPdf, REVIEW_STAGES, openFromQueue, approveHere,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// The citizen's ID number and an employer employing them from before
/// `from` and still, read through the person's own API.
async function citizen(page) {
  const r = await page.request.post(`${BASE}/api/v1/session`, { data: { username: 'citizen', password: PASSWORD } });
  const token = (await r.json()).token;
  const me = await (await page.request.get(`${BASE}/api/v1/my/record`, { headers: { authorization: `Bearer ${token}` } })).json();
  const job = me.record.employments.find((j) => j.start_on <= '2025-01-01' && !j.end_on);
  assert.ok(job, `the demo citizen has no employment since 2025: ${JSON.stringify(me.record.employments)}`);
  return { id: me.record.person.id_number, employer: job.credit_code };
}

/// As the clerk: take an application of `type` with `fields`; its id.
async function take(clerk, type, fields) {
  assert.equal(await goto(clerk, `/applications/new?type=${type}`), 200);
  const form = clerk.locator('#new-application');
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name=${name}]`);
    if (value === true) await input.check();
    else await input.fill(String(value));
  }
  await form.locator('input[name=material]').setInputFiles(writeScanPdf('decision.pdf'));
  await submit(clerk, '#new-application button[type=submit]');
  const m = new URL(clerk.url()).pathname.match(/^\/applications\/([^/?#]+)$/);
  assert.ok(m, `${type}: no application page after submitting:\n${await mainText(clerk)}`);
  return decodeURIComponent(m[1]);
}

/// Approved at the three stages by the three signed-in deciders; the
/// approver's page text (the effect written).
async function approve(deciders, appId) {
  let text = '';
  for (const [user, stageZh, expect] of REVIEW_STAGES) {
    const page = deciders[user];
    await openFromQueue(page, appId, user, stageZh);
    const ok = await approveHere(page, user, `${stageZh}通过（e2e）`);
    assert.match(ok, expect, `${user}: ${ok}`);
    text = await mainText(page);
  }
  return text;
}

test('a work-injury claim and a maternity allowance through the review chain, shown in the portal', async () => {
  const clerk = await newPage(browser);
  const who = await citizen(clerk);
  await login(clerk, 'clerk');
  const deciders = {};
  for (const [user] of REVIEW_STAGES) {
    deciders[user] = await newPage(browser);
    await login(deciders[user], user);
  }

  // Work injury: recognition, a grade outside 1–10 refused, assessment, benefit.
  const injury = '2025-12-03';
  let app = await take(clerk, 'injury.recognise', {
    id: who.id, credit_code: who.employer, injury_date: injury,
    decision_no: '朝人社工伤认字〔2026〕99号', decided_on: '2026-01-20', description: '装卸货物时腰部扭伤（e2e）',
  });
  await approve(deciders, app);

  assert.equal(await goto(clerk, '/applications/new?type=injury.assess'), 200);
  const form = clerk.locator('#new-application');
  await form.locator('[name=id]').fill(who.id);
  await form.locator('[name=injury_date]').fill(injury);
  await form.locator('[name=grade]').fill('11');
  await form.locator('[name=decision_no]').fill('京劳鉴〔2026〕9号');
  await form.locator('[name=assessed_on]').fill('2026-03-02');
  await form.locator('input[name=material]').setInputFiles(writeScanPdf('decision.pdf'));
  await submit(clerk, '#new-application button[type=submit]');
  assert.equal(await clerk.locator('#err').count(), 1, await mainText(clerk));
  assert.match(await clerk.innerText('#err'), /伤残等级/);
  await shot(clerk, 'claims-grade-refused');

  app = await take(clerk, 'injury.assess', {
    id: who.id, injury_date: injury, grade: 8, decision_no: '京劳鉴〔2026〕9号', assessed_on: '2026-03-02',
  });
  await approve(deciders, app);
  app = await take(clerk, 'injury.disability', { id: who.id, injury_date: injury });
  // The reviewers see the computed effect before deciding.
  await approve(deciders, app);

  // Maternity: the birth recorded, then the allowance.
  const birth = '2025-08-18';
  app = await take(clerk, 'maternity.record', {
    id: who.id, credit_code: who.employer, event: 'birth', event_date: birth,
    difficult_birth: true, babies: 1, institution: '北京市朝阳区妇幼保健院',
  });
  await approve(deciders, app);
  app = await take(clerk, 'maternity.allowance', { id: who.id, event_date: birth });
  await approve(deciders, app);

  // The person sees both in the portal, each figure with its rule set.
  const me = await newPage(browser);
  await login(me, 'citizen');
  assert.equal(await goto(me, '/my/record'), 200);
  const injuries = await me.innerText('#injuries');
  assert.match(injuries, new RegExp(`${injury}[\\s\\S]*8级[\\s\\S]*待遇已核定`));
  const benefits = await me.innerText('#claim-benefits');
  assert.match(benefits, /一次性伤残补助金/);
  assert.match(benefits, /生育津贴/);
  assert.match(benefits, /demo-110105 v\d/);
  assert.match(await me.innerText('#maternity'), new RegExp(`${birth}[\\s\\S]*已核定`));
  await shot(me, 'claims-portal');
  for (const p of [clerk, me, ...Object.values(deciders)]) {
    assert.deepEqual(p.pageErrors, []);
    await p.context().close();
  }
});
