// Parts of a document that the new-draft form and the document page share: the recipients
// picker (agencies of the directory, filtered by tier and searched by code or name), uploads with
// progress (XMLHttpRequest upload events), and the document page's recipients, attachments and
// exchange-tracking cards.
import * as api from '/web/api.js';
import { addStrings, formatTime, t } from '/web/i18n.js';
import { bytesText, card, currentUser, errorMessage, h, hasRole } from '/web/ui.js';

addStrings({
  vi: {
    'rcp.title': 'Nơi nhận', 'rcp.tier': 'Cấp', 'rcp.allTiers': 'Tất cả các cấp', 'rcp.search': 'Tìm cơ quan (mã hoặc tên)',
    'rcp.searchButton': 'Tìm', 'rcp.add': 'Thêm', 'rcp.remove': 'Bỏ {name}', 'rcp.none': 'Chưa chọn nơi nhận.',
    'rcp.noMatch': 'Không có cơ quan nào phù hợp.', 'rcp.chosen': 'Đã chọn', 'rcp.abolished': 'đã bãi bỏ',
    'rcp.results': 'Kết quả tìm kiếm', 'rcp.edit': 'Sửa nơi nhận', 'rcp.save': 'Lưu nơi nhận', 'rcp.saved': 'Đã lưu nơi nhận.',
    'rcp.code': 'Mã định danh', 'rcp.name': 'Cơ quan', 'rcp.searching': 'Đang tìm…',
    'rcp.units': 'Nơi nhận trong cơ quan (đơn vị)', 'rcp.unitsNone': 'Không gửi đơn vị nào trong cơ quan.',
    'att.title': 'Tệp đính kèm', 'att.none': 'Không có tệp đính kèm.', 'att.name': 'Tên tệp', 'att.signed': 'Đã ký số',
    'att.add': 'Thêm tệp đính kèm (PDF)', 'att.upload': 'Tải lên', 'att.uploaded': 'Đã tải lên tệp đính kèm {name}.',
    'att.uploading': 'Đang tải lên {name}… {percent}%',
    'upload.tooLarge': 'Tệp {name} vượt quá giới hạn dung lượng của máy chủ. Hãy chọn tệp nhỏ hơn; nội dung đã nhập vẫn được giữ.',
    'upload.notPdf': 'Tệp {name} không phải PDF. Chỉ nhận tệp PDF.',
    'upload.cut': 'Máy chủ đã ngắt kết nối khi đang tải lên {name}: có thể tệp vượt quá giới hạn dung lượng của máy chủ, hoặc mạng bị gián đoạn. Nội dung đã nhập vẫn được giữ.',
    'xs.title': 'Trạng thái theo nơi nhận', 'xs.queued': 'Đã xếp hàng gửi', 'xs.sent': 'Đã gửi', 'xs.delivery_failed': 'Gửi không thành công',
    'xs.01': '01 — Đã đến', 'xs.02': '02 — Từ chối tiếp nhận', 'xs.03': '03 — Đã vào sổ', 'xs.04': '04 — Đã phân công',
    'xs.05': '05 — Đang xử lý', 'xs.06': '06 — Hoàn thành', 'xs.13': '13 — Yêu cầu lấy lại', 'xs.15': '15 — Đồng ý lấy lại',
    'xs.16': '16 — Từ chối lấy lại', 'xs.sender': 'Nơi gửi', 'xs.staff': 'Người xử lý',
  },
  en: {
    'rcp.title': 'Recipients', 'rcp.tier': 'Tier', 'rcp.allTiers': 'All tiers', 'rcp.search': 'Find an agency (code or name)',
    'rcp.searchButton': 'Search', 'rcp.add': 'Add', 'rcp.remove': 'Remove {name}', 'rcp.none': 'No recipient chosen.',
    'rcp.noMatch': 'No agency matches.', 'rcp.chosen': 'Chosen', 'rcp.abolished': 'abolished',
    'rcp.results': 'Search results', 'rcp.edit': 'Edit the recipients', 'rcp.save': 'Save the recipients', 'rcp.saved': 'The recipients were saved.',
    'rcp.code': 'Identifier code', 'rcp.name': 'Agency', 'rcp.searching': 'Searching…',
    'rcp.units': 'Within the agency (units)', 'rcp.unitsNone': 'No unit of the agency.',
    'att.title': 'Attachments', 'att.none': 'No attachment.', 'att.name': 'File name', 'att.signed': 'Signed',
    'att.add': 'Add an attachment (PDF)', 'att.upload': 'Upload', 'att.uploaded': 'Attachment {name} uploaded.',
    'att.uploading': 'Uploading {name}… {percent}%',
    'upload.tooLarge': 'The file {name} is over the server\'s upload limit. Choose a smaller file; what you typed is kept.',
    'upload.notPdf': 'The file {name} is not a PDF. Only PDF files are accepted.',
    'upload.cut': 'The server closed the connection while {name} was uploading: the file may be over the server\'s upload limit, or the network failed. What you typed is kept.',
    'xs.title': 'Status by recipient', 'xs.queued': 'Queued', 'xs.sent': 'Sent', 'xs.delivery_failed': 'Delivery failed',
    'xs.01': '01 — Arrived', 'xs.02': '02 — Refused', 'xs.03': '03 — Registered', 'xs.04': '04 — Assigned',
    'xs.05': '05 — In progress', 'xs.06': '06 — Completed', 'xs.13': '13 — Take-back requested', 'xs.15': '15 — Take-back accepted',
    'xs.16': '16 — Take-back refused', 'xs.sender': 'Sender', 'xs.staff': 'Handled by',
  },
});

