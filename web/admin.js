// The administration pages (#/admin/...): organisations, units, users and their roles,
// delegations, signing keys and certificates, workflow templates — over the public API's
// "Administration" routes only (docs/API.md). The server decides who may do what; a refusal is
// shown as a message and every form keeps what was typed.
import * as api from '/web/api.js';
import { addStrings, formatTime, t, tv } from '/web/i18n.js';
import { badge, card, commonName, currentUser, errorMessage, flash, flashAfterNavigation, h, hasRole } from '/web/ui.js';

addStrings({
  vi: {
    'nav.admin': 'Quản trị',
    'admin.title': 'Quản trị hệ thống',
    'admin.organisations': 'Cơ quan, tổ chức', 'admin.organisations.about': 'Danh bạ cơ quan theo cấp; tạo cơ quan trực thuộc, sửa tên, địa chỉ liên thông, ngày giải thể.',
    'admin.units': 'Đơn vị', 'admin.units.about': 'Các phòng, ban của cơ quan; thêm và đổi tên.',
    'admin.users': 'Người dùng và vai trò', 'admin.users.about': 'Tài khoản, kích hoạt hoặc khóa, cấp và thu hồi vai trò.',
    'admin.delegations': 'Ủy quyền', 'admin.delegations.about': 'Ủy quyền ký, duyệt trong một khoảng thời gian; thu hồi.',
    'admin.keys': 'Khóa ký và chứng thư số', 'admin.keys.about': 'Đăng ký khóa PKCS#12, PKCS#11 hoặc khóa ngoài cho người dùng hoặc con dấu cơ quan; thu hồi.',
    'admin.templates': 'Quy trình duyệt', 'admin.templates.about': 'Các mẫu quy trình, các cấp duyệt; quy trình mặc định cho văn bản đi.',
    'admin.back': '← Quản trị',
    'admin.forbidden': 'Trang này chỉ dành cho quản trị viên của cơ quan. Máy chủ đã từ chối yêu cầu (không có quyền).',
    'admin.err.invalid_state': 'Không thể thực hiện trong tình trạng hiện tại.',
    'admin.err.already_exists': 'Đã tồn tại (mã hoặc tên đăng nhập bị trùng).',
    'admin.err.not_found': 'Không tìm thấy, hoặc không thuộc cơ quan của bạn.',
    'admin.err.invalid_password': 'Mật khẩu tệp PKCS#12 không đúng; khóa chưa được đăng ký.',
    'admin.err.certificate_invalid': 'Chứng thư số đã hết hạn, chưa có hiệu lực, hoặc tệp không có khóa bí mật kèm chứng thư.',
    'admin.err.certificate_name_mismatch': 'Chứng thư số mang tên người (hoặc cơ quan) khác với người sẽ dùng khóa; khóa chưa được đăng ký. Hãy kiểm tra lại tệp.',
    'admin.key.acceptOther': 'Tôi đã kiểm tra: chứng thư đúng là của người (cơ quan) này dù tên viết khác; vẫn đăng ký.',
    'admin.err.lastAdmin': 'Đây là quản trị viên cuối cùng của cơ quan: hãy cấp vai trò Quản trị cho một người dùng khác đang hoạt động trước.',
    'admin.saved': 'Đã lưu.', 'admin.created': 'Đã tạo.', 'admin.search': 'Tìm theo tên, mã, viết tắt',
    'admin.tier': 'Cấp', 'admin.code': 'Mã định danh', 'admin.name': 'Tên', 'admin.abbreviation': 'Viết tắt',
    'admin.parent': 'Cơ quan cấp trên', 'admin.endpoint': 'Địa chỉ liên thông (endpoint)', 'admin.dissolved': 'Ngày giải thể',
    'admin.none': 'Không có mục nào.', 'admin.edit': 'Sửa', 'admin.save': 'Lưu', 'admin.create': 'Tạo mới',
    'admin.org.create': 'Tạo cơ quan trực thuộc', 'admin.org.edit': 'Sửa cơ quan: {name}',
    'admin.unit.create': 'Thêm đơn vị', 'admin.unit.edit': 'Đổi tên đơn vị', 'admin.id': 'Mã',
    'admin.idOptional': 'Mã (để trống: tự sinh)',
    'admin.fullName': 'Họ và tên', 'admin.position': 'Chức vụ', 'admin.email': 'Thư điện tử', 'admin.unit': 'Đơn vị',
    'admin.noUnit': '— Không thuộc đơn vị —', 'admin.initialPassword': 'Mật khẩu ban đầu (ít nhất 12 ký tự)',
    'admin.roles': 'Vai trò', 'admin.state': 'Tình trạng', 'admin.active': 'Đang hoạt động', 'admin.inactive': 'Đã khóa',
    'admin.user.create': 'Tạo người dùng', 'admin.user.profile': 'Thông tin', 'admin.activate': 'Kích hoạt',
    'admin.deactivate': 'Khóa tài khoản', 'admin.confirm.deactivate': 'Khóa tài khoản {name}? Mọi phiên đăng nhập của người này kết thúc ngay.',
    'admin.role': 'Vai trò', 'admin.role.unit': 'Phạm vi đơn vị', 'admin.wholeOrg': '— Toàn cơ quan —', 'admin.grant': 'Cấp vai trò',
    'admin.revoke': 'Thu hồi', 'admin.confirm.revokeRole': 'Thu hồi vai trò {role} của {name}?',
    'admin.users.page': 'Trang {page}/{pages} — {total} người dùng',
    'admin.deleg.from': 'Người ủy quyền', 'admin.deleg.to': 'Người được ủy quyền', 'admin.deleg.scope': 'Phạm vi',
    'admin.deleg.starts': 'Từ', 'admin.deleg.ends': 'Đến', 'admin.deleg.reason': 'Lý do',
    'admin.deleg.create': 'Tạo ủy quyền', 'admin.confirm.revokeDeleg': 'Thu hồi ủy quyền của {from} cho {to}?',
    'admin.scope.sign': 'Ký', 'admin.scope.approve': 'Duyệt', 'admin.scope.all': 'Ký và duyệt',
    'admin.deleg.revoked': 'Đã thu hồi', 'admin.deleg.inForce': 'Đang hiệu lực', 'admin.deleg.future': 'Chưa đến hạn', 'admin.deleg.ended': 'Đã hết hạn',
    'admin.key.owner': 'Chủ sở hữu', 'admin.key.seal': 'Con dấu cơ quan', 'admin.key.source': 'Loại khóa',
    'admin.key.subject': 'Chứng thư (chủ thể)', 'admin.key.serial': 'Số hiệu', 'admin.key.notAfter': 'Hiệu lực đến',
    'admin.key.expired': 'Đã hết hạn', 'admin.key.soon': 'Sắp hết hạn', 'admin.key.withdrawn': 'Đã thu hồi',
    'admin.key.register': 'Đăng ký khóa', 'admin.key.file': 'Tệp PKCS#12 (.p12, .pfx)', 'admin.key.password': 'Mật khẩu tệp PKCS#12',
    'admin.key.uri': 'URI PKCS#11 (pkcs11:…, không chứa pin-value)', 'admin.key.certificate': 'Chứng thư (PEM)',
    'admin.key.withdraw': 'Thu hồi khóa', 'admin.confirm.withdrawKey': 'Thu hồi khóa {id}? Khóa sẽ không dùng để ký được nữa.',
    'admin.key.noFile': 'Hãy chọn tệp PKCS#12.',
    'admin.source.pkcs12': 'PKCS#12 (tệp)', 'admin.source.pkcs11': 'PKCS#11 (token, HSM)', 'admin.source.external': 'Khóa ngoài (ký tại máy người dùng)',
    'admin.tpl.version': 'Phiên bản', 'admin.tpl.direction': 'Loại', 'admin.tpl.owner': 'Thuộc',
    'admin.tpl.shipped': 'Có sẵn (chỉ đọc)', 'admin.tpl.own': 'Của cơ quan', 'admin.tpl.levels': 'Các cấp',
    'admin.tpl.saveAs': 'Lưu với mã', 'admin.tpl.saveAsHint': 'Mẫu có sẵn chỉ đọc: lưu với một mã mới để tạo bản sao của cơ quan.',
    'admin.tpl.level': 'Cấp {number}', 'admin.tpl.action': 'Thao tác', 'admin.tpl.deadline': 'Thời hạn (ngày làm việc)',
    'admin.tpl.approvalSignature': 'Cần chữ ký phê duyệt', 'admin.tpl.placement': 'Vị trí chữ ký (chỉ ở cấp ký)',
    'admin.tpl.page': 'Trang (-1: trang cuối)', 'admin.tpl.x': 'x (pt)', 'admin.tpl.y': 'y (pt)', 'admin.tpl.width': 'Rộng (pt)', 'admin.tpl.height': 'Cao (pt)',
    'admin.tpl.savedVersion': 'Đã lưu quy trình {id}, phiên bản {version}.',
    'admin.tpl.outgoing': 'Quy trình mặc định cho văn bản đi', 'admin.tpl.outgoingNone': '(mặc định của hệ thống: outgoing-4)',
    'admin.tpl.levelError': 'Lỗi ở cấp {number}.', 'admin.tpl.view': 'Xem, sửa',
    'admin.tplAction.draft': 'Soạn thảo', 'admin.tplAction.review': 'Duyệt', 'admin.tplAction.sign': 'Ký', 'admin.tplAction.issue': 'Phát hành',
    'admin.confirm': 'Xác nhận', 'admin.yesDo': 'Đồng ý',
  },
  en: {
    'nav.admin': 'Administration',
    'admin.title': 'Administration',
    'admin.organisations': 'Organisations', 'admin.organisations.about': 'The directory by tier; create an organisation below yours, change its name, exchange endpoint, dissolution date.',
    'admin.units': 'Units', 'admin.units.about': 'The organisation\'s departments; add and rename.',
    'admin.users': 'Users and roles', 'admin.users.about': 'Accounts, activate or deactivate, grant and revoke roles.',
    'admin.delegations': 'Delegations', 'admin.delegations.about': 'Authority to sign or approve for a period; revoke.',
    'admin.keys': 'Signing keys and certificates', 'admin.keys.about': 'Register a PKCS#12, PKCS#11 or external key for a user or the organisation seal; withdraw.',
    'admin.templates': 'Approval templates', 'admin.templates.about': 'Workflow templates and their levels; the default for outgoing documents.',
    'admin.back': '← Administration',
    'admin.forbidden': 'This page is for the organisation\'s administrators. The server refused the request (not allowed).',
    'admin.err.invalid_state': 'Not possible in the current state.',
    'admin.err.already_exists': 'Already exists (duplicate code or username).',
    'admin.err.not_found': 'Not found, or not in your organisation.',
    'admin.err.invalid_password': 'Wrong PKCS#12 password; the key was not registered.',
    'admin.err.certificate_invalid': 'The certificate has expired or is not yet valid, or the file has no private key with its certificate.',
    'admin.err.certificate_name_mismatch': 'The certificate names another person (or agency) than the one the key is for; the key was not registered. Check the file.',
    'admin.key.acceptOther': 'I have checked: the certificate belongs to this person (agency) although the name is written differently; register it.',
    'admin.err.lastAdmin': 'This is the organisation\'s last administrator: grant the Administrator role to another active user first.',
    'admin.saved': 'Saved.', 'admin.created': 'Created.', 'admin.search': 'Search name, code, abbreviation',
    'admin.tier': 'Tier', 'admin.code': 'Identifier code', 'admin.name': 'Name', 'admin.abbreviation': 'Abbreviation',
    'admin.parent': 'Parent organisation', 'admin.endpoint': 'Exchange endpoint', 'admin.dissolved': 'Dissolved on',
    'admin.none': 'Nothing here.', 'admin.edit': 'Edit', 'admin.save': 'Save', 'admin.create': 'Create',
    'admin.org.create': 'Create an organisation below yours', 'admin.org.edit': 'Edit organisation: {name}',
    'admin.unit.create': 'Add a unit', 'admin.unit.edit': 'Rename unit', 'admin.id': 'Id',
    'admin.idOptional': 'Id (empty: generated)',
    'admin.fullName': 'Full name', 'admin.position': 'Position', 'admin.email': 'Email', 'admin.unit': 'Unit',
    'admin.noUnit': '— No unit —', 'admin.initialPassword': 'Initial password (at least 12 characters)',
    'admin.roles': 'Roles', 'admin.state': 'State', 'admin.active': 'Active', 'admin.inactive': 'Deactivated',
    'admin.user.create': 'Create a user', 'admin.user.profile': 'Profile', 'admin.activate': 'Activate',
    'admin.deactivate': 'Deactivate', 'admin.confirm.deactivate': 'Deactivate {name}? Every session of this user ends at once.',
    'admin.role': 'Role', 'admin.role.unit': 'Unit scope', 'admin.wholeOrg': '— Whole organisation —', 'admin.grant': 'Grant role',
    'admin.revoke': 'Revoke', 'admin.confirm.revokeRole': 'Revoke the role {role} from {name}?',
    'admin.users.page': 'Page {page}/{pages} — {total} users',
    'admin.deleg.from': 'From', 'admin.deleg.to': 'To', 'admin.deleg.scope': 'Scope',
    'admin.deleg.starts': 'Starts', 'admin.deleg.ends': 'Ends', 'admin.deleg.reason': 'Reason',
    'admin.deleg.create': 'Create a delegation', 'admin.confirm.revokeDeleg': 'Revoke the delegation from {from} to {to}?',
    'admin.scope.sign': 'Sign', 'admin.scope.approve': 'Approve', 'admin.scope.all': 'Sign and approve',
    'admin.deleg.revoked': 'Revoked', 'admin.deleg.inForce': 'In force', 'admin.deleg.future': 'Not started', 'admin.deleg.ended': 'Ended',
    'admin.key.owner': 'Owner', 'admin.key.seal': 'Organisation seal', 'admin.key.source': 'Key type',
    'admin.key.subject': 'Certificate subject', 'admin.key.serial': 'Serial', 'admin.key.notAfter': 'Valid until',
    'admin.key.expired': 'Expired', 'admin.key.soon': 'Expires soon', 'admin.key.withdrawn': 'Withdrawn',
    'admin.key.register': 'Register a key', 'admin.key.file': 'PKCS#12 file (.p12, .pfx)', 'admin.key.password': 'PKCS#12 password',
    'admin.key.uri': 'PKCS#11 URI (pkcs11:…, without pin-value)', 'admin.key.certificate': 'Certificate (PEM)',
    'admin.key.withdraw': 'Withdraw', 'admin.confirm.withdrawKey': 'Withdraw the key {id}? It can no longer be used to sign.',
    'admin.key.noFile': 'Choose a PKCS#12 file.',
    'admin.source.pkcs12': 'PKCS#12 (file)', 'admin.source.pkcs11': 'PKCS#11 (token, HSM)', 'admin.source.external': 'External key (signs at the user\'s desk)',
    'admin.tpl.version': 'Version', 'admin.tpl.direction': 'Direction', 'admin.tpl.owner': 'Owner',
    'admin.tpl.shipped': 'Shipped (read-only)', 'admin.tpl.own': 'The organisation\'s', 'admin.tpl.levels': 'Levels',
    'admin.tpl.saveAs': 'Save under id', 'admin.tpl.saveAsHint': 'A shipped template is read-only: save it under a new id to make the organisation\'s copy.',
    'admin.tpl.level': 'Level {number}', 'admin.tpl.action': 'Action', 'admin.tpl.deadline': 'Deadline (working days)',
    'admin.tpl.approvalSignature': 'Approval signature required', 'admin.tpl.placement': 'Signature position (sign level only)',
    'admin.tpl.page': 'Page (-1: last page)', 'admin.tpl.x': 'x (pt)', 'admin.tpl.y': 'y (pt)', 'admin.tpl.width': 'Width (pt)', 'admin.tpl.height': 'Height (pt)',
    'admin.tpl.savedVersion': 'Saved template {id}, version {version}.',
    'admin.tpl.outgoing': 'Default template for outgoing documents', 'admin.tpl.outgoingNone': '(the system default: outgoing-4)',
    'admin.tpl.levelError': 'Error at level {number}.', 'admin.tpl.view': 'View, edit',
    'admin.tplAction.draft': 'Draft', 'admin.tplAction.review': 'Review', 'admin.tplAction.sign': 'Sign', 'admin.tplAction.issue': 'Issue',
    'admin.confirm': 'Confirm', 'admin.yesDo': 'Yes',
  },
});

