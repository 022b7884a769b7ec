// The document lists (văn bản đi, văn bản đến, chờ xử lý): search, filters, sorting and paging
// over GET /api/v1/documents, every choice kept in the URL hash so that reload and back keep it.
import * as api from '/web/api.js';
import { addStrings, formatTime, t, tv } from '/web/i18n.js';
import { badge, docBadges, h, statusBadge } from '/web/ui.js';

addStrings({
  vi: {
    'lists.type': 'Loại văn bản', 'lists.type.any': 'Tất cả', 'lists.type.cv': 'Công văn (không viết tắt)',
    'lists.from': 'Từ ngày', 'lists.to': 'Đến ngày',
    'lists.counterpart': 'Nơi nhận / nơi gửi', 'lists.counterpart.hint': 'Mã định danh hoặc tên cơ quan',
    'lists.overdue': 'Chỉ văn bản quá hạn',
    'lists.sort': 'Sắp xếp theo', 'lists.order': 'Thứ tự',
    'lists.sort.updated': 'Cập nhật gần nhất', 'lists.sort.created': 'Ngày tạo / ngày đến',
    'lists.sort.number': 'Số văn bản', 'lists.sort.subject': 'Trích yếu',
    'lists.order.desc': 'Giảm dần', 'lists.order.asc': 'Tăng dần',
    'lists.deadline': 'Hạn xử lý', 'lists.badge.overdue': 'Quá hạn', 'lists.created': 'Ngày tạo',
    'lists.clear': 'Xóa bộ lọc', 'lists.sortBy': 'Sắp xếp theo {column}',
  },
  en: {
    'lists.type': 'Document type', 'lists.type.any': 'Any', 'lists.type.cv': 'Official letter (no abbreviation)',
    'lists.from': 'From', 'lists.to': 'To',
    'lists.counterpart': 'Recipient / sender', 'lists.counterpart.hint': 'Agency code or name',
    'lists.overdue': 'Overdue only',
    'lists.sort': 'Sort by', 'lists.order': 'Order',
    'lists.sort.updated': 'Latest change', 'lists.sort.created': 'Created / received',
    'lists.sort.number': 'Number', 'lists.sort.subject': 'Subject',
    'lists.order.desc': 'Descending', 'lists.order.asc': 'Ascending',
    'lists.deadline': 'Due', 'lists.badge.overdue': 'Overdue', 'lists.created': 'Created',
    'lists.clear': 'Clear filters', 'lists.sortBy': 'Sort by {column}',
  },
});

const outgoingStatuses = ['draft', 'review', 'signing', 'signed', 'issued', 'returned', 'withdrawn', 'rejected', 'recalled'];
const incomingStatuses = ['received', 'registered', 'assigned', 'in_progress', 'completed', 'refused'];
// Decree 30/2020 type codes most used; "" is công văn (no abbreviation).
const types = ['QĐ', 'QyĐ', 'CT', 'QC', 'TB', 'HD', 'CTr', 'KH', 'PA', 'ĐA', 'BC', 'BB', 'TTr', 'HĐ', 'GM', 'GGT', 'GUQ', 'PG', 'PC', 'TC', 'GXN', 'GNP'];
const sorts = ['updated', 'created', 'number', 'subject'];
// The URL's parameters, passed to the API as they are (the server checks them).
const keys = ['q', 'status', 'type', 'from', 'to', 'counterpart', 'overdue', 'sort', 'order', 'page'];