/// The units of `organisationId` as check boxes (nơi nhận within the agency): `chosen` the unit ids
/// ticked; `onChange(ids)` after each change; value() the ticked ids in the organisation's order.
export function unitsPicker(organisationId, chosen, onChange, idPrefix = 'units') {
  const ticked = new Set(chosen || []);
  let units = [];
  const list = h('div', { class: 'unit-choices', 'data-testid': `${idPrefix}-list` }, h('span', { class: 'muted' }, t('rcp.searching')));
  const element = h('fieldset', { class: 'picker', 'data-testid': idPrefix }, h('legend', {}, t('rcp.units')), list);
  const value = () => units.filter((unit) => ticked.has(unit.id)).map((unit) => unit.id);
  api.getJson(`/api/v1/organizations/${encodeURIComponent(organisationId)}/units`).then((data) => {
    units = data.items || [];
    list.replaceChildren(...units.map((unit) => {
      const box = h('input', { type: 'checkbox', id: `${idPrefix}-${unit.id}`, value: unit.id, checked: ticked.has(unit.id),
        'data-testid': `${idPrefix}-unit`, 'data-unit': unit.id });
      box.addEventListener('change', () => {
        if (box.checked) ticked.add(unit.id); else ticked.delete(unit.id);
        onChange(value());
      });
      return h('label', { class: 'check', for: `${idPrefix}-${unit.id}` }, box, `${unit.name} (${unit.abbreviation})`);
    }));
  }).catch((failure) => list.replaceChildren(h('span', { class: 'error', role: 'alert' }, errorMessage(failure))));
  return { element, value };
}

// ---- the directory's tiers, read once per page load ----
let tiersPromise = null;
export function tiers() {
  if (!tiersPromise) {
    tiersPromise = api.getJson('/api/v1/tiers').then((body) => body.items || [])
      .catch((failure) => { tiersPromise = null; throw failure; });
  }
  return tiersPromise;
}

export function tierName(code, list) {
  const tier = (list || []).find((item) => item.code === code);
  return tier ? tier.name : (code || '');
}

export function isPdf(file) {
  return !!file && (file.type === 'application/pdf' || /\.pdf$/i.test(file.name || ''));
}

