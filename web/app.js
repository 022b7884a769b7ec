// The web workplace: a single page over the public API (docs/API.md), routed by the URL's hash.
import { focusMainIfLost, installKeyboard, labelChrome } from '/web/a11y.js';
import * as api from '/web/api.js';
import { viewAdmin } from '/web/admin.js';
import { addStrings, formatTime, lang, setLang, t, tv } from '/web/i18n.js';
import {
  badge, bytesText, card, docBadges, errorMessage, flash, flashOnNavigation, h, hasRole, reportView, setCurrentUser, showActionFailure, statusBadge,
} from '/web/ui.js';
import { viewNew } from '/web/newdraft.js';
import { attachmentsCard, exchangeView, recipientsCard } from '/web/docparts.js';
import { viewList } from '/web/lists.js';

const main = document.getElementById('main');
const dialog = document.getElementById('dialog');
let me = null;            // GET /api/v1/me
let organisation = null;  // GET /api/v1/organizations/{id}
const typedDrafts = new Map();  // what the user typed in an action dialog, kept across errors

// ---- header, language, navigation ----
function renderChrome() {
  document.documentElement.lang = lang();
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  labelChrome();
  for (const button of document.querySelectorAll('.lang button')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang()));
  }
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!me) {
    nav.hidden = true;
    who.replaceChildren(h('a', { href: '#/verify' }, t('nav.verify')));
    return;
  }
  const here = location.hash || '#/';
  const links = [['#/', 'nav.dashboard'], ['#/list/pending', 'nav.pending'], ['#/list/outgoing', 'nav.outgoing'],
    ['#/list/incoming', 'nav.incoming'], ['#/new', 'nav.new'], ['#/verify', 'nav.verify']];
  if (hasRole('administrator')) links.push(['#/admin', 'nav.admin']);
  nav.replaceChildren(...links.map(([href, key]) => {
    const active = here === href || (href !== '#/' && here.startsWith(href));
    return h('a', { href, class: active ? 'active' : null, 'aria-current': active ? 'page' : null }, t(key));
  }));
  nav.hidden = false;
  const roles = [...new Set((me.roles || []).map((grant) => tv('role', grant.role)))].join(', ');
  who.replaceChildren(
    h('div', { 'data-testid': 'user-name' }, h('strong', {}, me.full_name || me.username)),
    h('div', { class: 'roles', 'data-testid': 'user-roles' }, roles),
    h('div', { class: 'roles', 'data-testid': 'user-organisation' }, organisation ? organisation.name : me.organisation_id),
    h('button', { type: 'button', 'data-testid': 'logout', onclick: doLogout }, t('logout')),
  );
}

async function loadMe() {
  me = await api.getJson('/api/v1/me');
  try {
    organisation = await api.getJson(`/api/v1/organizations/${encodeURIComponent(me.organisation_id)}`);
  } catch { organisation = null; }
  setCurrentUser(me, organisation);
}

async function doLogout() {
  await api.logout();
  me = null;
  organisation = null;
  setCurrentUser(null, null);
  location.hash = '#/login';
}

api.setOnSessionEnded(() => {
  me = null;
  setCurrentUser(null, null);
  flash(t('session.expired'));
  if (!location.hash.startsWith('#/verify')) location.hash = '#/login';
});

// ---- views ----
function viewLogin() {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, 'data-testid': 'login-username' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error' });
  const form = h('form', { class: 'card form login', 'data-testid': 'login-form' },
    h('h1', {}, t('login.title')),
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    error,
    h('button', { class: 'primary', type: 'submit', 'data-testid': 'login-submit' }, t('login')),
    h('a', { href: '#/verify' }, t('login.verifyLink')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await api.login(username.value.trim(), password.value);
      await loadMe();
      flash('');
      location.hash = '#/';
    } catch (failure) {
      error.textContent = failure.status === 401 ? t('login.failed') : errorMessage(failure);
    }
  });
  main.replaceChildren(form);
  username.focus();
}