const ROLES = ['specialist', 'department_head', 'office_chief', 'leader', 'deputy_leader', 'clerk', 'administrator'];
const ACTIONS = ['draft', 'review', 'sign', 'issue'];
const SOON_DAYS = 30;

const mainBox = () => document.getElementById('main');
const dialogBox = () => document.getElementById('dialog');

/// The admin's message for a failure: the shared message, with admin wording for the codes whose
/// shared text speaks of documents.
export function adminError(failure) {
  if (failure && failure.local) return failure.message;
  if (!(failure instanceof api.ApiError)) return errorMessage(failure);
  const detail = failure.detail ? ` ${t('err.detail', { detail: failure.detail })}` : '';
  if (failure.code === 'invalid_state' && /last administrator/.test(failure.detail)) return `${t('admin.err.lastAdmin')}${detail}`;
  if (['invalid_state', 'already_exists', 'not_found', 'invalid_password', 'certificate_invalid', 'certificate_name_mismatch'].includes(failure.code)) {
    return `${t(`admin.err.${failure.code}`)}${detail}`;
  }
  return errorMessage(failure);
}

async function send(method, path, body) {
  const options = { method };
  if (body !== undefined) {
    options.headers = { 'Content-Type': 'application/json' };
    options.body = JSON.stringify(body);
  }
  const response = await api.request(path, options);
  return response.status === 204 ? null : response.json();
}

