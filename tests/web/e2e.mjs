// The web workplace end to end in Debian's Chromium (headless), driven by playwright-core:
// a fresh demo data directory and vanthu-server on a free port; every role logs in through the
// page and the outgoing flow is walked through the UI (new draft with a PDF upload, submit,
// two approvals, the leader's signature with the box placed by dragging it on the page (its
// /Rect in the signed PDF read back with qpdf), the clerk's issue); the document page then shows the
// issued state and two valid signatures. A stale approval from a second page gets a clear
// message and keeps what was typed; the verify page (no login) judges the issued PDF valid and
// an attacked one not, and gives the report as JSON. No request leaves the server's origin.
//
// Usage: node tests/web/e2e.mjs BIN_DIR   (VANTHU_WEB_SCREENSHOTS=DIR also saves the screenshots)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { p12Password, run, source } from './harness.mjs';
import { latestVersion, pageBoxes, signatureWidgets } from './signtools.mjs';

// What the server serves of web/, and what it does not.
async function checkServing(base, check) {
  const home = await fetch(`${base}/`);
  check(home.status === 200 && home.headers.get('content-type').startsWith('text/html'), 'GET / is the page');
  const app = await fetch(`${base}/web/app.js`);
  check(app.status === 200 && app.headers.get('content-type').startsWith('text/javascript'), '/web/app.js is JavaScript');
  check(app.headers.get('cache-control') === 'no-cache' && !!app.headers.get('etag'), 'the app revalidates by ETag');
  const again = await fetch(`${base}/web/app.js`, { headers: { 'If-None-Match': app.headers.get('etag') } });
  check(again.status === 304, 'an unchanged file is 304');
  const css = await fetch(`${base}/web/app.css`);
  check(css.status === 200 && css.headers.get('content-type').startsWith('text/css'), '/web/app.css is CSS');
  const pdfjs = await fetch(`${base}/web/pdfjs/pdf.worker.min.mjs`);
  check(pdfjs.status === 200 && pdfjs.headers.get('content-type').startsWith('text/javascript') &&
    pdfjs.headers.get('cache-control').startsWith('public'), 'pdf.js is served locally');
  for (const target of ['/web/package.json.bak', '/web/..%2FREADME.md', '/web/%2e%2e%2fREADME.md', '/web/.gitignore',
    '/web/node_modules', '/web/pdfjs/package.json', '/web/pdfjs/..%2F..%2Fpackage.json', '/web/pdfjs/pdf.mjs.map',
    '/web/a/b/c.js', '/web/App.js']) {
    const response = await fetch(`${base}${target}`);
    check(response.status === 404, `${target} is not served (${response.status})`);
  }
}

