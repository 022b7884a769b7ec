// The workplace's layout and keyboard use in Debian's Chromium: a document with a very long
// Vietnamese trích yếu (long compound words, a 110-character run without a space) made through the
// API; at a tablet width (768×1024) and a desktop width (1280×900) the dashboard, the lists, the
// document page, its action dialog and the verify page never scroll the page sideways and keep
// their content inside their cards; the badges' and verdicts' colours have a contrast of at
// least 4.5:1; the whole way from the login to an action dialog is walked with the keyboard
// alone (Tab, typing, Enter, Escape), with the skip link, focus moved to <main> after a
// navigation, focus kept inside the dialog and given back to the button that opened it.
//
// Usage: node tests/web/layout.mjs BIN_DIR   (VANTHU_WEB_SCREENSHOTS=DIR also saves tablet-document.png)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { password, run, source } from './harness.mjs';

// 110 characters without a space: wider than a tablet's page at the title's size when nothing breaks it.
const longWord = 'QuyếtđịnhphêduyệtđềánchuyểnđổisốtoàndiệncủaỦybannhândântỉnhgiaiđoạnhaimươihaimươilămđếnhaimươibamươivàđịnhhướngđếnnăm';
const subject = [
  'Quyết định về việc phê duyệt Đề án chuyển đổi số toàn diện trong hoạt động quản lý nhà nước',
  longWord.slice(0, 110),
  'của Ủy ban nhân dân tỉnh, các sở, ban, ngành, Ủy ban nhân dân các huyện, thị xã, thành phố',
  'giai đoạn 2026–2030, định hướng đến năm 2035, bảo đảm an toàn, an ninh thông tin mạng',
  'và ứng dụng chữ ký số chuyên dùng Chính phủ trong gửi, nhận văn bản điện tử giữa các cơ quan',
].join(' ');
const comment = `Kính trình xem xét ${longWord} — đề nghị thẩm định gấp.`;

async function apiLogin(base, username) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
  return (await response.json()).token;
}

// The long document, submitted for review (so it waits for the department head) with a long comment.
async function createLongDocument(base, data) {
  const token = await apiLogin(base, 'chuyenvien');
  const form = new FormData();
  form.append('metadata', new Blob([JSON.stringify({
    direction: 'outgoing', subject, document_type: 'QĐ', urgency: 'express', confidentiality: 'normal',
  })], { type: 'application/json' }));
  form.append('file', new Blob([readFileSync(path.join(data, 'samples/quyet-dinh.pdf'))], { type: 'application/pdf' }), 'quyet-dinh.pdf');
  const created = await fetch(`${base}/api/v1/documents`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const doc = await created.json();
  const submitted = await fetch(`${base}/api/v1/documents/${doc.id}/actions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': `"${doc.revision}"` },
    body: JSON.stringify({ action: 'submit', comment }),
  });
  if (!submitted.ok) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
  return doc;
}

// What overflows in the page: the page's own horizontal scroll, and every element of <main> (and
// of an open dialog) whose right edge passes its card's (or main's, or the dialog's) right edge.
function measure() {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) problems.push(`page scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
  const name = (element) => `${element.tagName.toLowerCase()}${element.dataset.testid ? `[${element.dataset.testid}]` : ''}` +
    `${element.className && typeof element.className === 'string' ? `.${element.className.split(' ').join('.')}` : ''}`;
  const roots = [document.querySelector('header.top'), document.getElementById('main'), document.querySelector('dialog[open]')].filter(Boolean);
  for (const root of roots) {
    for (const element of root.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (!box.width || !box.height) continue;
      const container = element.parentElement.closest('.card, dialog, main, header') || root;
      const outer = container.getBoundingClientRect();
      if (box.right > outer.right + 0.5 || box.left < outer.left - 0.5) {
        problems.push(`${name(element)} (${Math.round(box.left)}–${Math.round(box.right)}) outside ${name(container)} (${Math.round(outer.left)}–${Math.round(outer.right)})`);
      }
      if (box.right > window.innerWidth + 0.5) problems.push(`${name(element)} passes the window's right edge`);
      // Text wider than its own box (a long word that does not break) does not widen the box.
      if (element.clientWidth && element.scrollWidth > element.clientWidth + 1) {
        problems.push(`${name(element)}'s content overflows it (${element.scrollWidth} > ${element.clientWidth})`);
      }
    }
    for (const card of root.querySelectorAll('.card')) {
      if (card.scrollWidth > card.clientWidth + 1) problems.push(`${name(card)} scrolls sideways (${card.scrollWidth} > ${card.clientWidth})`);
    }
  }
  return problems;
}

// The subject's element: present, wrapped on several lines, within its card.
async function subjectFits(page, selector) {
  return page.$eval(selector, (element) => {
    const box = element.getBoundingClientRect();
    const container = element.parentElement.closest('.card, dialog, main').getBoundingClientRect();
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight) || 20;
    return { within: box.right <= container.right + 0.5 && box.left >= container.left - 0.5, lines: Math.round(box.height / lineHeight) };
  });
}

// WCAG contrast of the text of every element matched, against its first opaque background.
function contrasts(selector) {
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (value) => { const c = value / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(node).backgroundColor);
      if (a > 0.99) return [r, g, b];
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)].filter((element) => element.textContent.trim() && element.getClientRects().length)
    .map((element) => {
      const fg = luminance(rgb(getComputedStyle(element).color));
      const bg = luminance(background(element));
      return { what: `${element.className} “${element.textContent.trim().slice(0, 20)}”`, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
    });
}