const field = (label, input) => h('label', {}, label, input);
const input = (name, attributes = {}) => h('input', { name, 'data-testid': `admin-${name}`, ...attributes });
const select = (name, options, value, attributes = {}) => h('select', { name, 'data-testid': `admin-${name}`, ...attributes },
  ...options.map(([key, label]) => h('option', { value: key, selected: key === value }, label)));
const errorLine = (testid = 'admin-error') => h('p', { class: 'error', role: 'alert', 'data-testid': testid });

/// A form whose submit runs `onSubmit(form)`; a failure is shown under it and the input stays.
function wireForm(form, error, onSubmit, describe = adminError) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const buttons = [...form.querySelectorAll('button[type=submit]')];
    for (const button of buttons) button.disabled = true;
    try {
      await onSubmit(form);
    } catch (failure) {
      error.textContent = describe(failure);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
  return form;
}

/// A modal dialog with `fields`; confirming runs `onConfirm(form)`, which closes it when it succeeds.
function openDialog(title, testid, fields, onConfirm, confirmLabel = t('admin.save')) {
  const dialog = dialogBox();
  const error = errorLine('dialog-error');
  const form = h('form', { class: 'form', 'data-testid': testid },
    h('h2', {}, title), ...fields, error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', 'data-testid': 'dialog-cancel', onclick: () => dialog.close() }, t('cancel')),
      h('button', { class: 'primary', type: 'submit', 'data-testid': 'dialog-confirm' }, confirmLabel)));
  wireForm(form, error, async () => { await onConfirm(form); dialog.close(); });
  dialog.replaceChildren(form);
  dialog.showModal();
  const first = form.querySelector('input, select, textarea');
  if (first) first.focus();
}

/// Asks before a destructive act.
function confirmAct(message, onConfirm) {
  openDialog(t('admin.confirm'), 'confirm-dialog', [h('p', { 'data-testid': 'confirm-message' }, message)], onConfirm, t('admin.yesDo'));
}

let currentRoute = null;
/// Renders the current admin page again (after a write), keeping the main[aria-busy] convention.
async function reload(message) {
  const main = mainBox();
  main.setAttribute('aria-busy', 'true');
  try {
    await route(...currentRoute);
  } catch (failure) {
    showFailure(failure);
  } finally {
    main.setAttribute('aria-busy', 'false');
  }
  if (message) flash(message, 'info');
}

function page(title, testid, ...children) {
  mainBox().replaceChildren(h('div', { 'data-testid': testid },
    h('p', {}, h('a', { href: '#/admin', 'data-testid': 'admin-back' }, t('admin.back'))),
    h('h1', {}, title), ...children));
}

function showFailure(failure) {
  if (failure instanceof api.ApiError && failure.status === 403) {
    mainBox().replaceChildren(h('p', { class: 'error', role: 'alert', 'data-testid': 'admin-forbidden' },
      t('admin.forbidden'), failure.detail ? ` ${t('err.detail', { detail: failure.detail })}` : ''));
    return;
  }
  throw failure;
}