/// The recipients picker: `chosen` is [{code, name, tier}]; onChange(list) after every change.
/// Returns {element, value()}.
export function recipientsPicker(chosen, onChange, idPrefix = 'rcp') {
  let list = [...chosen];
  const tierSelect = h('select', { 'data-testid': `${idPrefix}-tier`, id: `${idPrefix}-tier` },
    h('option', { value: '' }, t('rcp.allTiers')));
  const query = h('input', { type: 'search', maxlength: '200', id: `${idPrefix}-q`, 'data-testid': `${idPrefix}-q`,
    autocomplete: 'off' });
  const searchButton = h('button', { type: 'button', 'data-testid': `${idPrefix}-search` }, t('rcp.searchButton'));
  const results = h('ul', { class: 'pick-results', 'data-testid': `${idPrefix}-results`, 'aria-label': t('rcp.results'), 'aria-live': 'polite' });
  const chips = h('ul', { class: 'chips', 'data-testid': `${idPrefix}-chips`, 'aria-label': t('rcp.chosen') });
  const problem = h('p', { class: 'error', role: 'alert', 'data-testid': `${idPrefix}-error` });
  let tierList = [];

  const chipText = (item) => `${item.name} · ${item.code}${item.tier ? ` · ${tierName(item.tier, tierList)}` : ''}`;
  const drawChips = () => {
    chips.replaceChildren(...(list.length ? list.map((item) => h('li', { class: 'chip', 'data-testid': `${idPrefix}-chip`, 'data-code': item.code },
      h('span', {}, chipText(item)),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': t('rcp.remove', { name: item.name }),
        'data-testid': `${idPrefix}-remove`, onclick: () => {
          list = list.filter((other) => other.code !== item.code);
          for (const row of results.querySelectorAll('li[data-code]')) {
            if (row.dataset.code === item.code) row.querySelector('button').disabled = false;
          }
          drawChips(); onChange([...list]);
          query.focus();
        } }, '×')))
      : [h('li', { class: 'muted' }, t('rcp.none'))]));
  };

  let ticket = 0;
  const search = async () => {
    const mine = ++ticket;
    problem.textContent = '';
    const params = new URLSearchParams();
    if (tierSelect.value) params.set('tier', tierSelect.value);
    if (query.value.trim()) params.set('q', query.value.trim());
    results.replaceChildren(h('li', { class: 'muted' }, t('rcp.searching')));
    try {
      const body = await api.getJson(`/api/v1/organizations?${params}`);
      if (mine !== ticket) return;
      const found = (body.items || []).filter((org) => !org.dissolved_on);
      results.replaceChildren(...(found.length ? found.map((org) => {
        const taken = list.some((item) => item.code === org.code);
        return h('li', { 'data-testid': `${idPrefix}-result`, 'data-code': org.code },
          h('button', { type: 'button', disabled: taken, 'data-testid': `${idPrefix}-add`, onclick: (event) => {
            if (list.some((item) => item.code === org.code)) return;
            list.push({ code: org.code, name: org.name, tier: org.tier });
            event.currentTarget.disabled = true;
            drawChips(); onChange([...list]);
            query.focus();
          } }, t('rcp.add')), ' ', chipText(org));
      }) : [h('li', { class: 'muted' }, t('rcp.noMatch'))]));
    } catch (failure) {
      if (mine !== ticket) return;
      results.replaceChildren();
      problem.textContent = errorMessage(failure);
    }
  };
  let timer = null;
  query.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  query.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); clearTimeout(timer); search(); }
  });
  tierSelect.addEventListener('change', search);
  searchButton.addEventListener('click', search);
  tiers().then((items) => {
    tierList = items;
    tierSelect.append(...items.map((tier) => h('option', { value: tier.code },
      tier.abolished_on ? `${tier.name} (${t('rcp.abolished')})` : tier.name)));
    drawChips();
  }).catch((failure) => { problem.textContent = errorMessage(failure); });
  drawChips();

  const element = h('fieldset', { class: 'picker', 'data-testid': `${idPrefix}-picker` },
    h('legend', {}, t('rcp.title')),
    h('div', { class: 'toolbar' },
      h('label', { for: `${idPrefix}-tier` }, t('rcp.tier'), tierSelect),
      h('label', { for: `${idPrefix}-q` }, t('rcp.search'), query), searchButton),
    results, h('div', { class: 'muted' }, t('rcp.chosen')), chips, problem);
  return { element, value: () => [...list], search };
}

/// A multipart POST with XMLHttpRequest for its upload progress: resolves {body, etag}, rejects
/// with ApiError (status 0 when the connection failed or was cut).
export function uploadMultipart(path, parts, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value, filename] of parts) {
      if (filename) form.append(name, value, filename); else form.append(name, value);
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const current = api.session();
    if (current) xhr.setRequestHeader('Authorization', `Bearer ${current.token}`);
    for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve({ body, etag: xhr.getResponseHeader('ETag') });
      } else reject(new api.ApiError(xhr.status, body));
    });
    xhr.addEventListener('error', () => reject(new api.ApiError(0, null)));
    xhr.send(form);
  });
}

