// What every page of the workplace shares: building DOM from data (text only: no HTML from data
// ever reaches innerHTML), badges, the flash line, error messages in the user's language, the
// verification report, and who is signed in.
import * as api from '/web/api.js';
import { formatTime, t, tv } from '/web/i18n.js';

const flashBox = document.getElementById('flash');

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function card(title, testid, ...children) {
  return h('section', { class: 'card', 'data-testid': testid }, h('h2', {}, title), ...children);
}

export function badge(kind, value, label) {
  return h('span', { class: `badge ${value}`, 'data-testid': `badge-${kind}` }, label);
}

export function statusBadge(status) {
  return h('span', { class: 'badge status', 'data-testid': 'status', 'data-status': status }, tv('status', status));
}

export function docBadges(doc) {
  return [
    doc.urgency && doc.urgency !== 'normal' ? badge('urgency', doc.urgency, tv('urgency', doc.urgency)) : null,
    doc.confidentiality && doc.confidentiality !== 'normal'
      ? badge('confidentiality', doc.confidentiality, tv('conf', doc.confidentiality)) : null,
  ];
}

/// A message for the page a navigation is about to open ("created": then the new thing's page):
/// shown once that navigation has cleared the previous page's message.
let nextFlash = null;
export function flashAfterNavigation(message, kind = 'info') { nextFlash = { message, kind }; }

/// Called on every navigation: the previous page's message goes (unless `keep`), a message left
/// for this navigation is shown.
export function flashOnNavigation(keep) {
  if (nextFlash) flash(nextFlash.message, nextFlash.kind);
  else if (!keep) flash('');
  nextFlash = null;
}

export function flash(message, kind = 'error') {
  flashBox.textContent = message;
  flashBox.className = `flash ${kind === 'info' ? 'info' : ''}`;
  flashBox.hidden = !message;
}

/// The user's message for an API failure: what to do, in their language, and the server's detail.
export function errorMessage(error) {
  if (!(error instanceof api.ApiError)) return `${t('err.generic')} ${error && error.message ? error.message : ''}`;
  let text;
  if (error.stale) text = t('err.stale');
  else if (t(`err.${error.code}`) !== `err.${error.code}`) text = t(`err.${error.code}`);
  else text = t('err.generic');
  if (error.detail && !error.stale) text += ` ${t('err.detail', { detail: error.detail })}`;
  return text;
}

/// The button an action dialog shows when the document moved on (stale or in another state):
/// it closes the dialog and loads the document again.
export function reloadButton(dialog, reload) {
  return h('button', { type: 'button', 'data-testid': 'dialog-reload',
    onclick: async () => { dialog.close(); await reload(); } }, t('doc.reload'));
}

/// Shows why an action failed in `error`, with the reload button when reloading is the way on.
export function showActionFailure(error, failure, dialog, reload) {
  error.append(errorMessage(failure));
  if (failure.stale || failure.code === 'invalid_state') error.append(' ', reloadButton(dialog, reload));
}

export function bytesText(size) {
  if (size >= 1048576) return `${(size / 1048576).toFixed(1)} MB`;
  if (size >= 1024) return `${Math.round(size / 1024)} KB`;
  return `${size} B`;
}

let user = null;          // GET /api/v1/me of the signed-in user, null when signed out
let userOrganisation = null;

export function setCurrentUser(me, organisation) { user = me; userOrganisation = organisation; }
export function currentUser() { return user; }
export function currentOrganisation() { return userOrganisation; }

export function hasRole(...roles) {
  return !!user && (user.roles || []).some((grant) => roles.includes(grant.role));
}

// ---- the verification report, as on the document page and the verify page ----
export function reportView(report) {
  const signatures = report.signatures || [];
  const verdict = h('p', {}, `${t('report.verdict')}: `,
    h('span', { class: `verdict ${report.verdict}`, 'data-testid': 'report-verdict', 'data-verdict': report.verdict },
      tv('report', report.verdict)));
  if (!signatures.length) return h('div', { 'data-testid': 'report' }, verdict, h('p', { class: 'muted' }, t('report.none')));
  return h('div', { 'data-testid': 'report' }, verdict,
    h('ol', { class: 'signatures', 'data-testid': 'signatures' }, ...signatures.map((signature) => {
      const changes = signature.changes || [];
      return h('li', { class: 'signature', 'data-testid': 'signature-row', 'data-indication': signature.indication },
        h('div', {}, h('strong', {}, commonName(signature.signer && signature.signer.subject) || signature.field || ''), ' ',
          h('span', { class: `verdict ${signature.indication}` }, tv('report', signature.indication)),
          signature.subindication ? ` ${signature.subindication}` : ''),
        h('dl', { class: 'meta' },
          h('dt', {}, t('report.time')), h('dd', {}, formatTime(signature.best_signature_time || signature.claimed_time)),
          h('dt', {}, t('report.level')), h('dd', {}, signature.level || '—'),
          h('dt', {}, t('report.trusted')), h('dd', {}, signature.trusted ? t('yes') : t('no')),
          h('dt', {}, t('report.changes')), h('dd', {}, tv('mod', signature.modifications_after),
            changes.length ? h('details', {}, h('summary', {}, `${changes.length}`),
              h('ul', {}, ...changes.map((change) => h('li', {}, change)))) : '')));
    })));
}

export function commonName(subject) {
  if (!subject) return '';
  const match = /(?:^|,)\s*CN=([^,]+)/.exec(subject);
  return match ? match[1] : subject;
}