/// The route #/admin/{parts...}: called by app.js's router.
export async function viewAdmin(parts, params) {
  currentRoute = [parts, params];
  try {
    await route(parts, params);
  } catch (failure) {
    showFailure(failure);
  }
}

async function route(parts, params) {
  switch (parts[0]) {
    case 'organisations': return viewOrganisations(params);
    case 'units': return viewUnits();
    case 'users': return parts[1] ? viewUser(decodeURIComponent(parts[1])) : viewUsers(params);
    case 'delegations': return viewDelegations();
    case 'keys': return viewKeys();
    case 'templates': return parts[1] ? viewTemplate(decodeURIComponent(parts[1])) : viewTemplates();
    default: return viewOverview();
  }
}

const SECTIONS = ['organisations', 'units', 'users', 'delegations', 'keys', 'templates'];

function viewOverview() {
  mainBox().replaceChildren(h('div', { 'data-testid': 'admin-overview' },
    h('h1', {}, t('admin.title')),
    hasRole('administrator') ? null : h('p', { class: 'muted' }, t('admin.forbidden')),
    h('ul', { class: 'admin-links' }, ...SECTIONS.map((name) => h('li', {},
      h('a', { href: `#/admin/${name}`, 'data-testid': `admin-link-${name}` }, t(`admin.${name}`)),
      h('div', { class: 'muted' }, t(`admin.${name}.about`)))))));
}

// ---- organisations ----
async function viewOrganisations(params) {
  const me = currentUser();
  const tier = params.get('tier') || '';
  const q = params.get('q') || '';
  const query = new URLSearchParams();
  if (tier) query.set('tier', tier);
  if (q) query.set('q', q);
  const [tiers, all, shown] = await Promise.all([
    api.getJson('/api/v1/tiers'), api.getJson('/api/v1/organizations'),
    api.getJson(`/api/v1/organizations${query.toString() ? `?${query}` : ''}`)]);
  const tierOptions = (tiers.items || []).map((item) => [item.code, `${item.name}${item.abolished_on ? ` (${item.abolished_on})` : ''}`]);
  const byId = new Map((all.items || []).map((org) => [org.id, org]));
  const inChain = (org) => {  // the admin's organisation or one below it
    for (let at = org, guard = 0; at && guard < 64; at = byId.get(at.parent_id), guard++) if (at.id === me.organisation_id) return true;
    return false;
  };
  const search = input('q', { type: 'search', value: q, maxlength: '200' });
  const tierSelect = select('tier', [['', t('all')], ...tierOptions], tier);
  const filter = h('form', { class: 'toolbar', role: 'search' },
    field(t('admin.search'), search), field(t('admin.tier'), tierSelect),
    h('button', { type: 'submit', 'data-testid': 'admin-filter' }, t('apply')));
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (tierSelect.value) next.set('tier', tierSelect.value);
    if (search.value.trim()) next.set('q', search.value.trim());
    location.hash = `#/admin/organisations${next.toString() ? `?${next}` : ''}`;
  });
  const tierName = (code) => (tiers.items || []).find((item) => item.code === code)?.name || code;
  const edit = (org) => openDialog(t('admin.org.edit', { name: org.name }), 'org-dialog', [
    field(t('admin.name'), input('name', { required: true, value: org.name })),
    field(t('admin.endpoint'), input('endpoint', { value: org.endpoint || '', placeholder: 'https://…' })),
    field(t('admin.dissolved'), input('dissolved_on', { type: 'date', value: org.dissolved_on || '' })),
  ], async (form) => {
    const body = { name: form.elements.name.value.trim(), endpoint: form.elements.endpoint.value.trim() };
    if (form.elements.dissolved_on.value) body.dissolved_on = form.elements.dissolved_on.value;
    else if (org.dissolved_on) body.dissolved_on = null;
    await send('PATCH', `/api/v1/organizations/${encodeURIComponent(org.id)}`, body);
    await reload(t('admin.saved'));
  });
  const rows = (shown.items || []).map((org) => h('tr', { 'data-testid': 'org-row', 'data-id': org.id },
    h('td', {}, org.code), h('td', {}, org.name, org.dissolved_on ? [' ', badge('dissolved', 'overdue', `${t('admin.dissolved')} ${org.dissolved_on}`)] : ''),
    h('td', {}, org.abbreviation), h('td', {}, tierName(org.tier)),
    h('td', {}, org.parent_id ? (byId.get(org.parent_id)?.name || org.parent_id) : '—'),
    h('td', {}, org.endpoint || '—'),
    h('td', {}, inChain(org) ? h('button', { type: 'button', 'data-testid': 'org-edit', onclick: () => edit(org) }, t('admin.edit')) : '')));
  const parents = (all.items || []).filter(inChain);
  const error = errorLine();
  const create = wireForm(h('form', { class: 'form', 'data-testid': 'org-create' },
    field(t('admin.code'), input('code', { required: true, placeholder: '000.00.00.H55' })),
    field(t('admin.name'), input('name', { required: true })),
    field(t('admin.abbreviation'), input('abbreviation', { required: true })),
    field(t('admin.tier'), select('tier', tierOptions.filter(([code]) => !(tiers.items || []).find((x) => x.code === code)?.abolished_on), 'commune')),
    field(t('admin.parent'), select('parent_id', parents.map((org) => [org.id, org.name]), me.organisation_id)),
    field(t('admin.endpoint'), input('endpoint', { placeholder: 'https://…' })),
    error, h('button', { class: 'primary', type: 'submit', 'data-testid': 'org-submit' }, t('admin.create'))), error, async (form) => {
    const body = {};
    for (const name of ['code', 'name', 'abbreviation', 'tier', 'parent_id', 'endpoint']) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value;
    }
    await send('POST', '/api/v1/organizations', body);
    form.reset();
    await reload(t('admin.created'));
  });
  page(t('admin.organisations'), 'admin-organisations', filter,
    rows.length ? h('table', { 'data-testid': 'org-list' }, h('thead', {}, h('tr', {},
      ...['admin.code', 'admin.name', 'admin.abbreviation', 'admin.tier', 'admin.parent', 'admin.endpoint', 'action'].map((key) => h('th', {}, t(key))))),
    h('tbody', {}, ...rows)) : h('p', { class: 'muted', 'data-testid': 'org-empty' }, t('admin.none')),
    parents.length && hasRole('administrator') ? card(t('admin.org.create'), 'org-create-card', create) : null);
}

// ---- units ----
async function unitsOf(organisationId) {
  return (await api.getJson(`/api/v1/organizations/${encodeURIComponent(organisationId)}/units`)).items || [];
}