/// An upload's failure for the user, naming the file: too large, not a PDF, or the connection cut
/// while sending (a server that closes an over-limit upload early may look like that).
export async function uploadErrorMessage(failure, file) {
  const name = (file && file.name) || '';
  if (failure instanceof api.ApiError) {
    if (failure.status === 413) return `${t('upload.tooLarge', { name })} ${t('err.detail', { detail: failure.detail })}`;
    if (failure.code === 'invalid_pdf' || failure.status === 415) return `${t('upload.notPdf', { name })} ${failure.detail ? t('err.detail', { detail: failure.detail }) : ''}`;
    if (failure.status === 0) {
      // Reachable now? Then the upload itself was cut, not the server gone.
      try { await api.getJson('/api/v1/me'); return t('upload.cut', { name }); } catch { return errorMessage(failure); }
    }
  }
  return errorMessage(failure);
}

/// A revision ETag ("3") as the number If-Match takes.
export function revisionOf(etag, fallback) {
  const match = /"?(\d+)"?/.exec(etag || '');
  return match ? Number(match[1]) : fallback;
}

function editableRecipients(doc) {
  const user = currentUser();
  return doc.direction === 'outgoing' && !['issued', 'recalled', 'rejected', 'withdrawn'].includes(doc.status) &&
    ((user && doc.created_by === user.id) || hasRole('clerk', 'administrator'));
}

/// The document page's recipients card: names, codes and tiers; an editor (the picker) for the
/// drafter, a clerk or an administrator until the document is issued.
export function recipientsCard(doc, reload) {
  if (doc.direction !== 'outgoing') return null;  // an incoming document's sender is in the exchange card
  const path = `/api/v1/documents/${encodeURIComponent(doc.id)}/recipients`;
  const body = h('div', { 'data-testid': 'doc-recipients-body' }, h('p', { class: 'muted' }, t('doc.loading')));
  const box = card(t('rcp.title'), 'doc-recipients', body);
  const show = async () => {
    try {
      const [data, tierList] = await Promise.all([api.getJson(path), tiers().catch(() => [])]);
      const list = data.recipients || [];
      const units = data.units || [];
      const table = list.length ? h('table', { 'data-testid': 'recipients' },
        h('thead', {}, h('tr', {}, h('th', {}, t('rcp.name')), h('th', {}, t('rcp.code')), h('th', {}, t('rcp.tier')))),
        h('tbody', {}, ...list.map((item) => h('tr', { 'data-testid': 'recipient-row', 'data-code': item.code },
          h('td', {}, item.name || ''), h('td', { class: 'nowrap' }, item.code), h('td', {}, tierName(item.tier, tierList))))))
        : h('p', { class: 'muted', 'data-testid': 'recipients-none' }, t('rcp.none'));
      const unitList = h('p', { 'data-testid': 'recipient-units' }, h('strong', {}, `${t('rcp.units')}: `),
        units.length ? units.map((unit) => `${unit.name} (${unit.abbreviation})`).join('; ') : t('rcp.unitsNone'));
      const parts = [table, unitList];
      if (editableRecipients(doc)) {
        parts.push(h('button', { type: 'button', 'data-testid': 'recipients-edit', onclick: () => edit(list, units.map((unit) => unit.id)) }, t('rcp.edit')));
      }
      body.replaceChildren(...parts);
    } catch (failure) {
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorMessage(failure)));
    }
  };
  const edit = (list, unitIds) => {
    const picker = recipientsPicker(list, () => {}, 'doc-rcp');
    const unitPicker = unitsPicker(doc.organisation_id, unitIds, () => {}, 'doc-units');
    const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'recipients-error' });
    const save = h('button', { type: 'button', class: 'primary', 'data-testid': 'recipients-save', onclick: async () => {
      error.textContent = '';
      save.disabled = true;
      try {
        await api.request(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ recipients: picker.value().map((item) => item.code), units: unitPicker.value() }) });
        // The page renders every card again (the exchange and meta cards follow the recipients);
        // showing this card first as well would leave a moment in which its buttons belong to a
        // card about to be replaced, and a click there would be lost.
        if (reload) await reload(); else await show();
      } catch (failure) {
        error.textContent = errorMessage(failure);  // the picker keeps the choice
      } finally { save.disabled = false; }
    } }, t('rcp.save'));
    body.replaceChildren(picker.element, unitPicker.element, error,
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: show }, t('cancel')), save));
    picker.search();
  };
  show();
  return box;
}

