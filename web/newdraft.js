// The new-draft form: type, trích yếu, urgency, confidentiality, the recipients picker, the PDF and
// its attachments, each upload with its own progress bar. Creating is done in steps (the draft,
// its recipients, each attachment with the draft's ETag); a step that fails says which, and a
// retry does only what is left. What was typed is kept in sessionStorage while the form is open
// (the chosen files in memory, for as long as the tab lives), so a session that expires, a server
// that is down or a refused file loses nothing; it is cleared once the draft is complete.
import * as api from '/web/api.js';
import { addStrings, t, tv } from '/web/i18n.js';
import { bytesText, currentUser, errorMessage, flash, h, hasRole } from '/web/ui.js';
import { isPdf, recipientsPicker, revisionOf, unitsPicker, uploadErrorMessage, uploadMultipart } from '/web/docparts.js';

addStrings({
  vi: {
    'nd.attachments': 'Tệp đính kèm (PDF, có thể chọn nhiều tệp)', 'nd.removeAttachment': 'Bỏ tệp {name}',
    'nd.restored': 'Đã khôi phục nội dung bạn nhập trước đó.', 'nd.keptFile': 'Tệp đã chọn: {name}',
    'nd.step.create': 'Tạo dự thảo', 'nd.step.recipients': 'Lưu nơi nhận', 'nd.step.attachment': 'Tải lên tệp đính kèm {name}',
    'nd.failedAt': 'Chưa xong bước “{step}”.', 'nd.created': 'Dự thảo đã được tạo:', 'nd.open': 'mở dự thảo',
    'nd.retry': 'Bấm “{button}” để làm tiếp các bước còn lại (các bước đã xong không làm lại).',
    'nd.finish': 'Hoàn tất', 'nd.done': 'Đã xong', 'nd.waiting': 'Chờ tải lên', 'nd.discard': 'Xóa nội dung đã nhập',
    'nd.chooseFile': 'Hãy chọn tệp PDF của văn bản.', 'nd.subjectRequired': 'Hãy nhập trích yếu.',
  },
  en: {
    'nd.attachments': 'Attachments (PDF, several may be chosen)', 'nd.removeAttachment': 'Remove {name}',
    'nd.restored': 'What you typed before has been restored.', 'nd.keptFile': 'Chosen file: {name}',
    'nd.step.create': 'Create the draft', 'nd.step.recipients': 'Save the recipients', 'nd.step.attachment': 'Upload the attachment {name}',
    'nd.failedAt': 'The step “{step}” is not done.', 'nd.created': 'The draft was created:', 'nd.open': 'open the draft',
    'nd.retry': 'Press “{button}” to do the remaining steps (the steps already done are not done again).',
    'nd.finish': 'Finish', 'nd.done': 'Done', 'nd.waiting': 'Waiting to upload', 'nd.discard': 'Clear the form',
    'nd.chooseFile': 'Choose the document\'s PDF file.', 'nd.subjectRequired': 'Type the subject (trích yếu).',
  },
});

const KEY = 'vanthu.newdraft';
const documentTypes = ['', 'QĐ', 'TB', 'KH', 'BC', 'TTr', 'CT', 'QC', 'HD'];

// The chosen files, kept in memory for as long as the tab lives (files cannot go to sessionStorage).
let files = { owner: '', main: null, attachments: [] };  // attachments: [{file, done}]

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch { return null; }
}

function store(state) { sessionStorage.setItem(KEY, JSON.stringify(state)); }

function clear() {
  sessionStorage.removeItem(KEY);
  files = { owner: '', main: null, attachments: [] };
}

