// The new-draft form and the exchange to the commune in Debian's Chromium: the specialist picks
// two recipients (the commune UBND xã Đại Từ and Văn phòng Chính phủ) with the picker and adds an
// attachment; an oversized PDF (the server started with VANTHU_MAX_UPLOAD_MB=1) gets a clear
// message and the form stays filled; the server down gets a clear message, the form stays filled,
// and once the server is back on the same port the same press creates the draft with its
// recipients and attachment (each upload's progress bar seen); a session that expires mid-form
// ends at the login with its message and, logged in again, #/new gives back what was typed. The
// draft is then walked to issued through the API, delivered in process to the commune hosted on
// the same instance, and the commune's side is walked in the browser: the clerk finds it in the
// incoming list with its sender and two valid signatures and registers it, the chairman assigns
// it, the office's head notes progress and completes it; the province's clerk then sees the
// commune's statuses 03, 04, 05, 06 on the document page.
//
// Usage: node tests/web/draft.mjs BIN_DIR   (VANTHU_WEB_SCREENSHOTS=DIR also saves the screenshots)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { p12Password, password, run } from './harness.mjs';

const commune = '000.00.22.H55';   // UBND xã Đại Từ, hosted on the demo instance
const central = '000.00.00.G01';   // Văn phòng Chính phủ, pointed at an instance that is not up
const limits = { VANTHU_MAX_UPLOAD_MB: '1' };

// A PDF a little over 1 MiB that the server would otherwise accept (it starts with %PDF- and ends
// with startxref and %%EOF).
function bigPdf(file) {
  const padding = Buffer.alloc(1_300_000, 0x20);
  writeFileSync(file, Buffer.concat([Buffer.from('%PDF-1.4\n%'), padding, Buffer.from('\nstartxref\n0\n%%EOF\n')]));
}

