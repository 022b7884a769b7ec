// The signing dialog of the document page (the `sign` action): the signer chooses one of their
// keys (PKCS#12 on the server, a PKCS#11 token, or an external key), leaves the placement to the
// server (the template's position, the PDF's empty signature field, or the Decree 30 signer
// block) or places the visible signature by dragging a box on the rendered page, sees an
// approximate preview of the appearance, and signs. With an external key the server answers with
// a PendingSignature: the dialog shows the digest to sign and takes the signature value (or a
// whole CMS) back to complete it (docs/API.md, "The outgoing approval flow").
import * as api from '/web/api.js';
import { addStrings, formatTime, t } from '/web/i18n.js';
import {
  commonName, currentUser, errorMessage, flash, h, hasRole, reloadButton, showActionFailure,
} from '/web/ui.js';

addStrings({
  vi: {
    'sign.title': 'Ký số văn bản',
    'sign.key': 'Khóa ký', 'sign.noKeys': 'Bạn chưa có khóa ký nào. Hãy liên hệ quản trị hệ thống.',
    'sign.source.pkcs12': 'PKCS#12 (lưu trên máy chủ)', 'sign.source.pkcs11': 'Token PKCS#11',
    'sign.source.external': 'Ký ngoài (USB token hoặc dịch vụ ký từ xa)',
    'sign.expires': 'hết hạn {date}', 'sign.expired': 'đã hết hạn',
    'sign.password.pkcs12': 'Mật khẩu tệp PKCS#12', 'sign.password.pkcs11': 'Mã PIN của token',
    'sign.placement': 'Vị trí chữ ký',
    'sign.placement.auto': 'Theo vị trí của mẫu quy trình / trường chữ ký có sẵn trong văn bản',
    'sign.placement.manual': 'Tự đặt vị trí trên trang',
    'sign.autoNote': 'Máy chủ đặt chữ ký theo vị trí quy định trong mẫu quy trình; nếu mẫu không quy định thì vào trường chữ ký trống của văn bản; nếu không có thì vào khối chữ ký theo thể thức Nghị định 30 (trang 1, phía dưới bên phải).',
    'sign.page': 'Trang', 'sign.loadingPage': 'Đang hiển thị trang…',
    'sign.box': 'Khung chữ ký: kéo để di chuyển, hoặc dùng phím mũi tên (5 pt; giữ Shift: 20 pt)',
    'sign.handle': 'Góc thay đổi kích thước: kéo, hoặc dùng phím mũi tên (5 pt; giữ Shift: 20 pt)',
    'sign.rect': 'Trang {page}: x {x}, y {y}, rộng {width}, cao {height} (điểm, tính từ góc dưới bên trái)',
    'sign.preview': 'Xem trước hình thức chữ ký',
    'sign.previewNote': 'Bản xem trước gần đúng; hình chữ ký và phông chữ thật do máy chủ vẽ khi ký.',
    'sign.signature': '(hình chữ ký)',
    'sign.submit': 'Ký số', 'sign.prepare': 'Lấy bản tóm lược để ký',
    'sign.pending': 'Bản tóm lược cần ký',
    'sign.pendingNote': 'Ký bản tóm lược dưới đây bằng thiết bị hoặc phần mềm ký của bạn, rồi dán chữ ký trả về vào ô bên dưới trước khi hết hạn. Văn bản chưa thay đổi cho đến khi bạn hoàn tất.',
    'sign.algorithm': 'Thuật toán băm', 'sign.digestHex': 'Bản tóm lược (hex)', 'sign.digestBase64': 'Bản tóm lược (base64)',
    'sign.expiresAt': 'Hết hạn lúc',
    'sign.copy': 'Sao chép', 'sign.copied': 'Đã sao chép.', 'sign.copyManual': 'Đã chọn nội dung; nhấn Ctrl+C để sao chép.',
    'sign.kind': 'Loại dữ liệu dán vào',
    'sign.kind.value': 'Giá trị chữ ký (base64, ký trực tiếp trên bản tóm lược)',
    'sign.kind.cms': 'Gói CMS đầy đủ (base64 hoặc PEM)',
    'sign.returned': 'Chữ ký trả về', 'sign.complete': 'Hoàn tất ký số', 'sign.again': 'Ký lại từ đầu',
    'sign.empty': 'Hãy dán chữ ký trả về.',
    'sign.conflict': 'Chữ ký này đã được hoàn tất, hoặc văn bản đã thay đổi từ khi chuẩn bị. Hãy tải lại văn bản.',
    'sign.chooseKey': 'Hãy chọn một khóa ký.',
    'err.signature_mismatch': 'Chữ ký dán vào không khớp với bản tóm lược và chứng thư số của khóa này. Hãy kiểm tra rồi dán lại; văn bản chưa thay đổi.',
    'err.expired': 'Bản tóm lược đã hết hạn. Hãy ký lại từ đầu để lấy bản tóm lược mới.',
  },
  en: {
    'sign.title': 'Sign the document',
    'sign.key': 'Signing key', 'sign.noKeys': 'You have no signing key. Ask your administrator.',
    'sign.source.pkcs12': 'PKCS#12 (kept on the server)', 'sign.source.pkcs11': 'PKCS#11 token',
    'sign.source.external': 'External (USB token or remote signing service)',
    'sign.expires': 'expires {date}', 'sign.expired': 'expired',
    'sign.password.pkcs12': 'PKCS#12 password', 'sign.password.pkcs11': 'Token PIN',
    'sign.placement': 'Signature position',
    'sign.placement.auto': 'The template\'s position / the document\'s signature field',
    'sign.placement.manual': 'Place it myself on the page',
    'sign.autoNote': 'The server places the signature where the workflow template says; if it says nothing, in the document\'s empty signature field; without one, in the Decree 30 signer block (page 1, bottom right).',
    'sign.page': 'Page', 'sign.loadingPage': 'Rendering the page…',
    'sign.box': 'Signature box: drag to move, or use the arrow keys (5 pt; with Shift: 20 pt)',
    'sign.handle': 'Resize handle: drag, or use the arrow keys (5 pt; with Shift: 20 pt)',
    'sign.rect': 'Page {page}: x {x}, y {y}, width {width}, height {height} (points from the bottom left)',
    'sign.preview': 'Appearance preview',
    'sign.previewNote': 'An approximate preview; the server draws the real signature image and fonts when signing.',
    'sign.signature': '(signature image)',
    'sign.submit': 'Sign', 'sign.prepare': 'Get the digest to sign',
    'sign.pending': 'The digest to sign',
    'sign.pendingNote': 'Sign the digest below with your device or signing software, then paste the returned signature below before it expires. The document does not change until you complete.',
    'sign.algorithm': 'Digest algorithm', 'sign.digestHex': 'Digest (hex)', 'sign.digestBase64': 'Digest (base64)',
    'sign.expiresAt': 'Expires at',
    'sign.copy': 'Copy', 'sign.copied': 'Copied.', 'sign.copyManual': 'Selected; press Ctrl+C to copy.',
    'sign.kind': 'What you paste',
    'sign.kind.value': 'The signature value (base64, signed directly over the digest)',
    'sign.kind.cms': 'A whole CMS (base64 or PEM)',
    'sign.returned': 'Returned signature', 'sign.complete': 'Complete the signature', 'sign.again': 'Start signing again',
    'sign.empty': 'Paste the returned signature.',
    'sign.conflict': 'This signature was completed already, or the document changed since it was prepared. Reload the document.',
    'sign.chooseKey': 'Choose a signing key.',
    'err.signature_mismatch': 'The pasted signature does not match the digest and this key\'s certificate. Check it and paste again; the document has not changed.',
    'err.expired': 'The digest has expired. Start signing again to get a new one.',
  },
});