export function viewNew(main) {
  const user = currentUser();
  const owner = user ? user.username : '';
  let state = load();
  if (state && state.owner !== owner) { clear(); state = null; }
  if (files.owner !== owner) files = { owner, main: null, attachments: [] };
  const restored = !!state;
  state = state || {
    owner, direction: 'outgoing', document_type: 'QĐ', subject: '', urgency: 'normal', confidentiality: 'normal',
    recipients: [], units: [], created: null, savedRecipients: null,
  };
  state.units = state.units || [];
  const save = () => store(state);

  const subject = h('textarea', { name: 'subject', id: 'nd-subject', required: true, maxlength: '2000', 'data-testid': 'new-subject' });
  subject.value = state.subject;
  const type = h('select', { name: 'document_type', id: 'nd-type', 'data-testid': 'new-type' },
    ...documentTypes.map((code) => h('option', { value: code, selected: code === state.document_type }, code || t('type.cv'))));
  const urgency = h('select', { name: 'urgency', id: 'nd-urgency', 'data-testid': 'new-urgency' },
    ...['normal', 'urgent', 'very_urgent', 'express'].map((value) => h('option', { value, selected: value === state.urgency }, tv('urgency', value))));
  const confidentiality = h('select', { name: 'confidentiality', id: 'nd-confidentiality', 'data-testid': 'new-confidentiality' },
    ...['normal', 'confidential', 'secret', 'top_secret'].map((value) => h('option', { value, selected: value === state.confidentiality }, tv('conf', value))));
  // A clerk also records what arrived on paper or by e-mail as an incoming document.
  const direction = h('select', { name: 'direction', id: 'nd-direction', 'data-testid': 'new-direction' },
    ...['outgoing', 'incoming'].map((value) => h('option', { value, selected: value === state.direction }, tv('direction', value))));
  const file = h('input', { type: 'file', name: 'file', id: 'nd-file', accept: 'application/pdf,.pdf', 'data-testid': 'new-file' });
  const keptFile = h('span', { class: 'muted', 'data-testid': 'new-file-kept' });
  const progress = h('progress', { max: '100', value: '0', hidden: true, 'data-testid': 'new-progress' });
  const progressText = h('span', { class: 'muted', 'data-testid': 'new-progress-text' });
  const error = h('div', { class: 'error', role: 'alert', 'data-testid': 'new-error' });
  const submit = h('button', { class: 'primary', type: 'submit', 'data-testid': 'new-submit' }, t('new.create'));
  const discard = h('button', { type: 'button', 'data-testid': 'new-discard', onclick: () => { clear(); viewNew(main); } }, t('nd.discard'));

  const picker = recipientsPicker(state.recipients, (list) => { state.recipients = list; save(); }, 'new-rcp');
  const unitPicker = user ? unitsPicker(user.organisation_id, state.units, (ids) => { state.units = ids; save(); }, 'new-units') : null;

  const attachmentInput = h('input', { type: 'file', id: 'nd-attachments', multiple: true, accept: 'application/pdf,.pdf', 'data-testid': 'new-attachments' });
  const attachmentList = h('ul', { class: 'uploads', 'data-testid': 'new-attachment-list' });
  const drawAttachments = () => {
    attachmentList.replaceChildren(...files.attachments.map((entry, index) => {
      entry.bar = entry.bar || h('progress', { max: '100', value: entry.done ? '100' : '0', 'data-testid': 'attachment-progress' });
      entry.note = entry.note || h('span', { class: 'muted', 'data-testid': 'attachment-state' });
      entry.note.textContent = entry.done ? t('nd.done') : t('nd.waiting');
      return h('li', { 'data-testid': 'new-attachment', 'data-name': entry.file.name, 'data-done': entry.done ? 'true' : 'false' },
        h('span', {}, `${entry.file.name} (${bytesText(entry.file.size)})`), ' ', entry.bar, ' ', entry.note, ' ',
        entry.done ? null : h('button', { type: 'button', 'data-testid': 'new-attachment-remove',
          'aria-label': t('nd.removeAttachment', { name: entry.file.name }),
          onclick: () => { files.attachments.splice(index, 1); drawAttachments(); } }, '×'));
    }));
  };
  attachmentInput.addEventListener('change', () => {
    error.replaceChildren();
    for (const chosen of attachmentInput.files) {
      if (!isPdf(chosen)) { error.append(h('p', {}, t('upload.notPdf', { name: chosen.name }))); continue; }
      files.attachments.push({ file: chosen, done: false });
    }
    attachmentInput.value = '';
    drawAttachments();
  });
  drawAttachments();

  const showKept = () => { keptFile.textContent = files.main ? t('nd.keptFile', { name: files.main.name }) : ''; };
  file.addEventListener('change', () => { files.main = file.files[0] || null; showKept(); });
  if (files.main) {
    try { const transfer = new DataTransfer(); transfer.items.add(files.main); file.files = transfer.files; } catch { /* shown as kept */ }
  }
  showKept();

  const outgoingOnly = h('div', { class: 'outgoing-only' }, picker.element, unitPicker ? unitPicker.element : null,
    h('label', { for: 'nd-attachments' }, t('nd.attachments'), attachmentInput), attachmentList);
  const lockCreated = () => {
    for (const element of [subject, type, urgency, confidentiality, direction, file]) element.disabled = !!state.created;
    submit.textContent = state.created ? t('nd.finish') : t('new.create');
  };
  const follow = () => {
    state.direction = hasRole('clerk') ? direction.value : 'outgoing';
    outgoingOnly.hidden = state.direction !== 'outgoing';
  };
  const form = h('form', { class: 'card form', 'data-testid': 'new-form', novalidate: true },
    hasRole('clerk') ? h('label', { for: 'nd-direction' }, t('direction'), direction) : null,
    h('label', { for: 'nd-type' }, t('type'), type), h('label', { for: 'nd-subject' }, t('subject'), subject),
    h('label', { for: 'nd-urgency' }, t('urgency'), urgency), h('label', { for: 'nd-confidentiality' }, t('confidentiality'), confidentiality),
    h('label', { for: 'nd-file' }, t('new.file'), file), keptFile, progress, progressText,
    outgoingOnly, error, h('div', { class: 'buttons' }, discard, submit));
  form.addEventListener('input', () => {
    state.subject = subject.value; state.document_type = type.value; state.urgency = urgency.value;
    state.confidentiality = confidentiality.value; follow(); save();
  });
  form.addEventListener('change', () => form.dispatchEvent(new Event('input')));
  follow();
  lockCreated();

  const fail = async (step, failure, chosen) => {
    const message = chosen ? await uploadErrorMessage(failure, chosen) : errorMessage(failure);
    error.replaceChildren(h('p', { 'data-testid': 'new-error-step' }, t('nd.failedAt', { step })), h('p', {}, message));
    if (state.created) {
      error.append(h('p', {}, t('nd.created'), ' ', h('a', { href: `#/doc/${state.created.id}`, 'data-testid': 'new-created-link' }, t('nd.open')), '. ',
        t('nd.retry', { button: t('nd.finish') })));
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    follow();
    const outgoing = state.direction === 'outgoing';
    if (!state.created) {
      if (!subject.value.trim()) { error.append(h('p', {}, t('nd.subjectRequired'))); subject.focus(); return; }
      if (!files.main) { error.append(h('p', {}, t('nd.chooseFile'))); file.focus(); return; }
      if (!isPdf(files.main)) { error.append(h('p', {}, t('new.notPdf'))); return; }
    }
    submit.disabled = true;
    let step = t('nd.step.create');
    let chosen = null;
    try {
      await api.getJson('/api/v1/me');  // refreshes an expired access token before the uploads
      if (!state.created) {
        chosen = files.main;
        progress.hidden = false;
        const onProgress = (percent) => { progress.value = percent; progressText.textContent = t('new.uploading', { percent }); };
        onProgress(0);
        const created = await api.uploadDocument({
          direction: state.direction, subject: subject.value.trim(), document_type: type.value,
          urgency: urgency.value, confidentiality: confidentiality.value,
        }, files.main, onProgress);
        state.created = { id: created.id, revision: created.revision };
        save();
        lockCreated();
        chosen = null;
      }
      const path = `/api/v1/documents/${encodeURIComponent(state.created.id)}`;
      const codes = outgoing ? state.recipients.map((item) => item.code) : [];
      const wanted = { recipients: codes, units: outgoing ? state.units : [] };
      if (outgoing && (codes.length || wanted.units.length) &&
          JSON.stringify(wanted) !== JSON.stringify(state.savedRecipients)) {
        step = t('nd.step.recipients');
        await api.request(`${path}/recipients`, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(wanted) });
        state.savedRecipients = wanted;
        save();
      }
      const left = outgoing ? files.attachments.filter((entry) => !entry.done) : [];
      if (left.length) {
        let revision = (await api.getJson(path)).revision;  // the draft's current revision, for If-Match
        for (const entry of left) {
          step = t('nd.step.attachment', { name: entry.file.name });
          chosen = entry.file;
          entry.note.textContent = t('att.uploading', { name: entry.file.name, percent: 0 });
          const answer = await uploadMultipart(`${path}/attachments`, [
            ['metadata', new Blob([JSON.stringify({ name: entry.file.name })], { type: 'application/json' })],
            ['file', entry.file, entry.file.name]], { 'If-Match': `"${revision}"` },
          (percent) => { entry.bar.value = percent; entry.note.textContent = t('att.uploading', { name: entry.file.name, percent }); });
          revision = revisionOf(answer.etag, revision + 1);
          entry.done = true;
          drawAttachments();
        }
        chosen = null;
      }
      const id = state.created.id;
      clear();
      flash('');
      location.hash = `#/doc/${encodeURIComponent(id)}`;
    } catch (failure) {
      progress.hidden = true;
      progressText.textContent = '';
      drawAttachments();
      await fail(step, failure, chosen);  // the form keeps what was typed and chosen
    } finally {
      submit.disabled = false;
    }
  });
  main.replaceChildren(...[h('h1', {}, t('new.title')),
    restored ? h('p', { class: 'flash info', 'data-testid': 'new-restored' }, t('nd.restored')) : null, form].filter(Boolean));
}