export async function viewList(main, box, params) {
  const value = (key) => params.get(key) || '';
  const hasType = params.has('type');
  const sort = sorts.includes(value('sort')) ? value('sort') : 'updated';
  const order = value('order') === 'asc' ? 'asc' : 'desc';
  const page = Math.max(1, Number(value('page')) || 1);
  const limit = 20;
  const query = new URLSearchParams({ box, page: String(page), limit: String(limit) });
  for (const key of ['q', 'status', 'from', 'to', 'counterpart']) if (value(key)) query.set(key, value(key));
  if (hasType) query.set('type', value('type'));
  if (value('overdue') === 'true') query.set('overdue', 'true');
  if (sort !== 'updated') query.set('sort', sort);
  if (order !== 'desc') query.set('order', order);
  const data = await api.getJson(`/api/v1/documents?${query}`);

  const statuses = box === 'incoming' ? incomingStatuses : box === 'outgoing' ? outgoingStatuses : [...outgoingStatuses, ...incomingStatuses];
  const field = (label, control) => h('label', {}, label, control);
  const search = h('input', { type: 'search', name: 'q', value: value('q'), placeholder: t('search.placeholder'), 'data-testid': 'list-q', maxlength: '200' });
  const status = h('select', { name: 'status', 'data-testid': 'list-status' },
    h('option', { value: '' }, t('all')),
    ...statuses.map((name) => h('option', { value: name, selected: name === value('status') }, tv('status', name))));
  const type = h('select', { name: 'type', 'data-testid': 'list-type' },
    h('option', { value: '*', selected: !hasType }, t('lists.type.any')),
    h('option', { value: '', selected: hasType && value('type') === '' }, t('lists.type.cv')),
    ...types.map((code) => h('option', { value: code, selected: hasType && code === value('type') }, code)));
  if (hasType && value('type') && !types.includes(value('type'))) {
    type.append(h('option', { value: value('type'), selected: true }, value('type')));
  }
  const from = h('input', { type: 'date', name: 'from', value: value('from'), 'data-testid': 'list-from' });
  const to = h('input', { type: 'date', name: 'to', value: value('to'), 'data-testid': 'list-to' });
  const counterpart = h('input', {
    type: 'search', name: 'counterpart', value: value('counterpart'), maxlength: '200',
    placeholder: t('lists.counterpart.hint'), 'data-testid': 'list-counterpart',
  });
  const overdue = h('input', { type: 'checkbox', name: 'overdue', checked: value('overdue') === 'true', 'data-testid': 'list-overdue' });
  const sortSelect = h('select', { name: 'sort', 'data-testid': 'list-sort' },
    ...sorts.map((name) => h('option', { value: name, selected: name === sort }, t(`lists.sort.${name}`))));
  const orderSelect = h('select', { name: 'order', 'data-testid': 'list-order' },
    ...['desc', 'asc'].map((name) => h('option', { value: name, selected: name === order }, t(`lists.order.${name}`))));

  // The next URL: the form's values, or `changes` over the current ones.
  const go = (changes = null) => {
    const next = new URLSearchParams();
    const current = changes ? Object.fromEntries(keys.map((key) => [key, params.has(key) ? params.get(key) : null])) : {
      q: search.value.trim(), status: status.value, type: type.value === '*' ? null : type.value,
      from: from.value, to: to.value, counterpart: counterpart.value.trim(),
      overdue: overdue.checked ? 'true' : '', sort: sortSelect.value, order: orderSelect.value, page: '',
    };
    Object.assign(current, changes || {});
    for (const key of keys) {
      const v = current[key];
      if (v === null || v === undefined) continue;
      if (key === 'type') { next.set(key, v); continue; }
      if (v === '' || (key === 'sort' && v === 'updated') || (key === 'order' && v === 'desc') || (key === 'page' && v === '1')) continue;
      next.set(key, v);
    }
    const text = next.toString();
    location.hash = `#/list/${box}${text ? `?${text}` : ''}`;
  };
  const form = h('form', { class: 'toolbar', role: 'search', 'data-testid': 'list-filters' },
    field(t('search'), search), field(t('status'), status), field(t('lists.type'), type),
    field(t('lists.from'), from), field(t('lists.to'), to), field(t('lists.counterpart'), counterpart),
    h('label', {}, overdue, ' ', t('lists.overdue')),
    field(t('lists.sort'), sortSelect), field(t('lists.order'), orderSelect),
    h('button', { type: 'submit', 'data-testid': 'list-apply' }, t('apply')),
    h('button', { type: 'button', 'data-testid': 'list-clear', onclick: () => { location.hash = `#/list/${box}`; } }, t('lists.clear')));
  form.addEventListener('submit', (event) => { event.preventDefault(); go(); });

  // Column headers that sort: a button each, aria-sort on the sorted one.
  const header = (key, label) => {
    if (!key) return h('th', { scope: 'col' }, label);
    const active = sort === key;
    const nextOrder = active && order === 'desc' ? 'asc' : active ? 'desc' : (key === 'subject' || key === 'number' ? 'asc' : 'desc');
    return h('th', { scope: 'col', 'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : 'none' },
      h('button', {
        type: 'button', class: 'link', 'data-testid': `sort-${key}`, title: t('lists.sortBy', { column: label }),
        onclick: () => go({ sort: key, order: nextOrder, page: null }),
      }, label, active ? (order === 'asc' ? ' ▲' : ' ▼') : ''));
  };
  const pages = Math.max(1, Math.ceil((data.total || 0) / limit));
  const rows = (data.items || []).map((doc) => h('tr', { 'data-testid': 'list-row', 'data-id': doc.id },
    h('td', {}, doc.notation || '—'),
    h('td', {}, h('a', { href: `#/doc/${doc.id}` }, doc.subject), ' ', ...docBadges(doc),
      doc.overdue ? badge('overdue', 'overdue', t('lists.badge.overdue')) : null),
    h('td', {}, doc.document_type || t('type.cv')),
    h('td', { 'data-testid': 'list-counterparts' }, (doc.counterparts || []).join('; ') || '—'),
    h('td', {}, statusBadge(doc.status)),
    h('td', { 'data-testid': 'list-deadline' }, doc.deadline || '—'),
    h('td', {}, formatTime(doc.created_at)),
    h('td', {}, formatTime(doc.updated_at))));
  main.replaceChildren(h('h1', {}, t(`list.${box}`)), form,
    rows.length ? h('table', { 'data-testid': 'list' },
      h('thead', {}, h('tr', {},
        header('number', t('notation')), header('subject', t('subject')), header(null, t('type')),
        header(null, t('lists.counterpart')), header(null, t('status')), header(null, t('lists.deadline')),
        header('created', t('lists.created')), header('updated', t('updated')))),
      h('tbody', {}, ...rows)) : h('p', { class: 'muted', 'data-testid': 'list-empty' }, t('empty')),
    h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: page <= 1, 'data-testid': 'list-previous', onclick: () => go({ page: String(page - 1) }) }, t('previous')),
      h('span', { 'data-testid': 'list-page' }, t('page.of', { page, pages, total: data.total || 0 })),
      h('button', { type: 'button', disabled: page >= pages, 'data-testid': 'list-next', onclick: () => go({ page: String(page + 1) }) }, t('next'))));
}