async function viewDashboard() {
  const data = await api.getJson('/api/v1/dashboard');
  const counts = (scope, numbers) => h('div', { class: 'counts', 'data-testid': `counts-${scope}` },
    ...['pending', 'overdue', 'due_soon'].map((name) => h('div', { class: `count ${name}`, 'data-testid': `count-${scope}-${name}` },
      h('b', {}, String(numbers ? numbers[name] ?? 0 : 0)), t(name))));
  const waiting = (data.waiting || []).length
    ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('subject')), h('th', {}, t('status')), h('th', {}, t('deadline')))),
      h('tbody', {}, ...data.waiting.map((item) => h('tr', {},
        h('td', {}, h('a', { href: `#/doc/${item.id || item.document_id}` }, item.subject || item.id || item.document_id), ' ', ...docBadges(item)),
        h('td', {}, item.status ? statusBadge(item.status) : ''),
        h('td', {}, item.due_date || '', ' ', item.deadline && item.deadline !== 'none' ? badge('deadline', item.deadline, t(item.deadline)) : '')))))
    : h('p', { class: 'muted' }, t('empty'));
  const recent = (data.recent || []).length
    ? h('ol', { class: 'timeline', 'data-testid': 'recent' }, ...data.recent.map((item) => {
      const done = item.act || {};
      return h('li', {},
        h('strong', {}, tv('action', done.action)), ' — ',
        h('a', { href: `#/doc/${item.document_id}` }, item.subject || item.document_id),
        ' ', h('span', { class: 'muted' }, `${done.actor_name || done.actor_id || ''} · ${formatTime(done.at)}`),
        done.comment ? h('div', {}, `“${done.comment}”`) : '');
    }))
    : h('p', { class: 'muted' }, t('empty'));
  main.replaceChildren(h('h1', {}, t('dashboard.title')),
    card(t('dashboard.mine'), 'dashboard-user', counts('user', data.user)),
    data.unit ? card(t('dashboard.unit'), 'dashboard-unit', counts('unit', data.unit)) : null,
    card(t('dashboard.waiting'), 'dashboard-waiting', waiting),
    card(t('dashboard.recent'), 'dashboard-recent', recent));
}

// ---- the document page ----
addStrings({
  vi: {
    'field.toLevel': 'Trả về cấp', 'level.drafter': 'Cấp {level} — người soạn thảo', 'level.n': 'Cấp {level}',
    'field.supportingUnits': 'Đơn vị phối hợp', 'field.specialist': 'Chuyên viên xử lý',
    'field.approvalKey': 'Khóa ký phê duyệt (key_id)', 'doc.approvalSignature': 'Cấp này ghi nhận phê duyệt bằng chữ ký số: cần khóa ký và mật khẩu.',
    'doc.noMembers': 'Đơn vị chủ trì chưa có người nào để giao.', 'doc.membersFailed': 'Không tải được danh sách người của đơn vị.',
    'act.for': 'thay mặt {name}', 'act.levels': 'cấp {from} → {to}', 'audit.for': 'Thay mặt',
  },
  en: {
    'field.toLevel': 'Return to level', 'level.drafter': 'Level {level} — the drafter', 'level.n': 'Level {level}',
    'field.supportingUnits': 'Supporting units', 'field.specialist': 'Specialist',
    'field.approvalKey': 'Approval signing key (key_id)', 'doc.approvalSignature': 'This level records the approval as a digital signature: your key and its password are needed.',
    'doc.noMembers': 'The lead unit has nobody to hand it to.', 'doc.membersFailed': 'The unit\'s people could not be loaded.',
    'act.for': 'for {name}', 'act.levels': 'level {from} → {to}', 'audit.for': 'For',
  },
});

/// The actions the server says this user may take now (GET /documents/{id}: allowed_actions,
/// decided by the same rules as the actions themselves); the page offers exactly those.
function actionsFor(doc) {
  return Array.isArray(doc.allowed_actions) ? doc.allowed_actions : [];
}

function hintOf(doc, action) {
  return (doc.action_hints && doc.action_hints[action]) || {};
}