// The leader signs in the signing dialog with a box placed by hand: the PKCS#12 key and its
// password, "place it myself", a drag of the box on the rendered page 1 with the mouse, a
// keyboard nudge (Shift+ArrowRight: 20 pt), the preview checked, then sign. Resolves with the
// rectangle the box shows on the page, in PDF points from the bottom left, as measured here from
// the canvas (its size against the page's MediaBox), not as the dialog reports it.
async function signWithPlacedBox(hx, page) {
  await page.click('[data-testid=action-sign]');
  await page.waitForSelector('[data-testid=action-dialog][data-action=sign]');
  await page.check('[data-testid=sign-key-key-lanhdao]');
  hx.check(await page.isVisible('[data-testid=field-password]'), 'sign: a PKCS#12 key asks for its password');
  await page.fill('[data-testid=field-password]', p12Password);
  await page.check('[data-testid=sign-placement-manual]');
  await page.waitForSelector('[data-testid=sign-stage][data-ready=true]');
  const stage = page.locator('[data-testid=sign-stage]');
  await stage.scrollIntoViewIfNeeded();
  const canvas = await page.locator('[data-testid=sign-canvas]').boundingBox();
  const before = await page.locator('[data-testid=sign-box]').boundingBox();
  // Grab the box in its middle and drop its top left corner at 10% from the page's left and
  // 55% from its top.
  const target = { x: canvas.x + canvas.width * 0.1, y: canvas.y + canvas.height * 0.55 };
  const grab = { x: before.x + before.width / 2, y: before.y + before.height / 2 };
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(grab.x + (target.x - before.x) / 2, grab.y + (target.y - before.y) / 2, { steps: 5 });
  await page.mouse.move(grab.x + (target.x - before.x), grab.y + (target.y - before.y), { steps: 5 });
  await page.mouse.up();
  const dragged = await page.locator('[data-testid=sign-box]').boundingBox();
  hx.check(Math.abs(dragged.x - target.x) < 1.5 && Math.abs(dragged.y - target.y) < 1.5,
    `sign: the box follows the mouse (${dragged.x.toFixed(1)},${dragged.y.toFixed(1)} for ${target.x.toFixed(1)},${target.y.toFixed(1)})`);
  const readX = async () => Number(await page.getAttribute('[data-testid=sign-rect]', 'data-x'));
  const xBefore = await readX();
  await page.focus('[data-testid=sign-box]');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('ArrowUp');
  const xAfter = await readX();
  hx.check(Math.abs(xAfter - xBefore - 20) < 0.01, `sign: Shift+ArrowRight moves the box 20 pt (${xBefore} -> ${xAfter})`);
  const readWidth = async () => Number(await page.getAttribute('[data-testid=sign-rect]', 'data-width'));
  const widthBefore = await readWidth();
  await page.focus('[data-testid=sign-handle]');
  await page.keyboard.press('ArrowRight');
  hx.check(Math.abs(await readWidth() - widthBefore - 5) < 0.01, `sign: ArrowRight on the handle widens the box by 5 pt (${widthBefore})`);
  const preview = await page.textContent('[data-testid=sign-preview]');
  hx.check(preview.includes('CHỦ TỊCH') && preview.includes('Phạm Quốc Hùng') && /\+07:00/.test(preview),
    `sign: the preview shows the position in capitals, the name and the time (${preview})`);
  hx.check((await page.textContent('[data-testid=sign-box]')).includes('Phạm Quốc Hùng'), 'sign: the box shows the preview');
  const box = await page.locator('[data-testid=sign-box]').boundingBox();
  await hx.shot(page, 'sign-dialog');
  const shown = {
    left: box.x - canvas.x, top: box.y - canvas.y, width: box.width, height: box.height, canvasWidth: canvas.width, canvasHeight: canvas.height,
  };
  await page.click('[data-testid=dialog-confirm]');
  await page.waitForSelector('[data-testid=doc-title] [data-status="signed"]');
  await hx.settled(page, 'doc');
  hx.check(await hx.statusOf(page) === 'signed', 'sign with a placed box -> signed');
  return shown;
}