const MOVE = 5;          // points per arrow key
const MOVE_FAST = 20;    // with Shift
const MIN_WIDTH = 40;
const MIN_HEIGHT = 20;
// The Decree 30 signer block the server uses without a rectangle (docs/API.md): where the box starts.
const DEFAULT_BOX = { x: 334, y: 175, width: 150, height: 90 };

const drafts = new Map();  // document id -> what the user chose and typed (not the password)

/// Vietnamese capitals as the server draws the position ("Chủ tịch" -> "CHỦ TỊCH").
function capitals(text) { return (text || '').toLocaleUpperCase('vi'); }

function attribute(subject, name) {
  const match = new RegExp(`(?:^|,)\\s*${name}=([^,]+)`, 'i').exec(subject || '');
  return match ? match[1].trim() : '';
}

/// "2026-11-29T23:55:00+07:00": the time as the server writes it in the appearance.
function appearanceTime(date) {
  const local = new Date(date.getTime() + 7 * 3600 * 1000);
  return `${local.toISOString().slice(0, 19)}+07:00`;
}

/// A `sign` delegation in force to the user, when they are not the leader themselves: they sign "KT.".
async function signsForLeader(me) {
  if (!me || hasRole('leader')) return false;
  try {
    const now = Date.now();
    const items = (await api.getJson('/api/v1/delegations')).items || [];
    return items.some((item) => item.to_user_id === me.id && ['sign', 'all'].includes(item.scope) && !item.revoked_at &&
      Date.parse(item.starts_at) <= now && now < Date.parse(item.ends_at));
  } catch { return false; }
}