const badgeClasses = ['urgent', 'very_urgent', 'express', 'confidential', 'secret', 'top_secret', 'overdue', 'due_soon', 'on_time', 'status'];
const verdictClasses = ['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE'];

await run(async (hx) => {
  const { base, data } = hx;
  const check = hx.check.bind(hx);
  const doc = await createLongDocument(base, data);
  hx.ok(`a document with a ${subject.length}-character trích yếu, submitted`);
  const attacked = path.join(source, 'tests/data/corpus/attacks/dss_modified_after_signature.pdf');

  const fits = async (page, where) => {
    const problems = await page.evaluate(measure);
    check(problems.length === 0, `${where}: no sideways scroll, nothing outside its card ${problems.slice(0, 4).join('; ')}`);
  };
  const contrastOk = async (page, where, selector) => {
    const found = await page.evaluate(contrasts, selector);
    const low = found.filter((item) => item.ratio < 4.5);
    check(found.length > 0 && low.length === 0,
      `${where}: ${found.length} texts with a contrast ≥ 4.5 ${low.map((item) => `${item.what} ${item.ratio.toFixed(2)}`).join('; ')}`);
  };

  // Every string of every page module in both languages: the modules loaded in the page, then
  // the keys one dictionary has and the other lacks.
  {
    const page = await hx.newPage();
    await hx.login(page, 'truongphong');
    const modules = readdirSync(path.join(source, 'web')).filter((name) => name.endsWith('.js')).map((name) => `/web/${name}`);
    const missing = await page.evaluate(async (names) => {
      for (const name of names) await import(name);
      return (await import('/web/i18n.js')).untranslated();
    }, modules);
    check(modules.length >= 10 && missing.vi.length === 0 && missing.en.length === 0,
      `every string of the ${modules.length} modules in Vietnamese and English (no Vietnamese for: ${missing.vi.join(', ') || 'none'}; no English for: ${missing.en.join(', ') || 'none'})`);
    await page.close();
  }

  for (const viewport of [{ width: 768, height: 1024 }, { width: 1280, height: 900 }]) {
    const size = `${viewport.width}×${viewport.height}`;
    const page = await hx.newPage(viewport);
    await hx.login(page, 'truongphong');

    // Dashboard: the long document waits for the department head; the recent acts show the comment.
    await page.waitForSelector(`[data-testid=dashboard-waiting] a[href="#/doc/${doc.id}"]`);
    await fits(page, `${size} dashboard`);
    const waiting = await subjectFits(page, `[data-testid=dashboard-waiting] a[href="#/doc/${doc.id}"]`);
    check(waiting.within && waiting.lines >= 2, `${size} dashboard: the long trích yếu wraps (${waiting.lines} lines) inside its card`);
    await contrastOk(page, `${size} dashboard`, '.badge, .muted, .nav a, a, .count b');

    // The lists.
    for (const box of ['outgoing', 'pending']) {
      await page.goto(`${base}/#/list/${box}`);
      await hx.settled(page, 'list');
      await page.waitForSelector(`[data-testid=list-row][data-id="${doc.id}"]`);
      await fits(page, `${size} list ${box}`);
      const row = await subjectFits(page, `[data-testid=list-row][data-id="${doc.id}"] a`);
      check(row.within && row.lines >= 2, `${size} list ${box}: the trích yếu wraps (${row.lines} lines) inside the page`);
    }
    await contrastOk(page, `${size} list`, '.badge, .muted, a');

    // The document page and its action dialog.
    await hx.openDocument(page, doc.id);
    await page.waitForSelector('[data-testid=doc-pdf] canvas');
    await page.waitForSelector('[data-testid=doc-signatures] [data-testid=report-verdict]');
    await fits(page, `${size} document`);
    const title = await subjectFits(page, '[data-testid=doc-title]');
    check(title.within && title.lines >= 3, `${size} document: the title wraps (${title.lines} lines) inside the page`);
    const columns = await page.$eval('.doc-grid', (grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').length);
    check(columns === (viewport.width < 900 ? 1 : 2), `${size} document: ${columns} column(s)`);
    await contrastOk(page, `${size} document`, '.badge, .verdict, .muted, a, button.primary');
    if (viewport.width === 768) await hx.shot(page, 'tablet-document');

    await page.click('[data-testid=action-approve]');
    await page.waitForSelector('[data-testid=action-dialog]');
    await fits(page, `${size} approve dialog`);
    const inDialog = await page.$eval('dialog[open]', (dialog) => {
      const box = dialog.getBoundingClientRect();
      return box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
    });
    check(inDialog, `${size} approve dialog: inside the viewport`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { state: 'detached' }).catch(() => {});
    check(!(await page.$('dialog[open]')), `${size}: Escape closes the dialog`);

    // The verify page, with an attacked signed PDF.
    await page.goto(`${base}/#/verify`);
    await hx.settled(page, 'verify');
    await page.setInputFiles('[data-testid=verify-file]', attacked);
    await page.waitForSelector('[data-testid=verify-report] [data-testid=report-verdict]');
    await fits(page, `${size} verify`);
    await contrastOk(page, `${size} verify`, '.verdict, .muted, a');

    // Every badge and verdict colour of the style sheet, whether or not the data shows it now.
    await page.evaluate(({ badges, verdicts }) => {
      const main = document.getElementById('main');
      const sample = document.createElement('div');
      sample.id = 'colour-sample';
      sample.className = 'card';
      for (const name of badges) { const element = document.createElement('span'); element.className = `badge ${name}`; element.textContent = name; sample.append(element, ' '); }
      for (const name of verdicts) { const element = document.createElement('span'); element.className = `verdict ${name}`; element.textContent = name; sample.append(element, ' '); }
      main.append(sample);
    }, { badges: badgeClasses, verdicts: verdictClasses });
    await contrastOk(page, `${size} every badge and verdict colour`, '#colour-sample .badge, #colour-sample .verdict');

    // The check can fail: without the wrapping rules the long title passes its card.
    if (viewport.width === 768) {
      await hx.openDocument(page, doc.id);
      await page.evaluate(() => {  // through the CSSOM: the server's CSP refuses an inline style sheet
        for (const element of document.querySelectorAll('main, main *')) element.style.setProperty('overflow-wrap', 'normal', 'important');
      });
      const broken = await page.evaluate(measure);
      check(broken.length > 0, `768: without the wrapping rules the check finds the overflow (${broken[0] || 'none'})`);
    }
    await page.context().close();
  }

  // ---- the keyboard alone ----
  const page = await hx.newPage({ width: 768, height: 1024 });
  const active = () => page.evaluate(() => {
    const element = document.activeElement;
    return {
      tag: element.tagName.toLowerCase(), id: element.id, testid: element.dataset.testid || '',
      href: element.getAttribute('href') || '', text: (element.textContent || '').trim().slice(0, 40),
      outline: getComputedStyle(element).outlineStyle, inDialog: !!element.closest('dialog'),
    };
  });
  const tabUntil = async (wanted, limit, seen = []) => {
    for (let step = 0; step < limit; step++) {
      await page.keyboard.press('Tab');
      const now = await active();
      seen.push(now);
      if (wanted(now)) return now;
    }
    return null;
  };
  await page.goto(`${base}/`);
  await hx.settled(page, 'login');
  let now = await active();
  check(now.testid === 'login-username', 'login: the user name has the focus');
  await page.keyboard.type('truongphong');
  await page.keyboard.press('Tab');
  now = await active();
  check(now.testid === 'login-password', 'login: Tab goes to the password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=user-name]');
  await hx.settled(page, 'dashboard');
  hx.ok('logged in with the keyboard');

  // A fresh load: the first Tab is the skip link, shown when focused; Enter moves to <main>.
  await page.reload();
  await hx.settled(page, 'dashboard');
  await page.keyboard.press('Tab');
  now = await active();
  const skipShown = await page.$eval('#skip', (link) => { const box = link.getBoundingClientRect(); return box.left >= 0 && box.right <= window.innerWidth && box.top >= 0; });
  check(now.id === 'skip' && skipShown && now.outline !== 'none', 'the first Tab shows the skip link, with a focus outline');
  await page.keyboard.press('Enter');
  now = await active();
  check(now.id === 'main', 'the skip link moves the focus to the main content');
  check(await page.evaluate(() => location.hash) === '#/', 'the skip link keeps the page (no route change)');
  await page.keyboard.press('Tab');
  now = await active();
  check(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)), `the next Tab is in the content (${now.tag} ${now.text})`);

  // The header in order: skip, brand, the navigation links, logout, the languages.
  await page.reload();
  await hx.settled(page, 'dashboard');
  const order = [];
  const outgoing = await tabUntil((element) => element.href === '#/list/outgoing', 12, order);
  const hrefs = order.map((element) => element.id || element.href);
  check(!!outgoing && JSON.stringify(hrefs) === JSON.stringify(['skip', '#/', '#/', '#/list/pending', '#/list/outgoing']),
    `Tab order: skip link, brand, Tổng quan, Chờ xử lý, Văn bản đi (${hrefs.join(' ')})`);
  check(order.every((element) => element.outline !== 'none'), 'every element reached shows a focus outline');
  const rest = [];
  await tabUntil((element) => element.id === 'lang-en', 10, rest);
  const restIds = rest.map((element) => element.testid || element.id || element.href);
  check(restIds.slice(-4).join(' ') === '#/verify logout lang-vi lang-en', `then the other links, logout and the languages (${restIds.join(' ')})`);
  check(await page.getAttribute('#lang-vi', 'aria-pressed') === 'true' && await page.getAttribute('#lang-en', 'aria-pressed') === 'false',
    'the language buttons say which is pressed');
  check(await page.getAttribute('#flash', 'role') === 'alert', 'the flash line is an alert');
  await page.keyboard.press('Enter');  // on English
  await page.waitForSelector('#nav a:has-text("Outgoing")');
  check(await page.textContent('#skip') === 'Skip to the main content' && await page.getAttribute('#nav', 'aria-label') === 'Main navigation',
    'in English: the skip link and the navigation\'s name');
  check((await active()).id === 'lang-en', 'the language switch keeps the focus on its button');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');  // back to Vietnamese
  await page.waitForSelector('#nav a:has-text("Văn bản đi")');
  check(await page.getAttribute('#nav', 'aria-label') === 'Điều hướng chính', 'in Vietnamese again');

  // Open the outgoing list with Enter from its link: the focus moves to <main>.
  await page.focus('#nav a[href="#/list/outgoing"]');
  await page.keyboard.press('Enter');
  await hx.settled(page, 'list');
  now = await active();
  check(now.id === 'main', 'after opening the list with Enter the focus is on the main content');
  check(await page.getAttribute('#nav a[aria-current=page]', 'href') === '#/list/outgoing', 'the navigation marks the current page');
  const link = await tabUntil((element) => element.href === `#/doc/${doc.id}`, 60);  // past the filters and sort buttons
  check(!!link, 'Tab reaches the long document in the list');
  await page.keyboard.press('Enter');
  await hx.settled(page, 'doc');
  check((await active()).id === 'main', 'the document page: the focus is on the main content');
  const approve = await tabUntil((element) => element.testid === 'action-approve', 20);
  check(!!approve && approve.outline !== 'none', 'Tab reaches the approve button, with a focus outline');

  // The action dialog: Enter opens it, the focus is in it and stays in it, Escape gives it back.
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=action-dialog]');
  now = await active();
  check(now.inDialog && now.testid === 'field-comment', `Enter opens the dialog, the focus on its first field (${now.testid})`);
  const dialogName = await page.$eval('dialog[open]', (dialog) => {
    const title = document.getElementById(dialog.getAttribute('aria-labelledby') || '');
    return title && dialog.contains(title) ? title.textContent : '';
  });
  check(dialogName.includes('Đồng ý'), `the dialog is named by its heading (${dialogName})`);
  const inside = [];
  for (let step = 0; step < 6; step++) { await page.keyboard.press('Tab'); inside.push(await active()); }
  check(inside.every((element) => element.inDialog), `Tab stays in the dialog (${inside.map((element) => element.testid).join(' ')})`);
  check(inside.some((element) => element.testid === 'dialog-confirm') && inside.filter((element) => element.testid === 'field-comment').length >= 1,
    'Tab cycles from the last button back to the first field');
  await page.focus('[data-testid=field-comment]');
  await page.keyboard.press('Shift+Tab');
  check((await active()).testid === 'dialog-confirm', 'Shift+Tab on the first field goes to the last button');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === 'action-approve')
    .catch(() => {});
  check((await active()).testid === 'action-approve', 'Escape closes the dialog and the focus returns to the approve button');
  const state = await (await fetch(`${base}/api/v1/documents/${doc.id}`, {
    headers: { Authorization: `Bearer ${await apiLogin(base, 'truongphong')}` },
  })).json();
  check(state.status === 'review', `the closed dialog did nothing: the document is still in review (${state.status})`);

  // Cancel with the keyboard: Enter on the cancel button also gives the focus back.
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=action-dialog]');
  await page.focus('[data-testid=dialog-cancel]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === 'action-approve').catch(() => {});
  check((await active()).testid === 'action-approve', 'Cancel closes the dialog and the focus returns to the approve button');
});