await run(async (hx) => {
  const { base, data, tmp } = hx;
  const check = hx.check.bind(hx);
  const ok = hx.ok.bind(hx);
  const newPage = () => hx.newPage();
  const settled = (page, view) => hx.settled(page, view);
  const shot = (page, name) => hx.shot(page, name);
  const login = (page, username) => hx.login(page, username);
  const openDocument = (page, id) => hx.openDocument(page, id);
  const statusOf = (page) => hx.statusOf(page);
  const act = (page, action, fields) => hx.act(page, action, fields);
  const actAndWait = (page, action, fields, wanted) => hx.actAndWait(page, action, fields, wanted);
  await checkServing(base, check);

  // The login page, a wrong password, the specialist's header, the language switch.
  const specialist = await newPage();
  await specialist.goto(`${base}/`);
  await specialist.waitForSelector('[data-testid=login-form]');
  await shot(specialist, 'login');
  await specialist.fill('[data-testid=login-username]', 'chuyenvien');
  await specialist.fill('[data-testid=login-password]', 'not-the-password');
  await specialist.click('[data-testid=login-submit]');
  await specialist.waitForSelector('[data-testid=login-error]:has-text("Sai tên đăng nhập")');
  ok('a wrong password is refused in Vietnamese');
  await login(specialist, 'chuyenvien');
  check((await specialist.textContent('[data-testid=user-name]')).includes('Nguyễn Thị Lan'), 'header: the user\'s name');
  check((await specialist.textContent('[data-testid=user-roles]')).includes('Chuyên viên'), 'header: the role');
  check((await specialist.textContent('[data-testid=user-organisation]')).length > 3, 'header: the organisation');
  await specialist.click('#lang-en');
  await specialist.waitForSelector('#nav a:has-text("Waiting for me")');
  check((await specialist.textContent('[data-testid=user-roles]')).includes('Specialist'), 'the English switch');
  await specialist.click('#lang-vi');
  await specialist.waitForSelector('#nav a:has-text("Chờ xử lý")');
  await settled(specialist, 'dashboard');

  // A new draft: a file that is not a PDF is refused in the page, then the sample is uploaded.
  await specialist.goto(`${base}/#/new`);
  await settled(specialist, 'new');
  const subject = `Quyết định ban hành quy chế làm việc (kiểm thử giao diện ${Date.now()})`;
  await specialist.fill('[data-testid=new-subject]', subject);
  await specialist.selectOption('[data-testid=new-urgency]', 'urgent');
  const notPdf = path.join(tmp, 'ghi-chu.txt');
  writeFileSync(notPdf, 'không phải PDF');
  await specialist.setInputFiles('[data-testid=new-file]', notPdf);
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForSelector('[data-testid=new-error]:has-text("PDF")');
  check(await specialist.inputValue('[data-testid=new-subject]') === subject, 'a refused file keeps the form\'s input');
  await specialist.setInputFiles('[data-testid=new-file]', path.join(data, 'samples/quyet-dinh.pdf'));
  await shot(specialist, 'new-draft');
  await specialist.click('[data-testid=new-submit]');
  await specialist.waitForURL(/#\/doc\//);
  await settled(specialist, 'doc');
  const id = decodeURIComponent(specialist.url().split('#/doc/')[1]);
  check(await statusOf(specialist) === 'draft', `draft ${id} created from the upload`);
  check(await specialist.locator('[data-testid=pdf] canvas').count() >= 1, 'the PDF is rendered by pdf.js');
  check(await specialist.locator('[data-testid=badge-urgency]').count() >= 1, 'the urgency badge');
  await actAndWait(specialist, 'submit', { comment: 'Kính trình lãnh đạo phòng' }, 'review');

  // The department head in two pages: the first approves, the second's approval is stale.
  const head = await newPage();
  const headAgain = await newPage();
  await login(head, 'truongphong');
  await login(headAgain, 'truongphong');
  await openDocument(head, id);
  await openDocument(headAgain, id);
  await actAndWait(head, 'approve', { comment: 'Đồng ý' }, 'review');
  await act(headAgain, 'approve', { comment: 'Ý kiến viết ở trang thứ hai' });
  await headAgain.waitForSelector('[data-testid=dialog-error]:has-text("tải lại")');
  check((await headAgain.textContent('[data-testid=dialog-error]')).includes('người khác thay đổi'), 'a stale approval: a clear message');
  check(await headAgain.inputValue('[data-testid=field-comment]') === 'Ý kiến viết ở trang thứ hai', 'a stale approval keeps the comment');
  await shot(headAgain, 'stale-approval');
  await headAgain.click('[data-testid=dialog-reload]');
  await settled(headAgain, 'doc');
  check(await headAgain.locator('[data-testid=act][data-action=approve]').count() === 1, 'after reloading: one approval, nothing done twice');

  // The office chief approves; the leader signs; the clerk issues.
  const chief = await newPage();
  await login(chief, 'chanhvanphong');
  await openDocument(chief, id);
  await actAndWait(chief, 'approve', {}, 'signing');
  const leader = await hx.newPage({ width: 1280, height: 1500 });
  await login(leader, 'lanhdao');
  await openDocument(leader, id);
  const shown = await signWithPlacedBox(hx, leader);
  const signedPath = path.join(tmp, 'signed.pdf');
  writeFileSync(signedPath, await latestVersion(base, 'lanhdao', id));
  // The box as shown on the canvas, in points of page 1's MediaBox (read from the PDF).
  const media = pageBoxes(signedPath)[0];
  const scale = shown.canvasWidth / (media[2] - media[0]);
  const placed = { x: media[0] + shown.left / scale, y: media[3] - (shown.top + shown.height) / scale,
    width: shown.width / scale, height: shown.height / scale };
  const widget = signatureWidgets(signedPath).find((field) => field.signed);
  check(!!widget && widget.page === 1, `the signed PDF has the leader's signature widget on page 1 (${JSON.stringify(widget)})`);
  const near = (a, b) => Math.abs(a - b) <= 1;
  check(!!widget && near(widget.x, placed.x) && near(widget.y, placed.y) && near(widget.width, placed.width) &&
    near(widget.height, placed.height), `its /Rect is the box dragged on the page within 1 pt (${JSON.stringify(placed)})`);
  const clerk = await newPage();
  await login(clerk, 'vanthu');
  check(Number(await clerk.textContent('[data-testid=count-user-pending] b')) >= 1, 'the clerk\'s dashboard counts the document');
  check((await clerk.textContent('[data-testid=dashboard-waiting]')).includes(subject), 'the clerk\'s waiting list has it');
  check((await clerk.textContent('[data-testid=recent]')).includes('Ký số'), 'recent activity names the acts');
  await shot(clerk, 'dashboard');
  await openDocument(clerk, id);
  await act(clerk, 'issue', { key_id: 'key-ubnd-tinh', password: 'wrong-password' });
  await clerk.waitForSelector('[data-testid=dialog-error]:has-text("Mật khẩu khóa ký không đúng")');
  ok('a wrong key password: a clear message');
  await clerk.click('[data-testid=dialog-cancel]');
  await actAndWait(clerk, 'issue', { key_id: 'key-ubnd-tinh', password: p12Password }, 'issued');
  await clerk.waitForSelector('[data-testid=doc-signatures] [data-testid=report-verdict]');
  const rows = await clerk.locator('[data-testid=doc-signatures] [data-testid=signature-row]').count();
  check(rows === 2, `the signatures panel shows 2 signatures (${rows})`);
  const verdict = await clerk.getAttribute('[data-testid=doc-signatures] [data-testid=report-verdict]', 'data-verdict');
  check(verdict === 'TOTAL_PASSED', `the issued document's signatures are valid (${verdict})`);
  const notation = (await clerk.textContent('[data-testid=doc-notation]')).trim();
  check(/^\d+\/QĐ-/.test(notation), `the notation ${notation}`);
  check(await clerk.locator('[data-testid=act]').count() === 5, 'the timeline has five acts');
  check(await clerk.locator('[data-testid=audit] tbody tr').count() >= 5, 'the audit trail');
  check(await clerk.locator('[data-testid=version-row]').count() >= 3, 'the versions');
  const download = clerk.waitForEvent('download');
  await clerk.click('[data-testid=version-row]:last-child [data-testid^=download-]');
  const issuedPath = path.join(tmp, 'issued.pdf');
  await (await download).saveAs(issuedPath);
  check(readFileSync(issuedPath).subarray(0, 5).toString() === '%PDF-', 'a version downloads as a PDF');
  await shot(clerk, 'document');

  // The lists: the outgoing box, the search and the status filter.
  await specialist.goto(`${base}/#/list/outgoing`);
  await settled(specialist, 'list');
  check(await specialist.locator(`[data-testid=list-row][data-id="${id}"]`).count() === 1, 'the outgoing list shows the document');
  await specialist.fill('[data-testid=list-q]', 'kiểm thử giao diện');
  await specialist.selectOption('[data-testid=list-status]', 'issued');
  await specialist.click('[data-testid=list-apply]');
  await specialist.waitForURL(/status=issued/);
  await settled(specialist, 'list');
  check(await specialist.locator('[data-testid=list-row]').count() === 1, 'search and status filter');
  await shot(specialist, 'outgoing-list');
  await specialist.selectOption('[data-testid=list-status]', 'draft');
  await specialist.click('[data-testid=list-apply]');
  await specialist.waitForURL(/status=draft/);
  await settled(specialist, 'list');
  check(await specialist.locator('[data-testid=list-empty]').count() === 1, 'a filter with no match');

  // The verify page, without logging in: the issued PDF, then an attacked one.
  const visitor = await newPage();
  await visitor.goto(`${base}/#/verify`);
  await settled(visitor, 'verify');
  await visitor.setInputFiles('[data-testid=verify-file]', issuedPath);
  await visitor.waitForSelector('[data-testid=verify-report] [data-testid=report-verdict]');
  check(await visitor.getAttribute('[data-testid=report-verdict]', 'data-verdict') === 'TOTAL_PASSED', 'verify: the issued PDF is valid');
  check(await visitor.locator('[data-testid=signature-row]').count() === 2, 'verify: two signatures');
  await shot(visitor, 'verify');
  const json = visitor.waitForEvent('download');
  await visitor.click('[data-testid=verify-json]');
  const report = JSON.parse(readFileSync(await (await json).path(), 'utf8'));
  check(report.verdict === 'TOTAL_PASSED' && report.signatures.length === 2, 'verify: the JSON report downloads');
  await visitor.setInputFiles('[data-testid=verify-file]',
    path.join(source, 'tests/data/corpus/attacks/dss_modified_after_signature.pdf'));
  await visitor.waitForSelector('[data-testid=report-verdict][data-verdict="TOTAL_FAILED"]');
  ok('verify: the attacked PDF (modified after signing) is not valid');
  await shot(visitor, 'verify-attacked');

  // The incoming side: the clerk records the issued PDF as a document that arrived and registers
  // it; the leader assigns it to Phòng Tổng hợp; its head notes progress and completes it.
  await clerk.goto(`${base}/#/new`);
  await settled(clerk, 'new');
  await clerk.selectOption('[data-testid=new-direction]', 'incoming');
  const incomingSubject = `Công văn đến (kiểm thử giao diện ${Date.now()})`;
  await clerk.fill('[data-testid=new-subject]', incomingSubject);
  await clerk.selectOption('[data-testid=new-type]', '');
  await clerk.setInputFiles('[data-testid=new-file]', issuedPath);
  await clerk.click('[data-testid=new-submit]');
  await clerk.waitForURL(/#\/doc\//);
  await settled(clerk, 'doc');
  const incomingId = decodeURIComponent(clerk.url().split('#/doc/')[1]);
  check(await statusOf(clerk) === 'received', 'an incoming document is recorded (received)');
  await actAndWait(clerk, 'register', {}, 'registered');
  await openDocument(leader, incomingId);
  await leader.click('[data-testid=action-assign]');
  await leader.waitForSelector('[data-testid=action-dialog]');
  await leader.selectOption('[data-testid=field-lead_unit_id]', 'ubnd-tinh-th');
  await leader.fill('[data-testid=field-instruction]', 'Phòng Tổng hợp chủ trì, tham mưu trả lời');
  await leader.click('[data-testid=dialog-confirm]');
  await leader.waitForSelector('[data-testid=doc-title] [data-status="assigned"]');
  await settled(leader, 'doc');
  ok('assign -> assigned');
  await openDocument(head, incomingId);
  await actAndWait(head, 'note', { text: 'Đang dự thảo văn bản trả lời' }, 'in_progress');
  await actAndWait(head, 'complete', { result: 'Đã trả lời bằng văn bản' }, 'completed');
  await shot(head, 'incoming-document');
  await clerk.goto(`${base}/#/list/incoming`);
  await settled(clerk, 'list');
  check(await clerk.locator(`[data-testid=list-row][data-id="${incomingId}"]`).count() === 1, 'the incoming list shows it');

  // Log out: the session ends, the page goes back to the login.
  await specialist.click('[data-testid=logout]');
  await specialist.waitForSelector('[data-testid=login-form]');
  ok('logout');

});