async function viewUnits() {
  const me = currentUser();
  const units = await unitsOf(me.organisation_id);
  const rename = (unit) => openDialog(t('admin.unit.edit'), 'unit-dialog', [
    field(t('admin.name'), input('name', { required: true, value: unit.name })),
    field(t('admin.abbreviation'), input('abbreviation', { value: unit.abbreviation || '' })),
  ], async (form) => {
    await send('PATCH', `/api/v1/units/${encodeURIComponent(unit.id)}`,
      { name: form.elements.name.value.trim(), abbreviation: form.elements.abbreviation.value.trim() });
    await reload(t('admin.saved'));
  });
  const error = errorLine();
  const create = wireForm(h('form', { class: 'form', 'data-testid': 'unit-create' },
    field(t('admin.name'), input('name', { required: true })),
    field(t('admin.abbreviation'), input('abbreviation', { required: true })),
    field(t('admin.idOptional'), input('id')),
    error, h('button', { class: 'primary', type: 'submit', 'data-testid': 'unit-submit' }, t('admin.create'))), error, async (form) => {
    const body = { name: form.elements.name.value.trim(), abbreviation: form.elements.abbreviation.value.trim() };
    if (form.elements.id.value.trim()) body.id = form.elements.id.value.trim();
    await send('POST', `/api/v1/organizations/${encodeURIComponent(me.organisation_id)}/units`, body);
    form.reset();
    await reload(t('admin.created'));
  });
  page(t('admin.units'), 'admin-units',
    units.length ? h('table', { 'data-testid': 'unit-list' },
      h('thead', {}, h('tr', {}, h('th', {}, t('admin.name')), h('th', {}, t('admin.abbreviation')), h('th', {}, t('admin.id')), h('th', {}, t('action')))),
      h('tbody', {}, ...units.map((unit) => h('tr', { 'data-testid': 'unit-row', 'data-id': unit.id },
        h('td', {}, unit.name), h('td', {}, unit.abbreviation || ''), h('td', {}, unit.id),
        h('td', {}, h('button', { type: 'button', 'data-testid': 'unit-edit', onclick: () => rename(unit) }, t('admin.edit')))))))
      : h('p', { class: 'muted' }, t('admin.none')),
    card(t('admin.unit.create'), 'unit-create-card', create));
}

// ---- users ----
const roleList = (roles, units) => (roles || []).map((grant) => tv('role', grant.role)
  + (grant.unit_id ? ` (${units.find((unit) => unit.id === grant.unit_id)?.name || grant.unit_id})` : '')).join(', ');
const activeBadge = (active) => badge('active', active ? 'active' : 'overdue', active ? t('admin.active') : t('admin.inactive'));

async function viewUsers(params) {
  const me = currentUser();
  const pageNumber = Math.max(1, Number(params.get('page')) || 1);
  const limit = 20;
  const [data, units] = await Promise.all([
    api.getJson(`/api/v1/users?page=${pageNumber}&limit=${limit}`), unitsOf(me.organisation_id)]);
  const unitOptions = [['', t('admin.noUnit')], ...units.map((unit) => [unit.id, unit.name])];
  const pages = Math.max(1, Math.ceil((data.total || 0) / limit));
  const go = (next) => { location.hash = `#/admin/users${next > 1 ? `?page=${next}` : ''}`; };
  const error = errorLine();
  const create = wireForm(h('form', { class: 'form', 'data-testid': 'user-create' },
    field(t('username'), input('username', { required: true, autocomplete: 'off' })),
    field(t('admin.fullName'), input('full_name', { required: true })),
    field(t('admin.position'), input('position')),
    field(t('admin.email'), input('email', { type: 'email' })),
    field(t('admin.unit'), select('unit_id', unitOptions, '')),
    field(t('admin.initialPassword'), input('password', { type: 'password', required: true, minlength: '12', autocomplete: 'new-password' })),
    error, h('button', { class: 'primary', type: 'submit', 'data-testid': 'user-submit' }, t('admin.create'))), error, async (form) => {
    const body = {};
    for (const name of ['username', 'full_name', 'position', 'email', 'unit_id']) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = value;
    }
    body.password = form.elements.password.value;
    const created = await send('POST', '/api/v1/users', body);
    flashAfterNavigation(t('admin.created'));
    location.hash = `#/admin/users/${encodeURIComponent(created.id)}`;
  });
  const rows = (data.items || []).map((user) => h('tr', { 'data-testid': 'user-row', 'data-id': user.id, 'data-username': user.username },
    h('td', {}, h('a', { href: `#/admin/users/${encodeURIComponent(user.id)}` }, user.username)),
    h('td', {}, user.full_name), h('td', {}, user.position || ''),
    h('td', {}, units.find((unit) => unit.id === user.unit_id)?.name || ''),
    h('td', {}, roleList(user.roles, units)), h('td', {}, activeBadge(user.active))));
  page(t('admin.users'), 'admin-users',
    rows.length ? h('table', { 'data-testid': 'user-list' }, h('thead', {}, h('tr', {},
      ...[t('username'), t('admin.fullName'), t('admin.position'), t('admin.unit'), t('admin.roles'), t('admin.state')].map((label) => h('th', {}, label)))),
    h('tbody', {}, ...rows)) : h('p', { class: 'muted' }, t('admin.none')),
    h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: pageNumber <= 1, onclick: () => go(pageNumber - 1) }, t('previous')),
      h('span', { 'data-testid': 'user-page' }, t('admin.users.page', { page: pageNumber, pages, total: data.total || 0 })),
      h('button', { type: 'button', disabled: pageNumber >= pages, onclick: () => go(pageNumber + 1) }, t('next'))),
    card(t('admin.user.create'), 'user-create-card', create));
}