await run(async (hx) => {
  const { data, tmp } = hx;
  const check = hx.check.bind(hx);
  const ok = hx.ok.bind(hx);
  const sample = (name) => path.join(data, 'samples', name);

  // ---- the API, for the server's state and the steps not under test here ----
  const tokens = {};
  const apiLogin = async (username) => {
    const response = await fetch(`${hx.base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
    tokens[username] = (await response.json()).token;
  };
  const apiGet = async (username, route) => {
    if (!tokens[username]) await apiLogin(username);
    const response = await fetch(`${hx.base}${route}`, { headers: { Authorization: `Bearer ${tokens[username]}` } });
    if (!response.ok) throw new Error(`GET ${route} as ${username}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const apiAct = async (username, id, body) => {
    const doc = await apiGet(username, `/api/v1/documents/${id}`);
    const response = await fetch(`${hx.base}/api/v1/documents/${id}/actions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens[username]}`, 'Content-Type': 'application/json', 'If-Match': `"${doc.revision}"` },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${body.action} as ${username}: ${response.status} ${JSON.stringify(answer)}`);
    return answer.document;
  };
  const relaunch = async (env, between = () => {}) => {
    const port = hx.port;
    await hx.stopServer();
    between();
    hx.env = env;
    await hx.launchServer(port);
    for (const name of Object.keys(tokens)) delete tokens[name];
  };

  const specialist = await hx.newPage();
  await hx.login(specialist, 'chuyenvien');
  // Every value a progress bar takes, as the page sets it.
  await specialist.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver((changes) => {
      for (const change of changes) {
        const bar = change.target;
        if (bar.tagName === 'PROGRESS') window.progressSeen.push([bar.dataset.testid, Number(bar.value)]);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
  await specialist.click('#nav a[href="#/new"]');
  await hx.settled(specialist, 'new');

  // The form: type, subject, urgency, and two recipients picked with the keyboard and the mouse.
  const subject = `Quyết định giao chỉ tiêu cho xã Đại Từ (kiểm thử dự thảo ${Date.now()})`;
  await specialist.selectOption('[data-testid=new-type]', 'QĐ');
  await specialist.fill('[data-testid=new-subject]', subject);
  await specialist.selectOption('[data-testid=new-urgency]', 'urgent');
  await specialist.selectOption('[data-testid=new-rcp-tier]', 'commune');
  await specialist.waitForSelector(`[data-testid=new-rcp-result][data-code="${commune}"]`);
  check(await specialist.locator('[data-testid=new-rcp-result][data-code="000.00.02.H55"]').count() === 0,
    'the tier filter leaves out a province agency');
  await specialist.fill('[data-testid=new-rcp-q]', 'Đại Từ');
  await specialist.press('[data-testid=new-rcp-q]', 'Enter');
  await specialist.waitForFunction(() => document.querySelectorAll('[data-testid=new-rcp-result]').length === 1);
  check(await specialist.locator('[data-testid=new-rcp-result]').count() === 1,
    'search by name in the commune tier: one agency (the dissolved district is not offered)');
  // Keyboard: from the search box, Tab reaches the result's Add button, Enter adds it.
  await specialist.focus('[data-testid=new-rcp-search]');
  await specialist.keyboard.press('Tab');
  check(await specialist.evaluate(() => document.activeElement.dataset.testid) === 'new-rcp-add', 'the Add button is reached with Tab');
  await specialist.keyboard.press('Enter');
  await specialist.waitForSelector(`[data-testid=new-rcp-chip][data-code="${commune}"]`);
  await specialist.selectOption('[data-testid=new-rcp-tier]', '');
  await specialist.fill('[data-testid=new-rcp-q]', '00.G01');
  await specialist.waitForSelector(`[data-testid=new-rcp-result][data-code="${central}"]`);
  check(await specialist.locator('[data-testid=new-rcp-result]').count() === 1, 'search by code: one agency');
  await specialist.click(`[data-testid=new-rcp-result][data-code="${central}"] [data-testid=new-rcp-add]`);
  await specialist.waitForSelector(`[data-testid=new-rcp-chip][data-code="${central}"]`);
  const communeChip = await specialist.textContent(`[data-testid=new-rcp-chip][data-code="${commune}"]`);
  check(communeChip.includes('Ủy ban nhân dân xã Đại Từ') && communeChip.includes(commune) && communeChip.includes('Cấp xã'),
    `the chip shows name, code and tier (${communeChip})`);
  // A third one added and removed again.
  await specialist.fill('[data-testid=new-rcp-q]', 'Nội vụ');
  await specialist.waitForSelector('[data-testid=new-rcp-result][data-code="000.00.03.H55"]');
  await specialist.click('[data-testid=new-rcp-result][data-code="000.00.03.H55"] [data-testid=new-rcp-add]');
  await specialist.waitForSelector('[data-testid=new-rcp-chip][data-code="000.00.03.H55"]');
  check(await specialist.isDisabled('[data-testid=new-rcp-result][data-code="000.00.03.H55"] [data-testid=new-rcp-add]'),
    'a chosen agency cannot be added twice');
  await specialist.click('[data-testid=new-rcp-chip][data-code="000.00.03.H55"] [data-testid=new-rcp-remove]');
  await specialist.waitForFunction(() => document.querySelectorAll('[data-testid=new-rcp-chip]').length === 2);
  ok('a recipient is removed with its chip\'s button');
  check(!await specialist.isDisabled('[data-testid=new-rcp-result][data-code="000.00.03.H55"] [data-testid=new-rcp-add]'),
    'once removed it may be added again');
  await specialist.fill('[data-testid=new-rcp-q]', '');
  // Within the agency: the records office and Phòng Tổng hợp, ticked (the second with the keyboard).
  await specialist.check('[data-testid=new-units-unit][data-unit="ubnd-tinh-vt"]');
  await specialist.focus('[data-testid=new-units-unit][data-unit="ubnd-tinh-th"]');
  await specialist.keyboard.press('Space');
  check(await specialist.isChecked('[data-testid=new-units-unit][data-unit="ubnd-tinh-th"]'), 'a unit is ticked with the keyboard');

  // An oversized PDF: a clear message, nothing created, the form as it was.
  const big = path.join(tmp, 'qua-lon.pdf');
  bigPdf(big);
  await specialist.setInputFiles('[data-testid=new-file]', big);
  await specialist.setInputFiles('[data-testid=new-attachments]', sample('ke-hoach.pdf'));
  await specialist.waitForSelector('[data-testid=new-attachment][data-name="ke-hoach.pdf"]');
  await hx.shot(specialist, 'new-draft-recipients');
  const before = (await apiGet('chuyenvien', '/api/v1/documents?box=outgoing')).total;
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForSelector('[data-testid=new-error] >> text=vượt quá giới hạn dung lượng');
  const tooLarge = await specialist.textContent('[data-testid=new-error]');
  check(tooLarge.includes('qua-lon.pdf') && tooLarge.includes('1 MiB'), `an oversized PDF: a clear message (${tooLarge})`);
  check((await apiGet('chuyenvien', '/api/v1/documents?box=outgoing')).total === before, 'an oversized PDF creates nothing');
  check(await specialist.inputValue('[data-testid=new-subject]') === subject, 'the subject is kept');
  check(await specialist.inputValue('[data-testid=new-urgency]') === 'urgent', 'the urgency is kept');
  check(await specialist.locator('[data-testid=new-rcp-chip]').count() === 2, 'the recipients are kept');
  check(await specialist.isChecked('[data-testid=new-units-unit][data-unit="ubnd-tinh-th"]'), 'the units are kept');
  check(await specialist.locator('[data-testid=new-attachment]').count() === 1, 'the attachment is kept');
  await specialist.click('#lang-en');
  await specialist.waitForSelector('[data-testid=new-form]');
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForSelector('[data-testid=new-error] >> text=over the server\'s upload limit');
  ok('the same message in English');
  check(await specialist.inputValue('[data-testid=new-subject]') === subject, 'the language switch keeps the form');
  await specialist.click('#lang-vi');
  await specialist.waitForSelector('#nav a:has-text("Chờ xử lý")');

  // A file that is not a PDF is refused in the page.
  const text = path.join(tmp, 'ghi-chu.txt');
  writeFileSync(text, 'không phải PDF');
  await specialist.setInputFiles('[data-testid=new-attachments]', text);
  await specialist.waitForSelector('[data-testid=new-error] >> text=không phải PDF');
  check(await specialist.locator('[data-testid=new-attachment]').count() === 1, 'a text file is not added as an attachment');

  // The server down: a clear message, the form kept; back on the same port, the same press works.
  await specialist.setInputFiles('[data-testid=new-file]', sample('quyet-dinh.pdf'));
  await hx.stopServer();
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForSelector('[data-testid=new-error] >> text=Không kết nối được máy chủ');
  ok('the server down: a clear message');
  check(await specialist.inputValue('[data-testid=new-subject]') === subject, 'the server down: the subject is kept');
  check(await specialist.locator('[data-testid=new-rcp-chip]').count() === 2, 'the server down: the recipients are kept');
  check(await specialist.locator('[data-testid=new-attachment]').count() === 1, 'the server down: the attachment is kept');
  await hx.launchServer(hx.port);
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForURL(/#\/doc\//);
  await hx.settled(specialist, 'doc');
  const id = decodeURIComponent(specialist.url().split('#/doc/')[1]);
  check(await hx.statusOf(specialist) === 'draft', `the draft ${id} is created once the server is back`);
  const seen = await specialist.evaluate(() => window.progressSeen);
  const reached = (name) => seen.filter(([which]) => which === name).map(([, value]) => value);
  check(reached('new-progress').includes(100), `the document's progress bar ran to 100 (${reached('new-progress').join(',')})`);
  check(reached('attachment-progress').includes(100), `the attachment's progress bar ran to 100 (${reached('attachment-progress').join(',')})`);
  const stored = await apiGet('chuyenvien', `/api/v1/documents/${id}/recipients`);
  check(JSON.stringify(stored.units.map((unit) => unit.id)) === JSON.stringify(['ubnd-tinh-vt', 'ubnd-tinh-th']),
    `the server has the two units, in the organisation's order (${stored.units.map((unit) => unit.id)})`);
  check(JSON.stringify(stored.recipients.map((item) => item.code)) === JSON.stringify([commune, central]),
    `the server has the two recipients in order (${stored.recipients.map((item) => item.code)})`);
  const attachments = (await apiGet('chuyenvien', `/api/v1/documents/${id}/attachments`)).items;
  check(attachments.length === 1 && attachments[0].name === 'ke-hoach.pdf', 'the server has the one attachment');
  const outgoing = await apiGet('chuyenvien', '/api/v1/documents?box=outgoing');
  check(outgoing.total === before + 1, 'one draft created in all (nothing twice)');
  const created = await apiGet('chuyenvien', `/api/v1/documents/${id}`);
  check(created.subject === subject && created.urgency === 'urgent' && created.document_type === 'QĐ', 'the draft\'s metadata as typed');

  // The document page: the recipients and the attachment.
  await specialist.waitForSelector('[data-testid=recipient-row]');
  check(await specialist.locator('[data-testid=recipient-row]').count() === 2, 'the document page lists the two recipients');
  const recipientText = await specialist.textContent(`[data-testid=recipient-row][data-code="${commune}"]`);
  check(recipientText.includes('Ủy ban nhân dân xã Đại Từ') && recipientText.includes('Cấp xã'), 'with name and tier');
  await specialist.waitForSelector('[data-testid=attachment-row]');
  const download = specialist.waitForEvent('download');
  await specialist.click('[data-testid=attachment-download-1]');
  const saved = path.join(tmp, 'attachment.pdf');
  await (await download).saveAs(saved);
  check(readFileSync(saved).equals(readFileSync(sample('ke-hoach.pdf'))), 'the attachment downloads byte for byte');
  // The drafter edits the recipients on the page: remove Văn phòng Chính phủ, save; then put it back.
  // The page's reload after the save is held until the test has pressed "edit" again (or 2 s have
  // passed), so a card that showed its buttons before the reload would lose the editor opened
  // there; the card must show nothing to press until the page is rendered again.
  const documentRoute = `${hx.base}/api/v1/documents/${encodeURIComponent(id)}`;
  let editPressed = () => {};
  const pressed = new Promise((resolve) => { editPressed = resolve; });
  const holdReload = async (route) => {
    await Promise.race([pressed, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await route.continue().catch(() => {});  // the page may have gone on without it
  };
  await specialist.route(documentRoute, holdReload);
  await specialist.click('[data-testid=recipients-edit]');
  await specialist.waitForSelector(`[data-testid=doc-rcp-chip][data-code="${central}"]`);
  await specialist.click(`[data-testid=doc-rcp-chip][data-code="${central}"] [data-testid=doc-rcp-remove]`);
  await specialist.waitForSelector('[data-testid=doc-units-unit][data-unit="ubnd-tinh-vt"]');
  await specialist.uncheck('[data-testid=doc-units-unit][data-unit="ubnd-tinh-vt"]');
  await specialist.click('[data-testid=recipients-save]');
  await specialist.waitForFunction(() => document.querySelectorAll('[data-testid=recipient-row]').length === 1);
  const afterEdit = await apiGet('chuyenvien', `/api/v1/documents/${id}/recipients`);
  check(afterEdit.recipients.length === 1, 'the page saved one recipient');
  check(JSON.stringify(afterEdit.units.map((unit) => unit.id)) === JSON.stringify(['ubnd-tinh-th']), 'and one unit');
  check((await specialist.textContent('[data-testid=recipient-units]')).includes('Phòng Tổng hợp'), 'the page lists the unit');
  await specialist.click('[data-testid=recipients-edit]');
  editPressed();
  await hx.settled(specialist, 'doc');
  check(await specialist.locator('[data-testid=doc-rcp-q]').count() === 1,
    'an editor opened right after a save is still there once the page is rendered again');
  await specialist.fill('[data-testid=doc-rcp-q]', 'Chính phủ');
  await specialist.click(`[data-testid=doc-rcp-result][data-code="${central}"] [data-testid=doc-rcp-add]`);
  await specialist.click('[data-testid=recipients-save]');
  await specialist.waitForFunction(() => document.querySelectorAll('[data-testid=recipient-row]').length === 2);
  check((await apiGet('chuyenvien', `/api/v1/documents/${id}/recipients`)).recipients.length === 2, 'and two again');
  await specialist.unroute(documentRoute, holdReload);

  // The form was cleared once the draft was created.
  await specialist.click('#nav a[href="#/new"]');
  await hx.settled(specialist, 'new');
  check(await specialist.inputValue('[data-testid=new-subject]') === '' &&
    await specialist.locator('[data-testid=new-rcp-chip]').count() === 0 &&
    await specialist.locator('[data-testid=new-restored]').count() === 0, 'a new form after the draft is empty');

  // A step that fails after the draft was created (an oversized attachment): it says which, the
  // draft is not created again, and the retry does only what is left.
  const stepSubject = `Thông báo lịch họp (kiểm thử bước ${Date.now()})`;
  await specialist.fill('[data-testid=new-subject]', stepSubject);
  await specialist.fill('[data-testid=new-rcp-q]', 'Đại Từ');
  await specialist.click(`[data-testid=new-rcp-result][data-code="${commune}"] [data-testid=new-rcp-add]`);
  await specialist.setInputFiles('[data-testid=new-file]', sample('cong-van.pdf'));
  await specialist.setInputFiles('[data-testid=new-attachments]', [big, sample('ke-hoach.pdf')]);
  await specialist.waitForFunction(() => document.querySelectorAll('[data-testid=new-attachment]').length === 2);
  const beforeStep = (await apiGet('chuyenvien', '/api/v1/documents?box=outgoing')).total;
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForSelector('[data-testid=new-created-link]');
  const stepError = await specialist.textContent('[data-testid=new-error]');
  check(stepError.includes('Tải lên tệp đính kèm qua-lon.pdf') && stepError.includes('vượt quá giới hạn'),
    `an oversized attachment: the step and the reason (${stepError})`);
  const stepId = decodeURIComponent((await specialist.getAttribute('[data-testid=new-created-link]', 'href')).split('#/doc/')[1]);
  check(await specialist.isDisabled('[data-testid=new-subject]'), 'the created draft\'s metadata is no longer editable in the form');
  check((await apiGet('chuyenvien', `/api/v1/documents/${stepId}/recipients`)).recipients.length === 1, 'its recipient was saved');
  await specialist.click('[data-testid=new-attachment][data-name="qua-lon.pdf"] [data-testid=new-attachment-remove]');
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForURL(/#\/doc\//);
  await hx.settled(specialist, 'doc');
  check(decodeURIComponent(specialist.url().split('#/doc/')[1]) === stepId, 'the retry finishes the same draft');
  check((await apiGet('chuyenvien', '/api/v1/documents?box=outgoing')).total === beforeStep + 1, 'created once');
  const stepAttachments = (await apiGet('chuyenvien', `/api/v1/documents/${stepId}/attachments`)).items;
  check(stepAttachments.length === 1 && stepAttachments[0].name === 'ke-hoach.pdf', 'with the one attachment left to upload');
  check((await apiGet('chuyenvien', `/api/v1/documents/${stepId}/recipients`)).recipients.length === 1, 'and its recipient once');

  // A session that expires mid-form: access tokens of 2 s, sessions of 5 s.
  await relaunch({ ...limits, VANTHU_AUTH_TOKEN_TTL: '2s', VANTHU_AUTH_REFRESH_TTL: '5s' });
  const late = await hx.newPage();
  await hx.login(late, 'chuyenvien');
  await late.click('#nav a[href="#/new"]');
  await hx.settled(late, 'new');
  const lateSubject = `Báo cáo tình hình (phiên hết hạn ${Date.now()})`;
  await late.fill('[data-testid=new-subject]', lateSubject);
  await late.selectOption('[data-testid=new-confidentiality]', 'confidential');
  await late.fill('[data-testid=new-rcp-q]', 'Đại Từ');
  await late.click(`[data-testid=new-rcp-result][data-code="${commune}"] [data-testid=new-rcp-add]`);
  await late.waitForSelector(`[data-testid=new-rcp-chip][data-code="${commune}"]`);
  await late.setInputFiles('[data-testid=new-file]', sample('cong-van.pdf'));
  await late.waitForTimeout(6500);
  await late.click('[data-testid=new-submit]');
  await late.waitForSelector('[data-testid=login-form]');
  check((await late.textContent('#flash')).includes('Phiên làm việc đã hết hạn'), 'the session ended: the login says so');
  await late.fill('[data-testid=login-username]', 'chuyenvien');
  await late.fill('[data-testid=login-password]', password);
  await late.click('[data-testid=login-submit]');
  await hx.settled(late, 'dashboard');
  await late.click('#nav a[href="#/new"]');
  await hx.settled(late, 'new');
  check(await late.locator('[data-testid=new-restored]').count() === 1, 'logged in again: the form says it was restored');
  check(await late.inputValue('[data-testid=new-subject]') === lateSubject, 'the subject is back');
  check(await late.inputValue('[data-testid=new-confidentiality]') === 'confidential', 'the confidentiality is back');
  check(await late.locator(`[data-testid=new-rcp-chip][data-code="${commune}"]`).count() === 1, 'the recipient is back');
  check((await late.textContent('[data-testid=new-file-kept]')).includes('cong-van.pdf'), 'the chosen file is still there');
  await late.click('[data-testid=new-submit]');
  await late.waitForURL(/#\/doc\//);
  await hx.settled(late, 'doc');
  const lateId = decodeURIComponent(late.url().split('#/doc/')[1]);
  const lateDoc = await apiGet('chuyenvien', `/api/v1/documents/${lateId}`);
  check(lateDoc.subject === lateSubject && lateDoc.confidentiality === 'confidential', 'and the restored form creates the draft');
  await late.close();
  // Văn phòng Chính phủ is another instance (here one that does not answer); the commune is hosted
  // on this one and is delivered to in process.
  await relaunch(limits, () => execFileSync(path.join(hx.bin, 'vanthu'),
    ['exchange', 'peer', '--code', central, '--endpoint', 'http://127.0.0.1:9', '--data', data], { stdio: 'inherit' }));

  // Issued through the API: the commune, hosted on this instance, receives it in process.
  await apiAct('chuyenvien', id, { action: 'submit' });
  await apiAct('truongphong', id, { action: 'approve' });
  await apiAct('chanhvanphong', id, { action: 'approve' });
  await apiAct('lanhdao', id, { action: 'sign', key_id: 'key-lanhdao', password: p12Password });
  const issued = await apiAct('vanthu', id, { action: 'issue', key_id: 'key-ubnd-tinh', password: p12Password });
  check(issued.status === 'issued', `issued as ${issued.notation}`);
  let incomingId = '';
  for (let i = 0; i < 60 && !incomingId; i++) {
    const list = await apiGet('vanthu.daitu', `/api/v1/documents?box=incoming&q=${encodeURIComponent('kiểm thử dự thảo')}`);
    if (list.items.length) incomingId = list.items[0].id;
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  check(!!incomingId, `the commune received it (${incomingId})`);

  // The commune's clerk in the browser: the incoming list, the sender, two valid signatures.
  const clerk = await hx.newPage();
  await hx.login(clerk, 'vanthu.daitu');
  await clerk.click('#nav a[href="#/list/incoming"]');
  await hx.settled(clerk, 'list');
  check(await clerk.locator(`[data-testid=list-row][data-id="${incomingId}"]`).count() === 1, 'the commune\'s incoming list shows it');
  await clerk.click(`[data-testid=list-row][data-id="${incomingId}"] a`);
  await hx.settled(clerk, 'doc');
  check(await hx.statusOf(clerk) === 'received', 'received');
  const sender = await clerk.textContent('[data-testid=exchange-none]');
  check(sender.includes('Ủy ban nhân dân tỉnh Thái Nguyên') && sender.includes('000.00.00.H55'), `the sender (${sender})`);
  await clerk.waitForSelector('[data-testid=doc-signatures] [data-testid=report-verdict]');
  check(await clerk.locator('[data-testid=doc-recipients]').count() === 0, 'an incoming document has no recipients card');
  await clerk.waitForSelector('[data-testid=attachment-row]');
  check(await clerk.locator('[data-testid=attachment-row]').count() === 1 &&
    await clerk.locator('[data-testid=doc-attachment-file]').count() === 0, 'the attachment arrived with it (download only)');
  check(await clerk.getAttribute('[data-testid=doc-signatures] [data-testid=report-verdict]', 'data-verdict') === 'TOTAL_PASSED' &&
    await clerk.locator('[data-testid=doc-signatures] [data-testid=signature-row][data-indication=TOTAL_PASSED]').count() === 2,
  'both signatures TOTAL_PASSED on the commune\'s page');
  await hx.actAndWait(clerk, 'register', {}, 'registered');
  await clerk.waitForSelector('[data-testid=doc-signatures] [data-testid=report-verdict]');
  await hx.shot(clerk, 'incoming-commune');

  // The chairman assigns it to the office; the office's head notes progress and completes it.
  const chairman = await hx.newPage();
  await hx.login(chairman, 'chutich.daitu');
  await hx.openDocument(chairman, incomingId);
  await chairman.click('[data-testid=action-assign]');
  await chairman.waitForSelector('[data-testid=action-dialog]');
  await chairman.selectOption('[data-testid=field-lead_unit_id]', 'dt-vp');
  await chairman.fill('[data-testid=field-instruction]', 'Văn phòng chủ trì triển khai');
  await chairman.click('[data-testid=dialog-confirm]');
  await chairman.waitForSelector('[data-testid=doc-title] [data-status="assigned"]');
  ok('assign -> assigned');
  const office = await hx.newPage();
  await hx.login(office, 'chanhvp.daitu');
  await hx.openDocument(office, incomingId);
  await hx.actAndWait(office, 'note', { text: 'Đang triển khai' }, 'in_progress');
  await hx.actAndWait(office, 'complete', { result: 'Đã giao chỉ tiêu cho các thôn' }, 'completed');

  // The province's clerk: the commune's statuses on the document page, by recipient.
  const province = await hx.newPage();
  await hx.login(province, 'vanthu');
  let statuses = [];
  for (let i = 0; i < 30; i++) {
    await hx.openDocument(province, id);
    statuses = await province.locator(`[data-testid=exchange-recipient][data-code="${commune}"] [data-testid=exchange-event]`)
      .evaluateAll((rows) => rows.map((row) => row.dataset.status));
    if (statuses.includes('06')) break;
    await province.waitForTimeout(1000);
  }
  check(['01', '03', '04', '05', '06'].every((code) => statuses.includes(code)),
    `the commune's statuses on the province's page (${statuses.join(', ')})`);
  check(await province.getAttribute(`[data-testid=exchange-recipient][data-code="${commune}"]`, 'data-status') === '06',
    'the commune\'s last status is 06 (completed)');
  check((await province.textContent(`[data-testid=exchange-recipient][data-code="${commune}"]`)).includes('Đã giao chỉ tiêu cho các thôn'),
    'with the commune\'s result');
  check(await province.locator(`[data-testid=exchange-recipient][data-code="${central}"]`).count() === 1,
    'the other recipient has its own line');
  const tracked = await apiGet('vanthu', `/api/v1/documents/${id}/exchange`);
  const communeLine = tracked.recipients.find((item) => item.code === commune);
  check(communeLine && communeLine.status === '06', 'the server\'s tracking agrees (06)');
}, { env: limits });