/// The lines of the appearance: headings (bold, capitals), the image, the name (bold), the time.
function appearanceLines(key, me, delegated) {
  const position = attribute(key && key.certificate_subject, 'title');
  const headings = [];
  if (delegated && position) headings.push(`KT. ${capitals(position.replace(/^Phó\s+/i, ''))}`);
  if (position) headings.push(capitals(position));
  const name = (me && me.full_name) || commonName(key && key.certificate_subject) || '';
  return { headings, name, time: appearanceTime(new Date()) };
}

function drawAppearance(target, lines) {
  target.replaceChildren(
    h('div', { class: 'sig-headings' }, ...lines.headings.map((line) => h('div', { 'data-testid': 'sign-preview-heading' }, line))),
    h('div', { class: 'sig-image' }, t('sign.signature')),
    h('div', { class: 'sig-name', 'data-testid': 'sign-preview-name' }, lines.name),
    h('div', { class: 'sig-time', 'data-testid': 'sign-preview-time' }, lines.time));
}

function round(value) { return Math.round(value * 100) / 100; }

/// The latest version's PDF bytes.
async function latestBytes(doc) {
  const path = `/api/v1/documents/${encodeURIComponent(doc.id)}`;
  const items = (await api.getJson(`${path}/versions`)).items || [];
  const latest = items.reduce((best, version) => (!best || version.number > best.number ? version : best), null);
  if (!latest) throw new Error('no version');
  return (await api.request(`${path}/versions/${latest.number}/content`)).arrayBuffer();
}