async function viewUser(id) {
  const me = currentUser();
  const path = `/api/v1/users/${encodeURIComponent(id)}`;
  const [user, units] = await Promise.all([api.getJson(path), unitsOf(me.organisation_id)]);
  const unitOptions = [['', t('admin.noUnit')], ...units.map((unit) => [unit.id, unit.name])];
  const profileError = errorLine('profile-error');
  const profile = wireForm(h('form', { class: 'form', 'data-testid': 'user-profile' },
    field(t('admin.fullName'), input('full_name', { required: true, value: user.full_name })),
    field(t('admin.position'), input('position', { value: user.position || '' })),
    field(t('admin.email'), input('email', { type: 'email', value: user.email || '' })),
    field(t('admin.unit'), select('unit_id', unitOptions, user.unit_id || '')),
    profileError, h('button', { class: 'primary', type: 'submit', 'data-testid': 'profile-submit' }, t('admin.save'))), profileError, async (form) => {
    const body = {};
    for (const name of ['full_name', 'position', 'email', 'unit_id']) body[name] = form.elements[name].value.trim();
    if (!body.unit_id) delete body.unit_id;
    await send('PATCH', path, body);
    await reload(t('admin.saved'));
  });
  const stateError = errorLine('state-error');
  const setActive = async (active) => {
    stateError.textContent = '';
    try {
      await send('PATCH', path, { active });
      await reload(t('admin.saved'));
    } catch (failure) { stateError.textContent = adminError(failure); }
  };
  const state = h('div', { 'data-testid': 'user-state' }, activeBadge(user.active), ' ',
    user.active
      ? h('button', { type: 'button', 'data-testid': 'user-deactivate', onclick: () => confirmAct(
        t('admin.confirm.deactivate', { name: user.full_name }), async () => { await send('PATCH', path, { active: false }); await reload(t('admin.saved')); }) },
      t('admin.deactivate'))
      : h('button', { type: 'button', 'data-testid': 'user-activate', onclick: () => setActive(true) }, t('admin.activate')),
    stateError);
  const roles = user.roles || [];
  const roleRows = roles.map((grant) => h('tr', { 'data-testid': 'role-row', 'data-role': grant.role, 'data-unit': grant.unit_id || '' },
    h('td', {}, tv('role', grant.role)),
    h('td', {}, grant.unit_id ? (units.find((unit) => unit.id === grant.unit_id)?.name || grant.unit_id) : t('admin.wholeOrg')),
    h('td', {}, h('button', { type: 'button', 'data-testid': 'role-revoke', onclick: () => confirmAct(
      t('admin.confirm.revokeRole', { role: tv('role', grant.role), name: user.full_name }), async () => {
        const query = grant.unit_id ? `?unit_id=${encodeURIComponent(grant.unit_id)}` : '';
        await send('DELETE', `${path}/roles/${encodeURIComponent(grant.role)}${query}`);
        await reload(t('admin.saved'));
      }) }, t('admin.revoke')))));
  const grantError = errorLine('grant-error');
  const grant = wireForm(h('form', { class: 'toolbar', 'data-testid': 'role-grant' },
    field(t('admin.role'), select('role', ROLES.map((role) => [role, tv('role', role)]), 'specialist')),
    field(t('admin.role.unit'), select('role_unit_id', [['', t('admin.wholeOrg')], ...units.map((unit) => [unit.id, unit.name])], '')),
    h('button', { type: 'submit', 'data-testid': 'role-submit' }, t('admin.grant'))), grantError, async (form) => {
    const body = { role: form.elements.role.value };
    if (form.elements.role_unit_id.value) body.unit_id = form.elements.role_unit_id.value;
    await send('POST', `${path}/roles`, body);
    await reload(t('admin.saved'));
  });
  page(`${user.full_name} (${user.username})`, 'admin-user',
    card(t('admin.state'), 'user-state-card', state),
    card(t('admin.roles'), 'user-roles-card',
      roleRows.length ? h('table', { 'data-testid': 'role-list' }, h('tbody', {}, ...roleRows)) : h('p', { class: 'muted' }, t('admin.none')),
      grant, grantError),
    card(t('admin.user.profile'), 'user-profile-card', profile));
}

// ---- delegations ----
async function allUsers() {
  try { return (await api.getJson('/api/v1/users?limit=200')).items || []; } catch { return null; }
}

