// The document page's actions and timeline in Debian's Chromium: each role sees exactly the
// buttons the API lists for it (allowed_actions, a delegate included); a return names the level
// it goes back to; a delegated approval shows "for" whom; the incoming flow through the page with
// the leader assigning lead and supporting units and a due date, the unit head choosing the
// specialist by name, the specialist completing; the timeline and the audit trail show names; an
// action confirmed while the server is down says so and keeps the comment, and works once the
// server is back. Outcomes are checked through the API.
//
// Usage: node tests/web/actions.mjs BIN_DIR
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { p12Password, password, run } from './harness.mjs';

await run(async (hx) => {
  const check = hx.check.bind(hx);
  const pdf = readFileSync(path.join(hx.data, 'samples/quyet-dinh.pdf'));

  // ---- the API, as each user ----
  const tokens = new Map();
  async function token(username) {
    if (!tokens.has(username)) {
      const response = await fetch(`${hx.base}/api/v1/auth/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
      });
      if (response.status !== 200) throw new Error(`login ${username}: ${response.status}`);
      tokens.set(username, (await response.json()).token);
    }
    return tokens.get(username);
  }
  async function call(username, method, target, body, headers = {}) {
    const response = await fetch(`${hx.base}${target}`, {
      method,
      headers: { Authorization: `Bearer ${await token(username)}`, ...(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    if (response.status >= 300) throw new Error(`${username} ${method} ${target}: ${response.status} ${text}`);
    return json;
  }
  const documentOf = (username, id) => call(username, 'GET', `/api/v1/documents/${id}`);
  async function create(username, subject, direction, extra = {}) {
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify({ direction, subject, document_type: 'QĐ', ...extra })], { type: 'application/json' }));
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'quyet-dinh.pdf');
    return (await call(username, 'POST', '/api/v1/documents', form)).id;
  }
  async function actApi(username, id, body) {
    const doc = await documentOf(username, id);
    return call(username, 'POST', `/api/v1/documents/${id}/actions`, body, { 'If-Match': `"${doc.revision}"` });
  }
  const lastAct = async (id) => { const acts = (await call('admin', 'GET', `/api/v1/documents/${id}/acts`)).items; return acts[acts.length - 1]; };

  // ---- the browser ----
  const pages = new Map();
  async function pageOf(username) {
    if (!pages.has(username)) {
      const page = await hx.newPage();
      await hx.login(page, username);
      pages.set(username, page);
    }
    return pages.get(username);
  }
  async function open(username, id) {
    const page = await pageOf(username);
    if (page.url().endsWith(`#/doc/${id}`)) {
      // The same address again is no navigation: reload to read the document afresh.
      await page.reload();
      await hx.settled(page, 'doc');
    } else await hx.openDocument(page, id);
    return page;
  }
  const buttons = (page) => page.$$eval('[data-testid=doc-actions] button[data-testid^="action-"]',
    (elements) => elements.map((element) => element.dataset.testid.slice('action-'.length)));
  const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  async function buttonsMatch(username, id, expected) {
    const page = await open(username, id);
    const shown = await buttons(page);
    const listed = (await documentOf(username, id)).allowed_actions;
    check(same(shown, listed) && same(shown, expected),
      `${username} sees exactly the buttons the API lists: [${shown}] = [${listed}] = [${expected}]`);
    return page;
  }

  // An outgoing draft at the department head; the head lends his review to the clerk.
  const outgoing = await create('chuyenvien', `Quyết định kiểm thử các thao tác ${Date.now()}`, 'outgoing');
  await buttonsMatch('chuyenvien', outgoing, ['submit', 'withdraw']);
  await actApi('chuyenvien', outgoing, { action: 'submit' });
  await call('truongphong', 'POST', '/api/v1/delegations', {
    to_user_id: 'user-vanthu', scope: 'approve', starts_at: '2020-01-01T00:00:00Z', ends_at: '2036-01-01T00:00:00Z', reason: 'Nghỉ phép',
  });
  await buttonsMatch('truongphong', outgoing, ['approve', 'return', 'reject']);
  await buttonsMatch('chuyenvien', outgoing, []);
  await buttonsMatch('lanhdao', outgoing, []);
  const delegate = await buttonsMatch('vanthu', outgoing, ['approve', 'return', 'reject']);

  // The clerk approves for the department head: the timeline says for whom.
  await hx.actAndWait(delegate, 'approve', { comment: 'Duyệt thay trưởng phòng' }, 'review');
  const delegated = delegate.locator('[data-testid=act][data-action=approve]').last();
  check((await delegated.locator('[data-testid=act-actor]').textContent()) === 'Hoàng Thị Mai', 'the delegated act names who acted');
  check((await delegated.locator('[data-testid=act-for]').textContent()).includes('Trần Văn Bình'), 'and for whom');
  check((await delegated.locator('[data-testid=act-levels]').textContent()).includes('2 → 3'), 'and the levels');
  check((await delegated.locator('[data-testid=act-comment]').textContent()).includes('Duyệt thay trưởng phòng'), 'and the comment');
  const delegatedApi = await lastAct(outgoing);
  check(delegatedApi.actor_id === 'user-vanthu' && delegatedApi.on_behalf_of === 'user-truongphong', 'the API recorded the delegated approval');

  // The office chief returns it to the department head (level 2), not to the drafter.
  const chief = await buttonsMatch('chanhvanphong', outgoing, ['approve', 'return', 'reject']);
  await chief.click('[data-testid=action-return]');
  await chief.waitForSelector('[data-testid=action-dialog]');
  const levels = await chief.$$eval('[data-testid=field-to_level] option', (options) => options.map((option) => option.value));
  check(same(levels, ['1', '2']), `the return offers levels 1 and 2 (${levels})`);
  await chief.selectOption('[data-testid=field-to_level]', '2');
  await chief.fill('[data-testid=field-comment]', 'Bổ sung căn cứ pháp lý');
  await chief.click('[data-testid=dialog-confirm]');
  await chief.waitForSelector('[data-testid=act][data-action=return]');
  const returned = await lastAct(outgoing);
  check(returned.action === 'return' && returned.from_level === 3 && returned.to_level === 2 && returned.comment === 'Bổ sung căn cứ pháp lý',
    'the return went to level 2 with its reason');
  const head = await buttonsMatch('truongphong', outgoing, ['approve', 'return', 'reject']);
  await hx.actAndWait(head, 'approve', { comment: 'Đã bổ sung' }, 'review');

  // The server goes down while the office chief's approval dialog is open.
  const again = await open('chanhvanphong', outgoing);
  await again.click('[data-testid=action-approve]');
  await again.waitForSelector('[data-testid=action-dialog]');
  await again.fill('[data-testid=field-comment]', 'Đúng thể thức, trình ký');
  await hx.stopServer();
  await again.click('[data-testid=dialog-confirm]');
  await again.waitForSelector('[data-testid=dialog-error]:has-text("Không kết nối được máy chủ")');
  hx.ok('a server that is down: a clear message');
  check(await again.inputValue('[data-testid=field-comment]') === 'Đúng thể thức, trình ký', 'the comment is kept');
  await hx.launchServer(hx.port);
  await again.click('[data-testid=dialog-confirm]');
  await again.waitForSelector('[data-testid=doc-title] [data-status="signing"]');
  await hx.settled(again, 'doc');
  const approved = await lastAct(outgoing);
  check(approved.action === 'approve' && approved.actor_id === 'user-chanhvanphong' && approved.comment === 'Đúng thể thức, trình ký',
    'once the server is back the approval goes through, with the comment');
  await buttonsMatch('lanhdao', outgoing, ['sign', 'return', 'reject']);
  await buttonsMatch('chanhvanphong', outgoing, []);

  // ---- an approval recorded as a signature: the department head's level asks for his key ----
  await call('admin', 'PUT', '/api/v1/templates/tinh-approval-signed', {
    name: 'Duyệt có chữ ký phê duyệt', direction: 'outgoing', levels: [
      { number: 1, name: 'Soạn thảo', role: 'specialist', action: 'draft' },
      { number: 2, name: 'Trưởng phòng duyệt', role: 'department_head', action: 'review', approval_signature: true },
      { number: 3, name: 'Lãnh đạo ký', role: 'leader', action: 'sign' },
      { number: 4, name: 'Văn thư phát hành', role: 'clerk', action: 'issue' }],
  });
  const signedApproval = await create('chuyenvien', `Quyết định có chữ ký phê duyệt ${Date.now()}`, 'outgoing',
    { template_id: 'tinh-approval-signed' });
  await actApi('chuyenvien', signedApproval, { action: 'submit' });
  check((await documentOf('truongphong', signedApproval)).action_hints.approve.approval_signature === true,
    'the API says this level needs an approval signature');
  const approver = await open('truongphong', signedApproval);
  await approver.click('[data-testid=action-approve]');
  await approver.waitForSelector('[data-testid=action-dialog] [data-testid=approval-signature-note]');
  check(await approver.inputValue('[data-testid=field-key_id]') === 'key-truongphong', 'the approval dialog offers his key');
  await approver.fill('[data-testid=field-password]', 'not-the-password');
  await approver.fill('[data-testid=field-comment]', 'Đồng ý, ký phê duyệt');
  await approver.click('[data-testid=dialog-confirm]');
  await approver.waitForSelector('[data-testid=dialog-error]:has-text("Mật khẩu khóa ký không đúng")');
  check(await approver.inputValue('[data-testid=field-comment]') === 'Đồng ý, ký phê duyệt', 'a wrong key password: a clear message, the comment kept');
  await approver.fill('[data-testid=field-password]', p12Password);
  await approver.click('[data-testid=dialog-confirm]');
  await approver.waitForSelector('[data-testid=act][data-action=approve]');
  await hx.settled(approver, 'doc');
  const versions = (await call('truongphong', 'GET', `/api/v1/documents/${signedApproval}/versions`)).items;
  const approval = versions[versions.length - 1];
  check(versions.length === 2 && approval.kind === 'approval' && approval.actor === 'user-truongphong',
    `the approval signature is a new version of the PDF (${versions.map((version) => version.kind)})`);
  const signedAct = await lastAct(signedApproval);
  check(signedAct.action === 'approve' && signedAct.to_level === 3 && signedAct.comment === 'Đồng ý, ký phê duyệt', 'the approval moved it to level 3');
  const report = await (await fetch(`${hx.base}/api/v1/verify`, { method: 'POST', headers: { 'Content-Type': 'application/pdf' },
    body: await (await fetch(`${hx.base}/api/v1/documents/${signedApproval}/versions/2/content`,
      { headers: { Authorization: `Bearer ${await token('truongphong')}` } })).arrayBuffer() })).json();
  check((report.signatures || []).length === 1, `the new version carries one signature (${(report.signatures || []).length})`);

  // ---- incoming: the leader assigns, the unit head picks the specialist, who completes ----
  const incoming = await create('vanthu', `Công văn đến kiểm thử phân công ${Date.now()}`, 'incoming');
  const clerk = await buttonsMatch('vanthu', incoming, ['register', 'refuse']);
  await hx.actAndWait(clerk, 'register', {}, 'registered');
  await buttonsMatch('truongphong', incoming, []);
  const leader = await buttonsMatch('lanhdao', incoming, ['assign']);
  await leader.click('[data-testid=action-assign]');
  await leader.waitForSelector('[data-testid=action-dialog]');
  await leader.selectOption('[data-testid=field-lead_unit_id]', 'ubnd-tinh-th');
  await leader.check('[data-testid=field-supporting-ubnd-tinh-kt]');
  await leader.fill('[data-testid=field-due_date]', '2036-03-15');
  await leader.fill('[data-testid=field-instruction]', 'Phòng Tổng hợp chủ trì, Phòng Kinh tế phối hợp');
  await leader.click('[data-testid=dialog-confirm]');
  await leader.waitForSelector('[data-testid=doc-title] [data-status="assigned"]');
  await hx.settled(leader, 'doc');
  const assigned = await call('lanhdao', 'GET', `/api/v1/documents/${incoming}/incoming`);
  check(assigned.lead_unit_id === 'ubnd-tinh-th' && same(assigned.supporting_unit_ids, ['ubnd-tinh-kt']) &&
    assigned.due_date === '2036-03-15' && assigned.instruction === 'Phòng Tổng hợp chủ trì, Phòng Kinh tế phối hợp',
    'the assignment: lead and supporting units, due date, instruction');

  const unitHead = await buttonsMatch('truongphong', incoming, ['assign_specialist', 'note']);
  await buttonsMatch('chuyenvien', incoming, []);
  await unitHead.click('[data-testid=action-assign_specialist]');
  await unitHead.waitForSelector('[data-testid=action-dialog]');
  const names = await unitHead.$$eval('[data-testid=field-specialist_id] option', (options) => options.map((option) => option.textContent));
  check(names.some((name) => name.startsWith('Nguyễn Thị Lan')) && !names.some((name) => name.includes('Phạm Quốc Hùng')),
    `the unit head chooses among the unit's people by name (${names.join('; ')})`);
  await unitHead.selectOption('[data-testid=field-specialist_id]', { label: names.find((name) => name.startsWith('Nguyễn Thị Lan')) });
  await unitHead.click('[data-testid=dialog-confirm]');
  await unitHead.waitForSelector('[data-testid=doc-title] [data-status="in_progress"]');
  await hx.settled(unitHead, 'doc');
  check((await call('truongphong', 'GET', `/api/v1/documents/${incoming}/incoming`)).specialist_id === 'user-chuyenvien',
    'the specialist chosen by name is the one recorded');

  const specialist = await buttonsMatch('chuyenvien', incoming, ['note', 'complete']);
  await hx.actAndWait(specialist, 'complete', { result: 'Đã tham mưu văn bản trả lời' }, 'completed');
  const done = await call('chuyenvien', 'GET', `/api/v1/documents/${incoming}/incoming`);
  check(done.status === 'completed' && done.result === 'Đã tham mưu văn bản trả lời', 'the specialist completed it');
  await buttonsMatch('chuyenvien', incoming, []);

  // The timeline and the audit trail name people, not ids.
  const actors = await specialist.$$eval('[data-testid=act] [data-testid=act-actor]', (elements) => elements.map((element) => element.textContent));
  check(same(actors, ['Hoàng Thị Mai', 'Hoàng Thị Mai', 'Phạm Quốc Hùng', 'Trần Văn Bình', 'Nguyễn Thị Lan']),
    `the timeline names who acted (${actors.join(', ')})`);
  check(!actors.some((name) => name.startsWith('user-')), 'no user id in the timeline');
  const auditors = await specialist.$$eval('[data-testid=audit-actor]', (elements) => elements.map((element) => element.textContent));
  check(auditors.includes('Trần Văn Bình') && auditors.includes('Nguyễn Thị Lan') && !auditors.some((name) => name.startsWith('user-')),
    `the audit trail names who acted (${auditors.join(', ')})`);
  await hx.shot(specialist, 'incoming-timeline');
});