/// Opens the signing dialog for `doc` in `dialog`; `reload` re-renders the document page.
export async function openSignDialog(dialog, doc, reload) {
  const me = currentUser();
  const draft = drafts.get(doc.id) || {};
  let keys = [];
  let keysError = null;
  try { keys = ((await api.getJson('/api/v1/me/keys')).items || []).filter((key) => key.active !== false); } catch (failure) { keysError = failure; }
  const delegated = await signsForLeader(me);
  const now = Date.now();
  const usable = (key) => !key.not_after || Date.parse(key.not_after) > now;

  // ---- the key ----
  const chosenId = draft.key_id && keys.some((key) => key.id === draft.key_id && usable(key))
    ? draft.key_id : (keys.find(usable) || {}).id;
  const keyList = h('div', { class: 'key-list', role: 'radiogroup' }, ...keys.map((key) => h('label', { class: 'key-choice' },
    h('input', { type: 'radio', name: 'key_id', value: key.id, checked: key.id === chosenId, disabled: !usable(key),
      'data-testid': `sign-key-${key.id}`, 'data-source': key.source }),
    h('span', {},
      h('strong', {}, t(`sign.source.${key.source}`)), ' — ', commonName(key.certificate_subject) || key.id,
      attribute(key.certificate_subject, 'title') ? `, ${attribute(key.certificate_subject, 'title')}` : '',
      h('span', { class: 'muted' }, ` · ${key.id} · `,
        usable(key) ? t('sign.expires', { date: formatTime(key.not_after) }) : t('sign.expired'))))));
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'off', 'data-testid': 'field-password' });
  const passwordLabel = h('span', {});
  const passwordField = h('label', {}, passwordLabel, password);
  const chosenKey = () => {
    const input = keyList.querySelector('input[name=key_id]:checked');
    return input ? keys.find((key) => key.id === input.value) : null;
  };

  // ---- the placement ----
  const auto = h('input', { type: 'radio', name: 'placement', value: 'auto', checked: draft.placement !== 'manual', 'data-testid': 'sign-placement-auto' });
  const manual = h('input', { type: 'radio', name: 'placement', value: 'manual', checked: draft.placement === 'manual', 'data-testid': 'sign-placement-manual' });
  const pageSelect = h('select', { name: 'page', 'data-testid': 'sign-page' });
  const canvas = h('canvas', { 'data-testid': 'sign-canvas', 'aria-hidden': 'true' });
  const box = h('div', { class: 'sig-box', tabindex: '0', role: 'group', 'aria-label': t('sign.box'), title: t('sign.box'), 'data-testid': 'sign-box' });
  const boxContent = h('div', { class: 'sig-appearance' });
  const handle = h('div', { class: 'sig-handle', tabindex: '0', role: 'button', 'aria-label': t('sign.handle'), title: t('sign.handle'), 'data-testid': 'sign-handle' });
  box.append(boxContent, handle);
  const stage = h('div', { class: 'sig-stage', 'data-testid': 'sign-stage' }, canvas, box);
  const readout = h('p', { class: 'muted', 'aria-live': 'polite', 'data-testid': 'sign-rect' });
  const pageStatus = h('p', { class: 'muted', 'data-testid': 'sign-page-status' });
  const manualArea = h('div', { class: 'sig-manual', hidden: true },
    h('label', {}, t('sign.page'), pageSelect), pageStatus, stage, readout);
  const autoNote = h('p', { class: 'muted', 'data-testid': 'sign-auto-note' }, t('sign.autoNote'));
  const preview = h('div', { class: 'sig-preview sig-appearance', 'data-testid': 'sign-preview' });

  const comment = h('textarea', { name: 'comment', 'data-testid': 'field-comment' });
  comment.value = draft.comment || '';
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'dialog-error' });
  const confirm = h('button', { class: 'primary', type: 'submit', 'data-testid': 'dialog-confirm' }, t('sign.submit'));
  const form = h('form', { class: 'form sign-dialog', method: 'dialog', 'data-testid': 'action-dialog', 'data-action': 'sign' },
    h('h2', {}, t('sign.title')),
    h('p', {}, doc.subject),
    h('fieldset', {}, h('legend', {}, t('sign.key')),
      keys.length ? keyList : h('p', { class: 'error', 'data-testid': 'sign-no-keys' }, keysError ? errorMessage(keysError) : t('sign.noKeys')),
      passwordField),
    h('div', { class: 'sig-layout' },
      h('fieldset', {}, h('legend', {}, t('sign.placement')),
        h('label', { class: 'inline' }, auto, t('sign.placement.auto')),
        h('label', { class: 'inline' }, manual, t('sign.placement.manual')),
        autoNote, manualArea),
      h('section', { class: 'sig-preview-card' }, h('h3', {}, t('sign.preview')), preview,
        h('p', { class: 'muted' }, t('sign.previewNote')))),
    h('label', {}, t('comment'), comment),
    error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => dialog.close() }, t('cancel')),
      confirm));

  // The box, in points of the page as shown (top-left origin, unrotated view); `page` its size
  // and conversions once rendered.
  let page = null;
  let pdf = null;
  const rect = { left: 0, top: 0, width: DEFAULT_BOX.width, height: DEFAULT_BOX.height };
  let pageNumber = Number(draft.page) || 1;

  const lines = () => appearanceLines(chosenKey(), me, delegated);
  const pdfRectangle = () => {
    const [x1, y1] = page.toPdf(rect.left * page.scale, rect.top * page.scale);
    const [x2, y2] = page.toPdf((rect.left + rect.width) * page.scale, (rect.top + rect.height) * page.scale);
    return { x: round(Math.min(x1, x2)), y: round(Math.min(y1, y2)), width: round(Math.abs(x2 - x1)), height: round(Math.abs(y2 - y1)) };
  };
  const keep = () => {
    const key = chosenKey();
    drafts.set(doc.id, { key_id: key ? key.id : '', placement: manual.checked ? 'manual' : 'auto', page: pageNumber,
      rect: { ...rect }, comment: comment.value });
  };
  const layout = () => {
    if (!page) return;
    rect.width = Math.min(Math.max(rect.width, MIN_WIDTH), page.viewWidth);
    rect.height = Math.min(Math.max(rect.height, MIN_HEIGHT), page.viewHeight);
    rect.left = Math.min(Math.max(rect.left, 0), page.viewWidth - rect.width);
    rect.top = Math.min(Math.max(rect.top, 0), page.viewHeight - rect.height);
    box.style.left = `${rect.left * page.scale}px`;
    box.style.top = `${rect.top * page.scale}px`;
    box.style.width = `${rect.width * page.scale}px`;
    box.style.height = `${rect.height * page.scale}px`;
    boxContent.style.fontSize = `${10 * page.scale}px`;
    const placed = pdfRectangle();
    Object.assign(readout.dataset, { page: String(pageNumber), x: String(placed.x), y: String(placed.y),
      width: String(placed.width), height: String(placed.height) });
    readout.textContent = t('sign.rect', { page: pageNumber, x: placed.x, y: placed.y, width: placed.width, height: placed.height });
    keep();
  };
  const refreshAppearance = () => { const now = lines(); drawAppearance(preview, now); drawAppearance(boxContent, now); };
  const refreshKey = () => {
    const key = chosenKey();
    const external = !key || key.source === 'external';
    passwordField.hidden = external;
    password.required = !external;
    passwordLabel.textContent = key && key.source === 'pkcs11' ? t('sign.password.pkcs11') : t('sign.password.pkcs12');
    confirm.textContent = key && key.source === 'external' ? t('sign.prepare') : t('sign.submit');
    refreshAppearance();
  };

  const showPage = async (number) => {
    pageNumber = number;
    pageStatus.textContent = t('sign.loadingPage');
    stage.dataset.ready = 'false';
    try {
      if (!pdf) {
        const { openPdf } = await import('/web/pdfview.js');
        pdf = await openPdf(await latestBytes(doc));
        pageSelect.replaceChildren(...Array.from({ length: pdf.numPages }, (_, index) => h('option', { value: String(index + 1) }, String(index + 1))));
      }
      pageNumber = Math.min(Math.max(number, 1), pdf.numPages);
      pageSelect.value = String(pageNumber);
      const { renderPage } = await import('/web/pdfview.js');
      const width = Math.max(280, Math.min(560, (manualArea.clientWidth || 560) - 4));
      const shown = await renderPage(canvas, pdf, pageNumber, width);
      const first = !page;
      page = { ...shown, viewWidth: shown.width, viewHeight: shown.height };
      // The view may be rotated: its size in points is the canvas's CSS size over the scale.
      page.viewWidth = parseFloat(canvas.style.width) / shown.scale;
      page.viewHeight = parseFloat(canvas.style.height) / shown.scale;
      stage.style.width = canvas.style.width;
      stage.style.height = canvas.style.height;
      if (first) {
        if (draft.rect) Object.assign(rect, draft.rect);
        else {
          // Start at the Decree 30 signer block, where the server would put it.
          const [left, top] = shown.toCss(DEFAULT_BOX.x, DEFAULT_BOX.y + DEFAULT_BOX.height);
          Object.assign(rect, { left: left / shown.scale, top: top / shown.scale });
        }
      }
      pageStatus.textContent = '';
      layout();
      stage.dataset.ready = 'true';
    } catch (failure) {
      pageStatus.textContent = errorMessage(failure);
    }
  };

  const refreshPlacement = async () => {
    manualArea.hidden = !manual.checked;
    autoNote.hidden = manual.checked;
    keep();
    if (manual.checked && !page) await showPage(pageNumber);
  };

  // ---- dragging and resizing (pointer events: mouse, pen and touch) ----
  const drag = (element, onMove) => {
    element.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || !page) return;
      if (element === box && event.target === handle) return;
      event.preventDefault();
      event.stopPropagation();
      element.focus();
      const start = { x: event.clientX, y: event.clientY, rect: { ...rect } };
      element.setPointerCapture(event.pointerId);
      const move = (next) => { onMove(start, (next.clientX - start.x) / page.scale, (next.clientY - start.y) / page.scale); layout(); };
      const end = () => {
        element.removeEventListener('pointermove', move);
        element.removeEventListener('pointerup', end);
        element.removeEventListener('pointercancel', end);
      };
      element.addEventListener('pointermove', move);
      element.addEventListener('pointerup', end);
      element.addEventListener('pointercancel', end);
    });
  };
  drag(box, (start, dx, dy) => { rect.left = start.rect.left + dx; rect.top = start.rect.top + dy; });
  drag(handle, (start, dx, dy) => { rect.width = start.rect.width + dx; rect.height = start.rect.height + dy; });
  const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  box.addEventListener('keydown', (event) => {
    const step = arrows[event.key];
    if (!step || !page) return;
    event.preventDefault();
    const amount = event.shiftKey ? MOVE_FAST : MOVE;
    if (event.target === handle) { rect.width += step[0] * amount; rect.height += step[1] * amount; } else { rect.left += step[0] * amount; rect.top += step[1] * amount; }
    layout();
  });

  keyList.addEventListener('change', () => { refreshKey(); keep(); });
  auto.addEventListener('change', refreshPlacement);
  manual.addEventListener('change', refreshPlacement);
  pageSelect.addEventListener('change', () => showPage(Number(pageSelect.value)));
  comment.addEventListener('input', keep);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const key = chosenKey();
    if (!key) { error.textContent = t('sign.chooseKey'); return; }
    const body = { action: 'sign', key_id: key.id };
    if (key.source !== 'external') body.password = password.value;
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (manual.checked) {
      if (!page) { error.textContent = t('sign.loadingPage'); return; }
      body.page = pageNumber;
      body.rectangle = pdfRectangle();
    }
    keep();
    confirm.disabled = true;
    try {
      const { body: answer } = await api.act(doc.id, doc.revision, body);
      if (answer && answer.pending_id) {
        showPending(dialog, doc, reload, answer, body.comment || '');
        return;
      }
      drafts.delete(doc.id);
      dialog.close();
      flash(t('done.action', { action: t('action.sign') }), 'info');
      await reload();
    } catch (failure) {
      showActionFailure(error, failure, dialog, reload);
    } finally {
      confirm.disabled = false;
    }
  });

  dialog.replaceChildren(form);
  dialog.classList.add('wide');
  dialog.addEventListener('close', () => { dialog.classList.remove('wide'); if (pdf && pdf.loadingTask) pdf.loadingTask.destroy(); }, { once: true });
  if (!dialog.open) dialog.showModal();
  refreshKey();
  await refreshPlacement();
}