const isoFromLocal = (value) => (value ? new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');

async function viewDelegations() {
  const me = currentUser();
  const [data, users] = await Promise.all([api.getJson('/api/v1/delegations'), allUsers()]);
  const nameOf = (id) => (users || []).find((user) => user.id === id)?.full_name || id;
  const now = Date.now();
  const stateOf = (item) => {
    if (item.revoked_at) return ['revoked', 'overdue'];
    if (Date.parse(item.starts_at) > now) return ['future', 'due_soon'];
    if (Date.parse(item.ends_at) <= now) return ['ended', 'due_soon'];
    return ['inForce', 'status'];
  };
  const rows = (data.items || []).map((item) => {
    const [state, style] = stateOf(item);
    return h('tr', { 'data-testid': 'deleg-row', 'data-id': item.id, 'data-state': state },
      h('td', {}, nameOf(item.from_user_id)), h('td', {}, nameOf(item.to_user_id)),
      h('td', {}, t(`admin.scope.${item.scope}`)), h('td', {}, formatTime(item.starts_at)), h('td', {}, formatTime(item.ends_at)),
      h('td', {}, item.reason || ''), h('td', {}, badge('deleg', style, t(`admin.deleg.${state}`))),
      h('td', {}, item.revoked_at ? '' : h('button', { type: 'button', 'data-testid': 'deleg-revoke', onclick: () => confirmAct(
        t('admin.confirm.revokeDeleg', { from: nameOf(item.from_user_id), to: nameOf(item.to_user_id) }), async () => {
          await send('DELETE', `/api/v1/delegations/${encodeURIComponent(item.id)}`);
          await reload(t('admin.saved'));
        }) }, t('admin.revoke'))));
  });
  const people = (users || []).filter((user) => user.active).map((user) => [user.id, `${user.full_name} (${user.username})`]);
  const pick = (name, value) => (users ? select(name, people, value, { required: true }) : input(name, { required: true, value }));
  const error = errorLine();
  const create = wireForm(h('form', { class: 'form', 'data-testid': 'deleg-create' },
    field(t('admin.deleg.from'), pick('from_user_id', me.id)),
    field(t('admin.deleg.to'), pick('to_user_id', '')),
    field(t('admin.deleg.scope'), select('scope', ['sign', 'approve', 'all'].map((scope) => [scope, t(`admin.scope.${scope}`)]), 'sign')),
    field(t('admin.deleg.starts'), input('starts_at', { type: 'datetime-local', required: true })),
    field(t('admin.deleg.ends'), input('ends_at', { type: 'datetime-local', required: true })),
    field(t('admin.deleg.reason'), input('reason')),
    error, h('button', { class: 'primary', type: 'submit', 'data-testid': 'deleg-submit' }, t('admin.create'))), error, async (form) => {
    const body = {
      to_user_id: form.elements.to_user_id.value, scope: form.elements.scope.value,
      starts_at: isoFromLocal(form.elements.starts_at.value), ends_at: isoFromLocal(form.elements.ends_at.value),
    };
    if (form.elements.from_user_id.value && form.elements.from_user_id.value !== me.id) body.from_user_id = form.elements.from_user_id.value;
    if (form.elements.reason.value.trim()) body.reason = form.elements.reason.value.trim();
    await send('POST', '/api/v1/delegations', body);
    form.reset();
    await reload(t('admin.created'));
  });
  page(t('admin.delegations'), 'admin-delegations',
    rows.length ? h('table', { 'data-testid': 'deleg-list' }, h('thead', {}, h('tr', {},
      ...['admin.deleg.from', 'admin.deleg.to', 'admin.deleg.scope', 'admin.deleg.starts', 'admin.deleg.ends', 'admin.deleg.reason', 'admin.state', 'action']
        .map((key) => h('th', {}, t(key))))), h('tbody', {}, ...rows)) : h('p', { class: 'muted', 'data-testid': 'deleg-empty' }, t('admin.none')),
    card(t('admin.deleg.create'), 'deleg-create-card', create));
}

// ---- keys and certificates ----
function base64Of(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

function expiryBadge(notAfter) {
  const end = Date.parse(notAfter);
  if (Number.isNaN(end)) return null;
  if (end <= Date.now()) return badge('expiry', 'overdue', t('admin.key.expired'));
  if (end - Date.now() < SOON_DAYS * 86400_000) return badge('expiry', 'due_soon', t('admin.key.soon'));
  return null;
}

async function viewKeys() {
  const [data, users] = await Promise.all([api.getJson('/api/v1/keys'), allUsers()]);
  const nameOf = (id) => (users || []).find((user) => user.id === id)?.full_name || id;
  const rows = (data.items || []).map((key) => h('tr', { 'data-testid': 'key-row', 'data-id': key.id, 'data-active': String(key.active) },
    h('td', {}, key.id), h('td', {}, key.user_id ? nameOf(key.user_id) : t('admin.key.seal')),
    h('td', {}, t(`admin.source.${key.source}`)),
    h('td', { title: key.certificate_subject || '' }, commonName(key.certificate_subject)),
    h('td', { class: 'mono' }, key.certificate_serial || ''),
    h('td', {}, formatTime(key.not_after), ' ', expiryBadge(key.not_after)),
    h('td', {}, key.active ? activeBadge(true) : badge('active', 'overdue', t('admin.key.withdrawn'))),
    h('td', {}, key.active ? h('button', { type: 'button', 'data-testid': 'key-withdraw', onclick: () => confirmAct(
      t('admin.confirm.withdrawKey', { id: key.id }), async () => {
        await send('DELETE', `/api/v1/keys/${encodeURIComponent(key.id)}`);
        await reload(t('admin.saved'));
      }) }, t('admin.key.withdraw')) : '')));
  const owners = [['', t('admin.key.seal')], ...(users || []).map((user) => [user.id, `${user.full_name} (${user.username})`])];
  const source = select('source', ['pkcs12', 'pkcs11', 'external'].map((name) => [name, t(`admin.source.${name}`)]), 'pkcs12');
  const groups = {
    pkcs12: h('fieldset', { 'data-source': 'pkcs12' }, h('legend', {}, t('admin.source.pkcs12')),
      field(t('admin.key.file'), input('pkcs12', { type: 'file', accept: '.p12,.pfx,application/x-pkcs12' })),
      field(t('admin.key.password'), input('p12_password', { type: 'password', autocomplete: 'off' }))),
    pkcs11: h('fieldset', { 'data-source': 'pkcs11' }, h('legend', {}, t('admin.source.pkcs11')),
      field(t('admin.key.uri'), input('uri', { placeholder: 'pkcs11:token=…;object=…' })),
      field(t('admin.key.certificate'), h('textarea', { name: 'certificate11', 'data-testid': 'admin-certificate11', placeholder: '-----BEGIN CERTIFICATE-----' }))),
    external: h('fieldset', { 'data-source': 'external' }, h('legend', {}, t('admin.source.external')),
      field(t('admin.key.certificate'), h('textarea', { name: 'certificate', 'data-testid': 'admin-certificate', placeholder: '-----BEGIN CERTIFICATE-----' }))),
  };
  const showGroup = () => { for (const [name, group] of Object.entries(groups)) group.hidden = name !== source.value; };
  source.addEventListener('change', showGroup);
  showGroup();
  const error = errorLine();
  // Offered only once the server said the certificate names someone else: the administrator
  // confirms a name spelt differently, and the audit entry records it.
  const acceptOther = h('input', { type: 'checkbox', name: 'accept_other_name', 'data-testid': 'key-accept-other' });
  const acceptOtherLine = h('label', { class: 'check', hidden: true, 'data-testid': 'key-accept-other-line' }, acceptOther, ' ', t('admin.key.acceptOther'));
  const hideAcceptOther = () => { acceptOther.checked = false; acceptOtherLine.hidden = true; };
  const create = wireForm(h('form', { class: 'form', 'data-testid': 'key-create', onchange: (event) => { if (event.target !== acceptOther) hideAcceptOther(); } },
    field(t('admin.key.owner'), select('user_id', owners, '')),
    field(t('admin.key.source'), source),
    ...Object.values(groups),
    error, acceptOtherLine, h('button', { class: 'primary', type: 'submit', 'data-testid': 'key-submit' }, t('admin.key.register'))), error, async (form) => {
    const body = { source: source.value };
    if (form.elements.user_id.value) body.user_id = form.elements.user_id.value;
    if (acceptOther.checked) body.accept_other_name = true;
    if (source.value === 'pkcs12') {
      const file = form.elements.pkcs12.files[0];
      if (!file) throw Object.assign(new Error(t('admin.key.noFile')), { local: true });
      body.pkcs12 = base64Of(await file.arrayBuffer());
      body.password = form.elements.p12_password.value;
    } else if (source.value === 'pkcs11') {
      body.uri = form.elements.uri.value.trim();
      body.certificate = form.elements.certificate11.value.trim();
    } else {
      body.certificate = form.elements.certificate.value.trim();
    }
    try {
      await send('POST', '/api/v1/keys', body);
    } catch (failure) {
      if (failure.code === 'certificate_name_mismatch') acceptOtherLine.hidden = false;
      throw failure;
    }
    form.reset();
    hideAcceptOther();
    showGroup();
    await reload(t('admin.created'));
  });
  page(t('admin.keys'), 'admin-keys',
    rows.length ? h('table', { 'data-testid': 'key-list' }, h('thead', {}, h('tr', {},
      ...['admin.id', 'admin.key.owner', 'admin.key.source', 'admin.key.subject', 'admin.key.serial', 'admin.key.notAfter', 'admin.state', 'action']
        .map((key) => h('th', {}, t(key))))), h('tbody', {}, ...rows)) : h('p', { class: 'muted' }, t('admin.none')),
    card(t('admin.key.register'), 'key-create-card', create));
}

// ---- templates ----
async function viewTemplates() {
  const me = currentUser();
  const data = await api.getJson('/api/v1/templates');
  const items = data.items || [];
  const rows = items.map((tpl) => h('tr', { 'data-testid': 'tpl-row', 'data-id': tpl.id, 'data-version': String(tpl.version) },
    h('td', {}, h('a', { href: `#/admin/templates/${encodeURIComponent(tpl.id)}` }, tpl.id)),
    h('td', {}, tpl.name), h('td', {}, tv('direction', tpl.direction)), h('td', {}, String(tpl.version)),
    h('td', {}, tpl.organisation_id ? t('admin.tpl.own') : t('admin.tpl.shipped')),
    h('td', {}, String((tpl.levels || []).length))));
  let outgoing = null;
  let outgoingFailure = null;
  try {
    outgoing = await api.getJson(`/api/v1/organizations/${encodeURIComponent(me.organisation_id)}/outgoing-template`);
  } catch (failure) { outgoingFailure = failure; }
  let choice = null;
  if (outgoing) {
    const error = errorLine('outgoing-error');
    const options = [['', t('admin.tpl.outgoingNone')],
      ...items.filter((tpl) => tpl.direction === 'outgoing').map((tpl) => [tpl.id, `${tpl.name} (${tpl.id})`])];
    choice = wireForm(h('form', { class: 'toolbar', 'data-testid': 'outgoing-template' },
      field(t('admin.tpl.outgoing'), select('template_id', options, outgoing.chosen ? outgoing.template_id : '')),
      h('button', { type: 'submit', 'data-testid': 'outgoing-submit' }, t('admin.save'))), error, async (form) => {
      await send('PUT', `/api/v1/organizations/${encodeURIComponent(me.organisation_id)}/outgoing-template`,
        { template_id: form.elements.template_id.value || null });
      await reload(t('admin.saved'));
    });
    choice = [choice, error];
  } else if (outgoingFailure) {
    choice = h('p', { class: 'muted' }, adminError(outgoingFailure));
  }
  page(t('admin.templates'), 'admin-templates',
    h('table', { 'data-testid': 'tpl-list' }, h('thead', {}, h('tr', {},
      ...['admin.id', 'admin.name', 'admin.tpl.direction', 'admin.tpl.version', 'admin.tpl.owner', 'admin.tpl.levels'].map((key) => h('th', {}, t(key))))),
    h('tbody', {}, ...rows)),
    card(t('admin.tpl.outgoing'), 'outgoing-card', choice));
}

function levelFieldset(level) {
  const placement = level.signature_placement || null;
  const rect = (placement && placement.rectangle) || {};
  const number = (name, value, attributes = {}) => h('input', {
    name, type: 'number', step: 'any', 'data-testid': `level-${name}`, value: value ?? '', ...attributes });
  const action = h('select', { name: 'action', 'data-testid': 'level-action' },
    ...[...new Set([...ACTIONS, level.action])].map((name) => h('option', { value: name, selected: name === level.action }, tv('admin.tplAction', name))));
  const role = h('select', { name: 'role', 'data-testid': 'level-role' },
    ...[...new Set([...ROLES, level.role])].map((name) => h('option', { value: name, selected: name === level.role }, tv('role', name))));
  const place = h('fieldset', { class: 'placement', 'data-testid': 'level-placement' }, h('legend', {}, t('admin.tpl.placement')),
    h('div', { class: 'toolbar' },
      field(t('admin.tpl.page'), number('page', placement ? placement.page ?? '' : '', { step: '1' })),
      field(t('admin.tpl.x'), number('x', rect.x)), field(t('admin.tpl.y'), number('y', rect.y)),
      field(t('admin.tpl.width'), number('width', rect.width)), field(t('admin.tpl.height'), number('height', rect.height))));
  const fieldset = h('fieldset', { class: 'level', 'data-testid': 'level', 'data-number': String(level.number) },
    h('legend', {}, t('admin.tpl.level', { number: level.number })),
    h('div', { class: 'toolbar' },
      field(t('admin.name'), h('input', { name: 'name', required: true, value: level.name || '', 'data-testid': 'level-name' })),
      field(t('admin.role'), role), field(t('admin.tpl.action'), action),
      field(t('admin.tpl.deadline'), number('deadline_days', level.deadline_days ?? 0, { step: '1', min: '0' })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'approval_signature', checked: !!level.approval_signature,
        'data-testid': 'level-approval_signature' }), t('admin.tpl.approvalSignature'))),
    place);
  const sync = () => { place.hidden = action.value !== 'sign'; place.disabled = action.value !== 'sign'; };
  action.addEventListener('change', sync);
  sync();
  fieldset.levelData = level;
  return fieldset;
}