async function fieldsFor(action, doc) {
  const draft = typedDrafts.get(`${doc.id}:${action}`) || {};
  const text = (name, label, required, multiline = true) => {
    const input = multiline
      ? h('textarea', { name, required, 'data-testid': `field-${name}` })
      : h('input', { name, required, 'data-testid': `field-${name}` });
    input.value = draft[name] || '';
    return h('label', {}, label, input);
  };
  const keySelect = async (seal, label = t('field.key')) => {
    let keys = [];
    try { keys = (await api.getJson('/api/v1/me/keys')).items || []; } catch { keys = []; }
    const input = h('input', { name: 'key_id', required: true, list: 'keys-list', 'data-testid': 'field-key_id' });
    input.value = draft.key_id || (!seal && keys.length ? keys[0].id : '');
    return [h('label', {}, label, input),
      h('datalist', { id: 'keys-list' }, ...keys.map((key) => h('option', { value: key.id }, key.certificate_subject || key.id))),
      h('label', {}, t('field.keyPassword'), h('input', { name: 'password', type: 'password', required: true, autocomplete: 'off', 'data-testid': 'field-password' }))];
  };
  const choice = (name, label, options, required = true) => {
    const select = h('select', { name, required, 'data-testid': `field-${name}` },
      ...options.map(([value, text]) => h('option', { value }, text)));
    if (draft[name] && options.some(([value]) => value === draft[name])) select.value = draft[name];
    return h('label', {}, label, select);
  };
  switch (action) {
    case 'return': {
      const levels = hintOf(doc, 'return').levels || [1];
      return [choice('to_level', t('field.toLevel'), levels.map((level) => [String(level),
        t(level === 1 ? 'level.drafter' : 'level.n', { level })])),
      text('comment', t('field.reason'), true)];
    }
    case 'reject': case 'recall': case 'refuse':
      return [text('comment', t('field.reason'), true)];
    case 'approve':
      if (!hintOf(doc, 'approve').approval_signature) return [text('comment', t('comment'), false)];
      return [h('p', { class: 'muted', 'data-testid': 'approval-signature-note' }, t('doc.approvalSignature')),
        ...await keySelect(false, t('field.approvalKey')), text('comment', t('comment'), false)];
    case 'issue': return [...await keySelect(true)];
    case 'assign': {
      let units = [];
      try { units = (await api.getJson(`/api/v1/organizations/${encodeURIComponent(doc.organisation_id)}/units`)).items || []; } catch { units = []; }
      const chosen = new Set(draft.supporting_unit_ids || []);
      return [choice('lead_unit_id', t('field.leadUnit'), units.map((unit) => [unit.id, unit.name])),
        h('fieldset', { 'data-testid': 'field-supporting_unit_ids' }, h('legend', {}, t('field.supportingUnits')),
          ...units.map((unit) => h('label', { class: 'check' },
            h('input', { type: 'checkbox', name: 'supporting_unit_ids', value: unit.id, checked: chosen.has(unit.id),
              'data-testid': `field-supporting-${unit.id}` }), unit.name))),
        h('label', {}, t('field.dueDate'), Object.assign(h('input', { name: 'due_date', type: 'date', 'data-testid': 'field-due_date' }), { value: draft.due_date || '' })),
        text('instruction', t('field.instruction'), false)];
    }
    case 'assign_specialist': {
      const unit = hintOf(doc, 'assign_specialist').lead_unit_id || '';
      let members = null;
      try { members = (await api.getJson(`/api/v1/units/${encodeURIComponent(unit)}/members`)).items || []; } catch (failure) {
        return [h('p', { class: 'error', role: 'alert', 'data-testid': 'members-error' }, `${t('doc.membersFailed')} ${errorMessage(failure)}`)];
      }
      if (!members.length) return [h('p', { class: 'muted', 'data-testid': 'members-none' }, t('doc.noMembers'))];
      return [choice('specialist_id', t('field.specialist'), members.map((member) => [member.id,
        member.position ? `${member.full_name} — ${member.position}` : member.full_name])),
      text('comment', t('comment'), false)];
    }
    case 'complete': return [text('result', t('field.result'), true)];
    case 'note': return [text('text', t('field.progress'), true)];
    default: return [text('comment', t('comment'), false)];
  }
}

function bodyFrom(action, form) {
  const body = { action };
  const supporting = [];
  for (const element of form.elements) {
    if (!element.name || element.value === '') continue;
    if (element.type === 'checkbox') { if (element.checked) supporting.push(element.value); continue; }
    body[element.name] = element.name === 'to_level' ? Number(element.value) : element.value;
  }
  // The lead unit is not also a supporting one.
  if (action === 'assign') body.supporting_unit_ids = supporting.filter((unit) => unit !== body.lead_unit_id);
  return body;
}