/// The document page's attachments card: the list with downloads; an upload (with its progress
/// bar) for the creator of a draft.
export function attachmentsCard(doc, reload, download) {
  const path = `/api/v1/documents/${encodeURIComponent(doc.id)}/attachments`;
  const body = h('div', {}, h('p', { class: 'muted' }, t('doc.loading')));
  const box = card(t('att.title'), 'doc-attachments', body);
  const user = currentUser();
  const mayUpload = user && doc.created_by === user.id && ['draft', 'returned'].includes(doc.status);
  (async () => {
    let items = [];
    try { items = (await api.getJson(path)).items || []; } catch (failure) {
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorMessage(failure)));
      return;
    }
    const table = items.length ? h('table', { 'data-testid': 'attachments' },
      h('thead', {}, h('tr', {}, ...['att.name', 'size', 'att.signed', 'download'].map((key) => h('th', {}, t(key))))),
      h('tbody', {}, ...items.map((item) => h('tr', { 'data-testid': 'attachment-row' },
        h('td', {}, item.name || `#${item.number}`), h('td', {}, bytesText(item.size || 0)),
        h('td', {}, item.signed ? t('yes') : t('no')),
        h('td', {}, h('button', { type: 'button', 'data-testid': `attachment-download-${item.number}`,
          onclick: () => download(`${path}/${item.number}/content`, item.name || `${doc.id}-dk${item.number}.pdf`) }, t('download')))))))
      : h('p', { class: 'muted', 'data-testid': 'attachments-none' }, t('att.none'));
    const parts = [table];
    if (mayUpload) {
      const file = h('input', { type: 'file', accept: 'application/pdf,.pdf', id: 'doc-att-file', 'data-testid': 'doc-attachment-file' });
      const progress = h('progress', { max: '100', value: '0', hidden: true, 'data-testid': 'doc-attachment-progress' });
      const note = h('p', { class: 'error', role: 'alert', 'data-testid': 'doc-attachment-error' });
      const upload = h('button', { type: 'button', 'data-testid': 'doc-attachment-upload', onclick: async () => {
        note.textContent = '';
        const chosen = file.files[0];
        if (!isPdf(chosen)) { note.textContent = t('upload.notPdf', { name: chosen ? chosen.name : '' }); return; }
        upload.disabled = true;
        progress.hidden = false;
        try {
          await api.getJson('/api/v1/me');  // refreshes an expired access token before the upload
          await uploadMultipart(path, [['metadata', new Blob([JSON.stringify({ name: chosen.name })], { type: 'application/json' })],
            ['file', chosen, chosen.name]], { 'If-Match': `"${doc.revision}"` }, (percent) => { progress.value = percent; });
          await reload();
        } catch (failure) {
          note.textContent = failure.stale ? errorMessage(failure) : await uploadErrorMessage(failure, chosen);
          progress.hidden = true;
        } finally { upload.disabled = false; }
      } }, t('att.upload'));
      parts.push(h('div', { class: 'toolbar' }, h('label', { for: 'doc-att-file' }, t('att.add'), file), upload), progress, note);
    }
    body.replaceChildren(...parts);
  })();
  return box;
}

/// Exchange tracking: for an outgoing document every recipient with each status it reported
/// (queued, sent, 01 … 06, …) and when; for an incoming one its sender.
export function exchangeView(exchange) {
  const recipients = (exchange && exchange.recipients) || [];
  if (!recipients.length) {
    return h('p', { class: 'muted', 'data-testid': 'exchange-none' },
      exchange && exchange.origin ? `${t('xs.sender')}: ${exchange.origin.sender_name || ''} (${exchange.origin.sender_code || ''})` : t('doc.noExchange'));
  }
  const label = (status) => (t(`xs.${status}`) !== `xs.${status}` ? t(`xs.${status}`) : String(status || ''));
  return h('div', { 'data-testid': 'exchange' }, ...recipients.map((recipient) => h('div', {
    class: 'exchange-recipient', 'data-testid': 'exchange-recipient', 'data-code': recipient.code, 'data-status': recipient.status || '',
  },
  h('h3', {}, `${recipient.name || ''} (${recipient.code})`, ' — ', h('span', { class: 'badge status' }, label(recipient.status))),
  h('ol', { class: 'timeline' }, ...(recipient.events || []).map((event) => h('li', { 'data-testid': 'exchange-event', 'data-status': event.status },
    h('strong', {}, label(event.status)), ' · ', h('span', { class: 'muted' }, formatTime(event.reported_at || event.recorded_at)),
    event.staff ? ` · ${t('xs.staff')}: ${event.staff}` : '',
    event.description ? h('div', {}, `“${event.description}”`) : ''))))));
}
