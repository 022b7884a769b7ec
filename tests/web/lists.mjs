// The document lists in Debian's Chromium: documents made through the API (types, subjects,
// recipients, an incoming one assigned with a due date already past), then the list pages
// filter them by type, dates and counterpart, sort by a column header both ways, page through
// more than one page, keep every choice in the URL across a reload, and flag the overdue one with
// its deadline. Each outcome is checked against what the API itself returns.
//
// Usage: node tests/web/lists.mjs BIN_DIR
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { password, run, source } from './harness.mjs';

const vietnamDay = (offset) => new Date(Date.now() + 7 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);

await run(async (hx) => {
  const { base } = hx;
  const check = hx.check.bind(hx);
  const pdf = readFileSync(path.join(source, 'tests/data/corpus/unsigned/dss_EmptyPage.pdf'));
  const tokens = {};
  const token = async (username) => {
    if (!tokens[username]) {
      const reply = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
      });
      if (reply.status !== 200) throw new Error(`login ${username}: ${reply.status}`);
      tokens[username] = (await reply.json()).token;
    }
    return tokens[username];
  };
  const call = async (username, method, target, body, headers = {}) => {
    const reply = await fetch(`${base}${target}`, {
      method, body: body === undefined ? undefined : typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body),
      headers: { Authorization: `Bearer ${await token(username)}`, ...(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}), ...headers },
    });
    const json = await reply.json().catch(() => null);
    if (reply.status >= 300) throw new Error(`${method} ${target}: ${reply.status} ${JSON.stringify(json)}`);
    return json;
  };
  const upload = async (username, metadata) => {
    const form = new FormData();
    form.append('metadata', JSON.stringify(metadata));
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'a.pdf');
    return call(username, 'POST', '/api/v1/documents', form);
  };

  // 23 outgoing documents "Danh sach NN" (01..23) of three types; 02 is urgent, 03 has recipients.
  const made = [];
  for (let i = 1; i <= 23; i++) {
    const type = i % 3 === 1 ? 'QĐ' : i % 3 === 2 ? 'TB' : '';
    made.push(await upload('chuyenvien', {
      direction: 'outgoing', document_type: type, subject: `Danh sach ${String(i).padStart(2, '0')}`,
      urgency: i === 2 ? 'urgent' : 'normal',
    }));
  }
  await call('chuyenvien', 'PUT', `/api/v1/documents/${made[2].id}/recipients`, { recipients: ['000.00.02.H55'] });
  // An incoming document assigned with a due date three days ago: overdue.
  const late = await upload('vanthu', { direction: 'incoming', document_type: 'CV', subject: 'Danh sach den qua han' });
  const registered = await call('vanthu', 'POST', `/api/v1/documents/${late.id}/actions`, { action: 'register' }, { 'If-Match': '"1"' });
  await call('lanhdao', 'POST', `/api/v1/documents/${late.id}/actions`,
    { action: 'assign', lead_unit_id: 'ubnd-tinh-th', due_date: vietnamDay(-3) },
    { 'If-Match': `"${registered.document.revision}"` });
  hx.ok('documents made through the API');

  const page = await hx.newPage();
  await hx.login(page, 'lanhdao');
  const rows = async () => page.$$eval('[data-testid=list-row]', (trs) => trs.map((tr) => ({
    id: tr.dataset.id, subject: tr.querySelector('a').textContent,
    deadline: tr.querySelector('[data-testid=list-deadline]').textContent,
    counterparts: tr.querySelector('[data-testid=list-counterparts]').textContent,
    overdue: !!tr.querySelector('[data-testid=badge-overdue]'),
  })));
  const open = async (hash) => { await page.goto(`${base}/#${hash}`); await hx.settled(page, 'list'); };
  const apply = async () => {
    const before = await page.evaluate(() => location.hash);
    await page.click('[data-testid=list-apply]');
    await page.waitForFunction((old) => location.hash !== old, before);
    await hx.settled(page, 'list');
  };
  const api = async (query) => call('lanhdao', 'GET', `/api/v1/documents?box=outgoing&limit=100&${query}`);

  // Type: the form's select, into the URL; the rows are the API's.
  await open('/list/outgoing?q=Danh+sach');
  await page.selectOption('[data-testid=list-type]', 'QĐ');
  await apply();
  const decisions = await rows();
  const expectedDecisions = (await api('q=Danh+sach&type=Q%C4%90')).items.map((d) => d.id);
  check(decisions.length === 8 && JSON.stringify(decisions.map((r) => r.id)) === JSON.stringify(expectedDecisions),
    `type QĐ: ${decisions.length} rows, as the API lists`);
  check((await page.evaluate(() => location.hash)).includes('type=Q%C4%90'), 'the type is in the URL');
  await page.reload();
  await hx.settled(page, 'list');
  check(await page.inputValue('[data-testid=list-type]') === 'QĐ' && (await rows()).length === 8, 'a reload keeps the type filter');
  await page.selectOption('[data-testid=list-type]', '');
  await apply();
  check((await rows()).length === 7 && (await rows()).every((r) => /Danh sach (03|06|09|12|15|18|21)/.test(r.subject)),
    'type công văn (none): the seven without an abbreviation');

  // Dates: from tomorrow nothing; today to today all of them.
  await open('/list/outgoing?q=Danh+sach');
  await page.fill('[data-testid=list-from]', vietnamDay(1));
  await apply();
  check(await page.isVisible('[data-testid=list-empty]'), 'from tomorrow: no document');
  await page.fill('[data-testid=list-from]', vietnamDay(0));
  await page.fill('[data-testid=list-to]', vietnamDay(0));
  await apply();
  check((await page.textContent('[data-testid=list-page]')).includes('23'), 'from today to today: the 23 documents');

  // Counterpart: words of the recipient's name; the column shows the recipient.
  await open('/list/outgoing');
  await page.fill('[data-testid=list-counterpart]', 'Sở Tài chính');
  await apply();
  const toFinance = await rows();
  check(toFinance.length === 1 && toFinance[0].id === made[2].id && toFinance[0].counterparts.includes('Sở Tài chính tỉnh Thái Nguyên'),
    'counterpart: the document sent to Sở Tài chính, with its recipient shown');

  // Sort by the subject header: ascending, then descending; aria-sort says which.
  await open('/list/outgoing?q=Danh+sach');
  await page.click('[data-testid=sort-subject]');
  await hx.settled(page, 'list');
  await page.waitForFunction(() => location.hash.includes('sort=subject'));
  await hx.settled(page, 'list');
  const up = (await rows()).map((r) => r.subject);
  const sorted = [...up].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  check(up.length === 20 && up[0] === 'Danh sach 01' && JSON.stringify(up) === JSON.stringify(sorted), 'subject ascending');
  check(await page.getAttribute('th:has([data-testid=sort-subject])', 'aria-sort') === 'ascending', 'aria-sort ascending');
  await page.click('[data-testid=sort-subject]');
  await page.waitForFunction(() => location.hash.includes('sort=subject') && !location.hash.includes('order=asc'));
  await hx.settled(page, 'list');
  const down = (await rows()).map((r) => r.subject);
  check(down[0] === 'Danh sach 23' && down[19] === 'Danh sach 04', `subject descending (${down[0]} … ${down[19]})`);
  check(await page.getAttribute('th:has([data-testid=sort-subject])', 'aria-sort') === 'descending', 'aria-sort descending');

  // Paging in that order: page 2 holds the rest, nothing twice.
  await page.click('[data-testid=list-next]');
  await page.waitForFunction(() => location.hash.includes('page=2'));
  await hx.settled(page, 'list');
  const second = (await rows()).map((r) => r.subject);
  check(JSON.stringify(second) === JSON.stringify(['Danh sach 03', 'Danh sach 02', 'Danh sach 01']), `page 2: ${second.join(', ')}`);
  check(new Set([...down, ...second]).size === 23, 'the two pages hold the 23 documents once each');
  await page.goBack();
  await hx.settled(page, 'list');
  check(JSON.stringify((await rows()).map((r) => r.subject)) === JSON.stringify(down), 'back: page 1 again, same order');
  check(await page.inputValue('[data-testid=list-sort]') === 'subject' && await page.inputValue('[data-testid=list-order]') === 'desc',
    'the sort controls show the order of the URL');

  // The urgent one keeps its badge; the overdue incoming document shows its deadline and badge.
  const urgent = (await api('q=Danh+sach+02')).items[0];
  check(urgent.urgency === 'urgent', 'the API keeps the urgency');
  await open('/list/outgoing?q=Danh+sach+02');
  check(await page.isVisible(`[data-id="${made[1].id}"] [data-testid=badge-urgency]`), 'the urgency badge');
  await open('/list/incoming');
  const incoming = (await rows()).find((r) => r.id === late.id);
  const fromApi = (await call('lanhdao', 'GET', '/api/v1/documents?box=incoming&overdue=true')).items;
  check(!!incoming && incoming.overdue && incoming.deadline === vietnamDay(-3), `the overdue badge and deadline ${incoming && incoming.deadline}`);
  check(fromApi.length === 1 && fromApi[0].id === late.id && fromApi[0].overdue === true, 'the API says it is overdue');
  await page.check('[data-testid=list-overdue]');
  await apply();
  const overdueOnly = await rows();
  check(overdueOnly.length === 1 && overdueOnly[0].id === late.id, 'overdue only: that one');
  await open('/list/outgoing?overdue=true');
  check(await page.isVisible('[data-testid=list-empty]'), 'no outgoing document is overdue');
  await hx.shot(page, 'lists');

  // A link to the page already open loads it again: a document made meanwhile shows up.
  await open('/list/outgoing');
  const fresh = await upload('chuyenvien', { direction: 'outgoing', document_type: 'TB', subject: 'Thông báo vừa soạn' });
  check(!await page.isVisible(`[data-testid=list-row][data-id="${fresh.id}"]`), 'a document made meanwhile is not shown yet');
  await page.click('#nav a[href="#/list/outgoing"]');
  await page.waitForSelector(`[data-testid=list-row][data-id="${fresh.id}"]`, { timeout: 10_000 }).catch(() => {});
  check(await page.isVisible(`[data-testid=list-row][data-id="${fresh.id}"]`), 'the same link again lists it');
});