async function openAction(action, doc, reload) {
  if (action === 'sign') {  // its own dialog: the key, the placement on the page, external signing
    const { openSignDialog } = await import('/web/signdialog.js');
    return openSignDialog(dialog, doc, reload);
  }
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'dialog-error' });
  const confirm = h('button', { class: 'primary', type: 'submit', 'data-testid': 'dialog-confirm' }, t('confirm.ok'));
  const form = h('form', { class: 'form', method: 'dialog', 'data-testid': 'action-dialog', 'data-action': action },
    h('h2', { id: 'dialog-title' }, t('confirm.title', { action: t(`action.${action}`) })),
    h('p', {}, doc.subject),
    ...await fieldsFor(action, doc),
    error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => dialog.close() }, t('cancel')),
      confirm));
  const keep = () => {
    const typed = {};
    for (const element of form.elements) {
      if (!element.name || element.type === 'password') continue;
      if (element.type === 'checkbox') {
        typed[element.name] = [...(typed[element.name] || []), ...(element.checked ? [element.value] : [])];
      } else typed[element.name] = element.value;
    }
    typedDrafts.set(`${doc.id}:${action}`, typed);
  };
  form.addEventListener('input', keep);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    confirm.disabled = true;
    try {
      await api.act(doc.id, doc.revision, bodyFrom(action, form));
      typedDrafts.delete(`${doc.id}:${action}`);
      dialog.close();
      flash(t('done.action', { action: t(`action.${action}`) }), 'info');
      await reload();
    } catch (failure) {
      keep();
      showActionFailure(error, failure, dialog, reload);
    } finally {
      confirm.disabled = false;
    }
  });
  dialog.replaceChildren(form);
  dialog.showModal();
}

async function optional(promise) {
  try { return await promise; } catch { return null; }
}