// ---- external signing: the digest out, the signature back ----
function copyField(label, value, testid) {
  const input = h('input', { readonly: true, value, 'data-testid': testid, class: 'mono' });
  const note = h('span', { class: 'muted', 'aria-live': 'polite' });
  const copy = async () => {
    try { await navigator.clipboard.writeText(value); note.textContent = t('sign.copied'); } catch {
      input.focus();
      input.select();
      note.textContent = t('sign.copyManual');
    }
  };
  return h('div', { class: 'copy-field' }, h('label', {}, label, input),
    h('button', { type: 'button', onclick: copy, 'data-testid': `${testid}-copy` }, t('sign.copy')), note);
}

/// What was pasted, as the API wants it: base64 without whitespace (a PEM's armour removed).
function pastedBase64(text) {
  return text.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '');
}

function showPending(dialog, doc, reload, pending, comment) {
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'dialog-error' });
  const value = h('input', { type: 'radio', name: 'kind', value: 'signature_value', checked: true, 'data-testid': 'sign-kind-value' });
  const cms = h('input', { type: 'radio', name: 'kind', value: 'cms', 'data-testid': 'sign-kind-cms' });
  const returned = h('textarea', { name: 'returned', required: true, rows: '5', class: 'mono', 'data-testid': 'sign-returned' });
  const complete = h('button', { class: 'primary', type: 'submit', 'data-testid': 'sign-complete' }, t('sign.complete'));
  const form = h('form', { class: 'form sign-dialog', method: 'dialog', 'data-testid': 'sign-pending', 'data-pending': pending.pending_id },
    h('h2', {}, t('sign.pending')),
    h('p', {}, doc.subject),
    h('p', { class: 'muted' }, t('sign.pendingNote')),
    h('dl', { class: 'meta' },
      h('dt', {}, t('sign.algorithm')), h('dd', { 'data-testid': 'sign-algorithm' }, pending.digest_algorithm || ''),
      h('dt', {}, t('sign.expiresAt')), h('dd', { 'data-testid': 'sign-expires' }, formatTime(pending.expires_at)),
      h('dt', {}, t('sign.key')), h('dd', { 'data-testid': 'sign-pending-key' }, pending.key_id || '')),
    copyField(t('sign.digestHex'), pending.to_be_signed_digest_hex || '', 'sign-digest-hex'),
    copyField(t('sign.digestBase64'), pending.to_be_signed_digest || '', 'sign-digest-base64'),
    h('fieldset', {}, h('legend', {}, t('sign.kind')),
      h('label', { class: 'inline' }, value, t('sign.kind.value')),
      h('label', { class: 'inline' }, cms, t('sign.kind.cms'))),
    h('label', {}, t('sign.returned'), returned),
    error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => dialog.close() }, t('cancel')),
      complete));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const text = pastedBase64(returned.value);
    if (!text) { error.textContent = t('sign.empty'); return; }
    const body = { action: 'complete_signature', pending_id: pending.pending_id };
    body[cms.checked ? 'cms' : 'signature_value'] = text;
    if (comment) body.comment = comment;
    complete.disabled = true;
    try {
      await api.act(doc.id, pending.document_revision ?? doc.revision, body);
      drafts.delete(doc.id);
      dialog.close();
      flash(t('done.action', { action: t('action.sign') }), 'info');
      await reload();
    } catch (failure) {
      // The pasted text stays in the box.
      if (failure.code === 'conflict' || failure.status === 409 || failure.status === 412) {
        error.append(t('sign.conflict'), failure.detail ? ` ${t('err.detail', { detail: failure.detail })}` : '', ' ',
          reloadButton(dialog, reload));
      } else {
        error.append(errorMessage(failure));
        if (failure.status === 410 || failure.code === 'expired') {
          error.append(' ', h('button', { type: 'button', 'data-testid': 'sign-again',
            onclick: () => openSignDialog(dialog, doc, reload) }, t('sign.again')));
        }
      }
    } finally {
      complete.disabled = false;
    }
  });
  dialog.replaceChildren(form);
  returned.focus();
}