function levelFrom(fieldset) {
  const value = (name) => fieldset.querySelector(`[name=${name}]`).value.trim();
  const level = { ...fieldset.levelData };
  level.name = value('name');
  level.role = value('role');
  level.action = value('action');
  level.deadline_days = Number(value('deadline_days') || 0);
  level.approval_signature = fieldset.querySelector('[name=approval_signature]').checked;
  level.signature_placement = null;
  if (level.action === 'sign' && ['x', 'y', 'width', 'height'].some((name) => value(name) !== '')) {
    level.signature_placement = { rectangle: {
      x: Number(value('x') || 0), y: Number(value('y') || 0), width: Number(value('width') || 0), height: Number(value('height') || 0) } };
    if (value('page') !== '') level.signature_placement.page = Number(value('page'));
  }
  return level;
}

async function viewTemplate(id) {
  const me = currentUser();
  const tpl = await api.getJson(`/api/v1/templates/${encodeURIComponent(id)}`);
  const shipped = !tpl.organisation_id;
  const fieldsets = (tpl.levels || []).map(levelFieldset);
  const error = errorLine('tpl-error');
  const nameInput = input('name', { required: true, value: tpl.name });
  const target = input('target_id', { required: true, value: shipped ? `${tpl.id}-${me.organisation_id}` : tpl.id, pattern: '[A-Za-z0-9._-]+' });
  const form = wireForm(h('form', { class: 'form wide', 'data-testid': 'tpl-form' },
    h('dl', { class: 'meta' },
      h('dt', {}, t('admin.id')), h('dd', { 'data-testid': 'tpl-id' }, tpl.id),
      h('dt', {}, t('admin.tpl.version')), h('dd', { 'data-testid': 'tpl-version' }, String(tpl.version)),
      h('dt', {}, t('admin.tpl.direction')), h('dd', {}, tv('direction', tpl.direction)),
      h('dt', {}, t('admin.tpl.owner')), h('dd', {}, shipped ? t('admin.tpl.shipped') : t('admin.tpl.own')),
      h('dt', {}, t('created')), h('dd', {}, `${formatTime(tpl.created_at)} · ${tpl.created_by || ''}`)),
    field(t('admin.name'), nameInput),
    ...fieldsets,
    field(t('admin.tpl.saveAs'), target),
    shipped ? h('p', { class: 'muted' }, t('admin.tpl.saveAsHint')) : null,
    error, h('button', { class: 'primary', type: 'submit', 'data-testid': 'tpl-submit' }, t('admin.save'))), error, async () => {
    error.dataset.level = '';
    for (const fieldset of fieldsets) { fieldset.classList.remove('invalid'); fieldset.removeAttribute('aria-invalid'); }
    try {
      const saved = await send('PUT', `/api/v1/templates/${encodeURIComponent(target.value.trim())}`, {
        name: nameInput.value.trim(), direction: tpl.direction, levels: fieldsets.map(levelFrom) });
      const savedMessage = t('admin.tpl.savedVersion', { id: saved.id, version: saved.version });
      if (saved.id !== tpl.id) {
        flashAfterNavigation(savedMessage);
        location.hash = `#/admin/templates/${encodeURIComponent(saved.id)}`;
      } else {
        await reload(savedMessage);
      }
    } catch (failure) {
      // "level 4: ..." (1-based) or "levels[3]: ..." (the body's index): mark that level.
      const byNumber = /level (\d+)/.exec(failure.detail || '');
      const byIndex = /levels\[(\d+)\]/.exec(failure.detail || '');
      const bad = byNumber ? fieldsets.find((fieldset) => fieldset.dataset.number === byNumber[1])
        : byIndex ? fieldsets[Number(byIndex[1])] : null;
      if (bad) {
        const number = Number(bad.dataset.number);
        bad.classList.add('invalid');
        bad.setAttribute('aria-invalid', 'true');
        bad.scrollIntoView({ block: 'center' });
        error.dataset.level = String(number);
        throw Object.assign(failure, { levelNumber: number });
      }
      throw failure;
    }
  }, (failure) => (failure.levelNumber
    ? `${t('admin.tpl.levelError', { number: failure.levelNumber })} ${adminError(failure)}` : adminError(failure)));
  page(`${tpl.name}`, 'admin-template', h('p', {}, h('a', { href: '#/admin/templates' }, `← ${t('admin.templates')}`)), form);
}