async function viewDocument(id) {
  const path = `/api/v1/documents/${encodeURIComponent(id)}`;
  const [doc, versions, acts, exchange, audit] = await Promise.all([
    api.getJson(path), optional(api.getJson(`${path}/versions`)), optional(api.getJson(`${path}/acts`)),
    optional(api.getJson(`${path}/exchange`)), optional(api.getJson(`${path}/audit?limit=200`))]);
  const reload = () => render();
  const items = (versions && versions.items) || [];
  const latest = items.reduce((best, version) => (!best || version.number > best.number ? version : best), null);

  const meta = h('dl', { class: 'meta' },
    h('dt', {}, t('notation')), h('dd', { 'data-testid': 'doc-notation' }, doc.notation || '—'),
    h('dt', {}, t('subject')), h('dd', {}, doc.subject),
    h('dt', {}, t('type')), h('dd', {}, doc.document_type || t('type.cv')),
    h('dt', {}, t('direction')), h('dd', {}, tv('direction', doc.direction)),
    h('dt', {}, t('status')), h('dd', {}, statusBadge(doc.status)),
    h('dt', {}, t('urgency')), h('dd', {}, tv('urgency', doc.urgency)),
    h('dt', {}, t('confidentiality')), h('dd', {}, tv('conf', doc.confidentiality)),
    h('dt', {}, t('created')), h('dd', {}, formatTime(doc.created_at)),
    h('dt', {}, t('updated')), h('dd', {}, formatTime(doc.updated_at)));

  const actions = actionsFor(doc);
  const actionCard = card(t('doc.actions'), 'doc-actions', actions.length
    ? h('div', { class: 'actions' }, ...actions.map((action) => h('button', {
      type: 'button', class: ['approve', 'sign', 'issue', 'submit', 'register'].includes(action) ? 'primary' : null,
      'data-testid': `action-${action}`, onclick: () => openAction(action, doc, reload),
    }, t(`action.${action}`))))
    : h('p', { class: 'muted' }, t('doc.noActions')));

  const pdfBox = h('div', { class: 'pdf', 'data-testid': 'pdf' }, h('p', { class: 'muted' }, t('doc.loading')));
  const signaturesBox = h('div', { 'data-testid': 'doc-signatures' }, h('p', { class: 'muted' }, t('doc.loading')));

  const versionTable = h('table', { 'data-testid': 'versions' },
    h('thead', {}, h('tr', {}, ...['version', 'kind', 'actor', 'time', 'size', 'download'].map((key) => h('th', {}, t(key))))),
    h('tbody', {}, ...items.map((version) => h('tr', { 'data-testid': 'version-row' },
      h('td', {}, String(version.number)), h('td', {}, version.kind || ''),
      h('td', {}, version.actor || ''), h('td', {}, formatTime(version.created_at)), h('td', {}, bytesText(version.size || 0)),
      h('td', {}, h('button', { type: 'button', 'data-testid': `download-${version.number}`,
        onclick: () => download(`${path}/versions/${version.number}/content`, `${doc.id}-v${version.number}.pdf`) }, t('download')))))));

  const timeline = ((acts && acts.items) || []).length
    ? h('ol', { class: 'timeline', 'data-testid': 'timeline' }, ...acts.items.map((item) => h('li', { 'data-testid': 'act', 'data-action': item.action },
      h('strong', {}, tv('action', item.action)), ' — ',
      h('span', { 'data-testid': 'act-actor' }, item.actor_name || item.actor_id || ''),
      item.on_behalf_of ? [' (', h('span', { 'data-testid': 'act-for' },
        `${item.authority_marker ? `${item.authority_marker} ` : ''}${t('act.for', { name: item.on_behalf_of_name || item.on_behalf_of })}`), ')'] : '',
      item.role ? ` · ${tv('role', item.role)}` : '',
      item.from_level || item.to_level
        ? [' · ', h('span', { 'data-testid': 'act-levels' }, t('act.levels', { from: item.from_level ?? '', to: item.to_level ?? '' }))] : '',
      ' · ', h('span', { class: 'muted' }, formatTime(item.at)),
      item.comment ? h('div', { 'data-testid': 'act-comment' }, `“${item.comment}”`) : '')))
    : h('p', { class: 'muted' }, t('empty'));

  const auditView = ((audit && audit.items) || []).length
    ? h('table', { 'data-testid': 'audit' },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, t('time')), h('th', {}, t('actor')), h('th', {}, t('audit.for')), h('th', {}, t('action')))),
      h('tbody', {}, ...audit.items.map((entry) => h('tr', { 'data-testid': 'audit-row', 'data-action': entry.action },
        h('td', { class: 'nowrap' }, String(entry.sequence)), h('td', {}, formatTime(entry.time)),
        h('td', { 'data-testid': 'audit-actor' }, entry.actor_name || entry.actor_username || entry.actor_id || ''),
        h('td', { 'data-testid': 'audit-for' }, entry.on_behalf_of_name || ''),
        h('td', {}, tv('action', entry.action))))))
    : h('p', { class: 'muted' }, t('empty'));

  main.replaceChildren(
    h('h1', { 'data-testid': 'doc-title' }, doc.subject, ' ', statusBadge(doc.status), ' ', ...docBadges(doc)),
    h('div', { class: 'doc-grid' },
      h('div', {}, card(t('doc.pdf'), 'doc-pdf', pdfBox), card(t('doc.versions'), 'doc-versions', versionTable),
        attachmentsCard(doc, reload, download)),
      h('div', {}, actionCard, card(t('doc.meta'), 'doc-meta', meta), recipientsCard(doc, reload),
        card(t('doc.signatures'), 'doc-signatures-card', signaturesBox),
        card(t('doc.timeline'), 'doc-timeline', timeline), card(t('doc.exchange'), 'doc-exchange', exchangeView(exchange)),
        card(t('doc.audit'), 'doc-audit', auditView))));

  if (!latest) { pdfBox.replaceChildren(); signaturesBox.replaceChildren(); return; }
  const bytes = await (await api.request(`${path}/versions/${latest.number}/content`)).arrayBuffer();
  const { renderPdf } = await import('/web/pdfview.js');
  await Promise.all([
    renderPdf(pdfBox, bytes).catch((failure) => pdfBox.replaceChildren(h('p', { class: 'error' }, errorMessage(failure)))),
    api.verifyPdf(bytes).then((report) => signaturesBox.replaceChildren(reportView(report)))
      .catch((failure) => signaturesBox.replaceChildren(h('p', { class: 'error' }, errorMessage(failure)))),
  ]);
}

async function download(path, name) {
  try {
    const blob = await (await api.request(path)).blob();
    saveBlob(blob, name);
  } catch (failure) { flash(errorMessage(failure)); }
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- verify (no login) ----
let lastReport = null;

function viewVerify() {
  const result = h('div', { 'data-testid': 'verify-result' });
  const input = h('input', { type: 'file', accept: 'application/pdf,.pdf', 'aria-label': t('verify.drop'), 'data-testid': 'verify-file' });
  const drop = h('div', { class: 'drop', 'data-testid': 'verify-drop' }, h('p', {}, t('verify.drop')), input);
  const show = (report, name) => {
    lastReport = report;
    result.replaceChildren(card(`${t('verify.file')}: ${name}`, 'verify-report', reportView(report),
      h('button', { type: 'button', 'data-testid': 'verify-json', onclick: () => saveBlob(
        new Blob([JSON.stringify(lastReport, null, 2)], { type: 'application/json' }),
        `${name.replace(/\.pdf$/i, '')}-verification.json`) }, t('verify.json'))));
  };
  const check = async (chosen) => {
    if (!chosen) return;
    result.replaceChildren(h('p', { class: 'muted' }, t('verify.running')));
    try {
      show(await api.verifyPdf(await chosen.arrayBuffer()), chosen.name);
    } catch (failure) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert', 'data-testid': 'verify-error' }, errorMessage(failure)));
    }
  };
  input.addEventListener('change', () => check(input.files[0]));
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    check(event.dataTransfer.files[0]);
  });
  main.replaceChildren(h('h1', {}, t('verify.title')), drop, result);
}

// ---- routing ----
let rendering = 0;
async function render() {
  const ticket = ++rendering;
  const [route, queryText] = (location.hash.replace(/^#/, '') || '/').split('?');
  const params = new URLSearchParams(queryText || '');
  const parts = route.split('/').filter(Boolean);
  if (dialog.open) dialog.close();
  try {
    if (parts[0] !== 'verify' && parts[0] !== 'login' && !me) {
      if (!api.session()) { location.hash = '#/login'; if (parts[0] === 'login') viewLogin(); return; }
      await loadMe();
    }
    renderChrome();
    main.setAttribute('aria-busy', 'true');
    if (parts[0] === 'login') viewLogin();
    else if (parts[0] === 'verify') viewVerify();
    else if (parts[0] === 'new') viewNew(main);
    else if (parts[0] === 'list' && ['outgoing', 'incoming', 'pending'].includes(parts[1])) await viewList(main, parts[1], params);
    else if (parts[0] === 'doc' && parts[1]) await viewDocument(decodeURIComponent(parts[1]));
    else if (parts[0] === 'admin') await viewAdmin(parts.slice(1), params);
    else await viewDashboard();
  } catch (failure) {
    if (ticket === rendering && !(failure instanceof api.ApiError && failure.status === 401)) {
      main.replaceChildren(h('p', { class: 'error', role: 'alert', 'data-testid': 'page-error' }, errorMessage(failure)));
    }
  } finally {
    if (ticket === rendering) {
      main.setAttribute('aria-busy', 'false');
      main.dataset.view = parts[0] || 'dashboard';
      focusMainIfLost(main);
    }
  }
}

for (const button of document.querySelectorAll('.lang button')) {
  button.addEventListener('click', () => { setLang(button.dataset.lang); render(); });
}
installKeyboard(main);
// The flash stays for the document page (an action's outcome) and the login (why the session ended).
window.addEventListener('hashchange', () => {
  flashOnNavigation(location.hash.startsWith('#/doc/') || location.hash.startsWith('#/login'));
  render();
});
// A link to the address already open changes no hash, so no hashchange: it loads the page again
// (what someone pressing "Văn bản đi" on that list expects: what is new since).
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#/"]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (link.getAttribute('href') !== location.hash) return;
  event.preventDefault();
  flashOnNavigation(false);
  render();
});
render();
