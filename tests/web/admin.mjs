// The administration pages in Debian's Chromium: the demo's administrator (`admin`) walks every
// admin page; creates a unit, and a user with a role who then logs in in another browser;
// deactivates that user, whose login is then refused; creates and revokes a delegation; registers
// a demo PKCS#12 key for a user and withdraws it (a wrong PKCS#12 password gets a clear message);
// edits an approval template (an invalid level is named, a valid save gets a new version). Every
// outcome is checked through the API with the administrator's token. A specialist sees no admin
// link and `#/admin/users` says the page is not allowed (the API answered 403).
//
// Usage: node tests/web/admin.mjs BIN_DIR   (VANTHU_WEB_SCREENSHOTS=DIR also saves the screenshots)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { p12Password, password, run } from './harness.mjs';

await run(async (hx) => {
  const { base } = hx;
  const check = hx.check.bind(hx);

  // The API as the administrator, to check what the pages did.
  const loginResponse = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  const token = (await loginResponse.json()).token;
  const apiGet = async (route) => (await fetch(`${base}${route}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const canLogin = async (username, secret) => (await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: secret }) })).status;

  const admin = await hx.newPage();
  await hx.login(admin, 'admin');
  const adminLink = admin.locator('#nav a[href="#/admin"]');
  check(await adminLink.count() === 1 && (await adminLink.textContent()) === 'Quản trị', 'the administrator sees the "Quản trị" link');
  await adminLink.click();
  await hx.settled(admin, 'admin');
  await admin.waitForSelector('[data-testid=admin-overview]');
  check(await admin.locator('[data-testid^=admin-link-]').count() === 6, 'the overview links the six admin pages');

  const open = async (route, testid) => {
    await admin.goto(`${base}/#/admin/${route}`);
    await hx.settled(admin, 'admin');
    await admin.waitForSelector(`[data-testid=${testid}]`);
  };
  // after a write the page renders again: wait for its busy flag to go and come back
  const submitted = async (selector) => {
    await admin.click(selector);
    await admin.waitForFunction(() => document.querySelector('#flash:not([hidden])') || document.querySelector('[role=alert]:not(:empty)'));
  };

  // Organisations: the directory filtered by tier and by text; a new commune below the province.
  await open('organisations', 'admin-organisations');
  const allOrgs = await admin.locator('[data-testid=org-row]').count();
  await admin.selectOption('[data-testid=admin-tier]', 'commune');
  await admin.click('[data-testid=admin-filter]');
  await admin.waitForFunction(() => location.hash.includes('tier=commune'));
  await hx.settled(admin, 'admin');
  const communes = (await apiGet('/api/v1/organizations?tier=commune')).items.length;
  check(await admin.locator('[data-testid=org-row]').count() === communes && communes < allOrgs, `the tier filter shows the ${communes} communes`);
  await admin.fill('[data-testid=admin-q]', 'Đại Từ');
  await admin.click('[data-testid=admin-filter]');
  await admin.waitForFunction(() => location.hash.includes('q='));
  await hx.settled(admin, 'admin');
  check(await admin.locator('[data-testid=org-row]').count() === 1 &&
    (await admin.textContent('[data-testid=org-list]')).includes('xã Đại Từ'), 'tier and text together find the commune of Đại Từ');
  await open('organisations', 'admin-organisations');
  const orgForm = admin.locator('[data-testid=org-create]');
  await orgForm.locator('[data-testid=admin-code]').fill('000.00.23.H55');
  await orgForm.locator('[data-testid=admin-name]').fill('Ủy ban nhân dân xã Kiểm Thử');
  await orgForm.locator('[data-testid=admin-abbreviation]').fill('UBND');
  await orgForm.locator('[data-testid=admin-tier]').selectOption('commune');
  await orgForm.locator('[data-testid=admin-endpoint]').fill('https://xa-kiem-thu.example.vn/exchange');
  await submitted('[data-testid=org-submit]');
  const created = (await apiGet('/api/v1/organizations?q=Kiểm Thử')).items;
  check(created.length === 1 && created[0].parent_id === 'ubnd-tinh' && created[0].tier === 'commune' &&
    created[0].endpoint === 'https://xa-kiem-thu.example.vn/exchange', 'a new commune below the province (through the API)');
  // the same code again: the server's 409, the form keeps its input
  await orgForm.locator('[data-testid=admin-code]').fill('000.00.23.H55');
  await orgForm.locator('[data-testid=admin-name]').fill('Trùng mã');
  await orgForm.locator('[data-testid=admin-abbreviation]').fill('UBND');
  await admin.click('[data-testid=org-submit]');
  await admin.waitForSelector('[data-testid=org-create] [data-testid=admin-error]:has-text("Đã tồn tại")');
  check(await orgForm.locator('[data-testid=admin-name]').inputValue() === 'Trùng mã', 'a duplicate code is refused clearly and the form keeps its input');
  // edit its endpoint, then dissolve it
  await admin.locator(`[data-testid=org-row][data-id="${created[0].id}"] [data-testid=org-edit]`).click();
  await admin.waitForSelector('[data-testid=org-dialog]');
  await admin.fill('[data-testid=org-dialog] [data-testid=admin-endpoint]', 'https://moi.example.vn/exchange');
  await admin.fill('[data-testid=org-dialog] [data-testid=admin-dissolved_on]', '2027-01-01');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector('#flash:has-text("Đã lưu")');
  const edited = await apiGet(`/api/v1/organizations/${created[0].id}`);
  check(edited.endpoint === 'https://moi.example.vn/exchange' && edited.dissolved_on === '2027-01-01', 'the endpoint and the dissolution date are saved');

  // Units: a new one, then renamed.
  await open('units', 'admin-units');
  await admin.fill('[data-testid=unit-create] [data-testid=admin-name]', 'Phòng Thử nghiệm');
  await admin.fill('[data-testid=unit-create] [data-testid=admin-abbreviation]', 'TN');
  await submitted('[data-testid=unit-submit]');
  let unit = (await apiGet('/api/v1/organizations/ubnd-tinh/units')).items.find((item) => item.name === 'Phòng Thử nghiệm');
  check(!!unit && unit.abbreviation === 'TN', 'a new unit (through the API)');
  await admin.locator(`[data-testid=unit-row][data-id="${unit.id}"] [data-testid=unit-edit]`).click();
  await admin.fill('[data-testid=unit-dialog] [data-testid=admin-name]', 'Phòng Thử nghiệm và Số hóa');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector(`[data-testid=unit-row][data-id="${unit.id}"]:has-text("Số hóa")`);
  unit = (await apiGet('/api/v1/organizations/ubnd-tinh/units')).items.find((item) => item.id === unit.id);
  check(unit.name === 'Phòng Thử nghiệm và Số hóa', 'the unit is renamed');

  // Users: the list, a short password refused by the server, a new user with a role.
  await open('users', 'admin-users');
  const total = (await apiGet('/api/v1/users?limit=1')).total;
  check((await admin.textContent('[data-testid=user-page]')).includes(`${total} người dùng`), `the users list counts ${total}`);
  const userForm = admin.locator('[data-testid=user-create]');
  await userForm.locator('[data-testid=admin-username]').fill('chuyenvien.tn');
  await userForm.locator('[data-testid=admin-full_name]').fill('Hoàng Văn Thử');
  await userForm.locator('[data-testid=admin-position]').fill('Chuyên viên');
  await userForm.locator('[data-testid=admin-email]').fill('thu@example.vn');
  await userForm.locator('[data-testid=admin-unit_id]').selectOption(unit.id);
  const newPassword = 'mot-mat-khau-du-dai';
  await userForm.locator('[data-testid=admin-password]').fill(newPassword);
  await hx.shot(admin, 'admin-users');
  await admin.click('[data-testid=user-submit]');
  await admin.waitForSelector('[data-testid=admin-user]');
  await hx.settled(admin, 'admin');
  const userId = decodeURIComponent(new URL(admin.url()).hash.split('/').pop());
  check((await apiGet(`/api/v1/users/${userId}`)).username === 'chuyenvien.tn', 'the user is created and its page opened');
  check(await admin.isVisible('#flash') && (await admin.textContent('#flash')).includes('Đã tạo'),
    'the new user\'s page says it was created (the message outlives the navigation)');
  await admin.selectOption('[data-testid=admin-role]', 'specialist');
  await admin.selectOption('[data-testid=admin-role_unit_id]', unit.id);
  await admin.click('[data-testid=role-submit]');
  await admin.waitForSelector('[data-testid=role-row][data-role=specialist]');
  let user = await apiGet(`/api/v1/users/${userId}`);
  check(user.roles.some((grant) => grant.role === 'specialist' && grant.unit_id === unit.id), 'the unit-scoped specialist role is granted');

  // The new user logs in in a second browser.
  const newcomer = await hx.newPage();
  await hx.login(newcomer, 'chuyenvien.tn', newPassword);
  check((await newcomer.textContent('[data-testid=user-name]')).includes('Hoàng Văn Thử') &&
    (await newcomer.textContent('[data-testid=user-roles]')).includes('Chuyên viên'), 'the new user logs in with their role');
  check(await newcomer.locator('#nav a[href="#/admin"]').count() === 0, 'a specialist has no admin link');

  // The last administrator cannot lose the role: the 409 is explained.
  await open('users/user-admin', 'admin-user');
  await admin.click('[data-testid=role-row][data-role=administrator] [data-testid=role-revoke]');
  await admin.waitForSelector('[data-testid=confirm-dialog]');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector('[data-testid=dialog-error]:has-text("quản trị viên cuối cùng")');
  check((await admin.textContent('[data-testid=dialog-error]')).includes('last administrator'), 'the last administrator: the 409 says so, with the server\'s detail');
  await admin.click('[data-testid=dialog-cancel]');
  check((await apiGet('/api/v1/users/user-admin')).roles.some((grant) => grant.role === 'administrator'), 'the administrator keeps the role');

  // Revoke the new user's role (with confirmation), then deactivate them: their login is refused.
  await open(`users/${userId}`, 'admin-user');
  await admin.click('[data-testid=role-row][data-role=specialist] [data-testid=role-revoke]');
  await admin.click('[data-testid=dialog-cancel]');
  check((await apiGet(`/api/v1/users/${userId}`)).roles.length === 1, 'cancelling the confirmation revokes nothing');
  await admin.click('[data-testid=role-row][data-role=specialist] [data-testid=role-revoke]');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector('[data-testid=role-list]', { state: 'detached' });
  check((await apiGet(`/api/v1/users/${userId}`)).roles.length === 0, 'the role is revoked');
  await admin.click('[data-testid=role-submit]');  // specialist, whole organisation
  await admin.waitForSelector('[data-testid=role-row][data-role=specialist]');
  await admin.click('[data-testid=user-deactivate]');
  await admin.waitForSelector('[data-testid=confirm-message]:has-text("Hoàng Văn Thử")');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector('[data-testid=user-activate]');
  user = await apiGet(`/api/v1/users/${userId}`);
  check(user.active === false, 'the user is deactivated (through the API)');
  check(await canLogin('chuyenvien.tn', newPassword) === 401, 'a deactivated user\'s login is refused by the API');
  await newcomer.goto(`${base}/#/list/pending`);
  await newcomer.waitForSelector('[data-testid=login-form]');
  await newcomer.fill('[data-testid=login-username]', 'chuyenvien.tn');
  await newcomer.fill('[data-testid=login-password]', newPassword);
  await newcomer.click('[data-testid=login-submit]');
  await newcomer.waitForSelector('[data-testid=login-error]:has-text("Sai tên đăng nhập")');
  hx.ok('the deactivated user\'s open session ended and logging in again is refused in the page');

  // Delegations: the leader lets the deputy sign for a week; then it is revoked.
  await open('delegations', 'admin-delegations');
  await admin.selectOption('[data-testid=admin-from_user_id]', 'user-lanhdao');
  await admin.selectOption('[data-testid=admin-to_user_id]', 'user-phochutich');
  await admin.selectOption('[data-testid=admin-scope]', 'sign');
  await admin.fill('[data-testid=admin-starts_at]', '2027-03-01T08:00');
  await admin.fill('[data-testid=admin-ends_at]', '2027-03-08T17:00');
  await admin.fill('[data-testid=admin-reason]', 'Đi công tác');
  await admin.click('[data-testid=deleg-submit]');
  await admin.waitForSelector('[data-testid=deleg-row]');
  let delegations = (await apiGet('/api/v1/delegations')).items;
  check(delegations.length === 1 && delegations[0].from_user_id === 'user-lanhdao' && delegations[0].to_user_id === 'user-phochutich' &&
    delegations[0].scope === 'sign' && delegations[0].reason === 'Đi công tác', 'the delegation is created (through the API)');
  // ends before it starts: the server's 400, the input stays
  await admin.selectOption('[data-testid=admin-to_user_id]', 'user-phochutich');
  await admin.fill('[data-testid=admin-starts_at]', '2027-04-08T08:00');
  await admin.fill('[data-testid=admin-ends_at]', '2027-04-01T08:00');
  await admin.click('[data-testid=deleg-submit]');
  await admin.waitForSelector('[data-testid=deleg-create] [data-testid=admin-error]:has-text("Dữ liệu chưa hợp lệ")');
  check(await admin.inputValue('[data-testid=admin-starts_at]') === '2027-04-08T08:00', 'an invalid delegation is refused and the form keeps its input');
  // by keyboard: the revoke button, the confirmation (focus starts on Cancel), Tab to confirm
  await admin.focus('[data-testid=deleg-revoke]');
  await admin.keyboard.press('Enter');
  await admin.waitForSelector('[data-testid=confirm-dialog]');
  check(await admin.evaluate(() => document.activeElement.dataset.testid) === 'dialog-cancel', 'the confirmation starts on Cancel');
  await admin.keyboard.press('Tab');
  await admin.keyboard.press('Enter');
  await admin.waitForSelector('[data-testid=deleg-row][data-state=revoked]');
  delegations = (await apiGet('/api/v1/delegations')).items;
  check(delegations.length === 1 && !!delegations[0].revoked_at, 'the delegation is revoked (through the API)');

  // Keys: the demo's PKCS#12 of truongphong offered for chanhvanphong: a wrong password first,
  // then the right one, refused because the certificate names someone else; then her own file.
  await open('keys', 'admin-keys');
  const keysBefore = (await apiGet('/api/v1/keys')).items;
  check(await admin.locator('[data-testid=key-row]').count() === keysBefore.length, `the keys list shows the ${keysBefore.length} keys`);
  const p12 = path.join(hx.data, 'pki/users/truongphong.p12');
  await admin.selectOption('[data-testid=admin-user_id]', 'user-chanhvanphong');
  await admin.selectOption('[data-testid=admin-source]', 'pkcs12');
  await admin.setInputFiles('[data-testid=admin-pkcs12]', p12);
  await admin.fill('[data-testid=admin-p12_password]', 'not-the-password');
  await admin.click('[data-testid=key-submit]');
  await admin.waitForSelector('[data-testid=key-create] [data-testid=admin-error]:has-text("Mật khẩu tệp PKCS#12 không đúng")');
  check((await apiGet('/api/v1/keys')).items.length === keysBefore.length, 'a wrong PKCS#12 password: a clear message and no key');
  check(await admin.locator('[data-testid=key-accept-other-line]').isHidden(), 'no confirmation is offered before a name differs');
  await admin.fill('[data-testid=admin-p12_password]', p12Password);
  await admin.click('[data-testid=key-submit]');
  await admin.waitForSelector('[data-testid=key-create] [data-testid=admin-error]:has-text("Chứng thư số mang tên người")');
  const mismatch = await admin.textContent('[data-testid=key-create] [data-testid=admin-error]');
  check(mismatch.includes('Trần Văn Bình') && mismatch.includes('Lê Thị Hương'), `someone else's certificate: both names shown (${mismatch})`);
  check((await apiGet('/api/v1/keys')).items.length === keysBefore.length, 'someone else\'s certificate: no key');
  check(await admin.locator('[data-testid=key-accept-other-line]').isVisible(), 'the confirmation is offered');
  await admin.setInputFiles('[data-testid=admin-pkcs12]', path.join(hx.data, 'pki/users/chanhvanphong.p12'));
  check(await admin.locator('[data-testid=key-accept-other-line]').isHidden(), 'another file takes the confirmation away');
  await admin.click('[data-testid=key-submit]');
  await admin.waitForSelector(`[data-testid=key-row] >> nth=${keysBefore.length}`);
  const keysAfter = (await apiGet('/api/v1/keys')).items;
  const newKey = keysAfter.find((key) => !keysBefore.some((old) => old.id === key.id));
  check(!!newKey && newKey.user_id === 'user-chanhvanphong' && newKey.source === 'pkcs12' && newKey.active &&
    newKey.certificate_subject.includes('Lê Thị Hương'), 'the PKCS#12 key is registered for the user (through the API)');
  const row = admin.locator(`[data-testid=key-row][data-id="${newKey.id}"]`);
  check((await row.textContent()).includes(newKey.certificate_serial) && (await row.textContent()).includes('Lê Thị Hương'),
    'the new key\'s row: owner and serial');
  await row.locator('[data-testid=key-withdraw]').click();
  await admin.waitForSelector('[data-testid=confirm-message]:has-text("Thu hồi khóa")');
  await admin.click('[data-testid=dialog-confirm]');
  await admin.waitForSelector(`[data-testid=key-row][data-id="${newKey.id}"][data-active=false]`);
  check((await apiGet('/api/v1/keys')).items.find((key) => key.id === newKey.id).active === false, 'the key is withdrawn (through the API)');

  // An external key (the certificate only) for the organisation seal: another agency's
  // certificate, refused, then registered once the administrator confirms it.
  await admin.selectOption('[data-testid=admin-user_id]', '');
  await admin.selectOption('[data-testid=admin-source]', 'external');
  check(!await admin.locator('[data-testid=admin-pkcs12]').isVisible(), 'the PKCS#12 fields hide for another source');
  await admin.fill('[data-testid=admin-certificate]', readFileSync(path.join(hx.data, 'pki/orgs/000.00.01.H55.pem'), 'utf8'));
  await admin.click('[data-testid=key-submit]');
  await admin.waitForSelector('[data-testid=key-create] [data-testid=admin-error]:has-text("000.00.01.H55")');
  check((await apiGet('/api/v1/keys')).items.length === keysBefore.length + 1, 'another agency\'s certificate as the seal: no key');
  await admin.check('[data-testid=key-accept-other]');
  await admin.click('[data-testid=key-submit]');
  await admin.waitForSelector(`[data-testid=key-row] >> nth=${keysBefore.length + 1}`);
  const external = (await apiGet('/api/v1/keys')).items.find((key) => key.source === 'external');
  check(!!external && external.user_id === null && external.certificate_subject.includes('000.00.01.H55'),
    'an external key for the organisation seal (through the API)');

  // Templates: the shipped four-level template copied with an invalid placement, then a valid one.
  await open('templates', 'admin-templates');
  check(await admin.locator('[data-testid=tpl-row]').count() === (await apiGet('/api/v1/templates')).items.length, 'the templates list');
  await open('templates/outgoing-4', 'admin-template');
  const sign = admin.locator('[data-testid=level][data-number="4"]');
  check(await admin.locator('[data-testid=level]').count() === 5 && await sign.locator('[data-testid=level-placement]').isVisible() &&
    !await admin.locator('[data-testid=level][data-number="2"] [data-testid=level-placement]').isVisible(),
  'five levels, the signature position only on the sign level');
  await admin.fill('[data-testid=tpl-form] > label [data-testid=admin-name]', 'Văn bản đi: bốn cấp, có vị trí chữ ký');
  await admin.fill('[data-testid=level][data-number="2"] [data-testid=level-deadline_days]', '3');
  await admin.check('[data-testid=level][data-number="3"] [data-testid=level-approval_signature]');
  await sign.locator('[data-testid=level-page]').fill('-1');
  await sign.locator('[data-testid=level-x]').fill('300');
  await sign.locator('[data-testid=level-y]').fill('100');
  await sign.locator('[data-testid=level-width]').fill('0');
  await sign.locator('[data-testid=level-height]').fill('60');
  await admin.fill('[data-testid=admin-target_id]', 'outgoing-4-tinh');
  await admin.click('[data-testid=tpl-submit]');
  await admin.waitForSelector('[data-testid=tpl-error][data-level="4"]');
  const levelError = await admin.textContent('[data-testid=tpl-error]');
  check(levelError.includes('Lỗi ở cấp 4') && levelError.includes('level 4') &&
    await sign.getAttribute('aria-invalid') === 'true', 'an invalid template names its level and marks it');
  check((await fetch(`${base}/api/v1/templates/outgoing-4-tinh`, { headers: { Authorization: `Bearer ${token}` } })).status === 404,
    'the invalid template is not saved');
  check(await sign.locator('[data-testid=level-x]').inputValue() === '300', 'the form keeps its input');
  await sign.locator('[data-testid=level-width]').fill('180');
  await admin.click('[data-testid=tpl-submit]');
  await admin.waitForFunction(() => location.hash === '#/admin/templates/outgoing-4-tinh');
  await admin.waitForSelector('[data-testid=tpl-id]:has-text("outgoing-4-tinh")');
  let saved = await apiGet('/api/v1/templates/outgoing-4-tinh');
  check(saved.version === 1 && saved.organisation_id === 'ubnd-tinh' && saved.name === 'Văn bản đi: bốn cấp, có vị trí chữ ký' &&
    saved.levels[1].deadline_days === 3 &&
    saved.levels[2].approval_signature === true && saved.levels[3].signature_placement &&
    saved.levels[3].signature_placement.page === -1 && saved.levels[3].signature_placement.rectangle.width === 180,
  'the copy is saved with the edited levels (through the API)');
  await admin.fill('[data-testid=level][data-number="5"] [data-testid=level-deadline_days]', '2');
  await admin.click('[data-testid=tpl-submit]');
  await admin.waitForSelector('[data-testid=tpl-version]:has-text("2")');
  saved = await apiGet('/api/v1/templates/outgoing-4-tinh');
  check(saved.version === 2 && saved.levels[4].deadline_days === 2, 'saving again makes version 2');
  await hx.shot(admin, 'admin-templates');
  // the organisation's outgoing template
  await open('templates', 'admin-templates');
  await admin.selectOption('[data-testid=admin-template_id]', 'outgoing-4-tinh');
  await admin.click('[data-testid=outgoing-submit]');
  await admin.waitForSelector('#flash:has-text("Đã lưu")');
  const choice = await apiGet('/api/v1/organizations/ubnd-tinh/outgoing-template');
  check(choice.chosen === true && choice.template_id === 'outgoing-4-tinh', 'the outgoing template is chosen (through the API)');

  // English.
  await admin.click('#lang-en');
  await admin.waitForSelector('#nav a[href="#/admin"]:has-text("Administration")');
  await hx.settled(admin, 'admin');
  check((await admin.textContent('[data-testid=admin-templates] h1')) === 'Approval templates', 'the admin pages in English');
  await admin.click('#lang-vi');

  // A specialist: no admin link; the users page is refused by the server and says so.
  const specialist = await hx.newPage();
  await hx.login(specialist, 'chuyenvien');
  check(await specialist.locator('#nav a[href="#/admin"]').count() === 0, 'chuyenvien sees no admin link');
  const refused = specialist.waitForResponse((response) => response.url().includes('/api/v1/users?'));
  await specialist.goto(`${base}/#/admin/users`);
  const answer = await refused;
  await hx.settled(specialist, 'admin');
  await specialist.waitForSelector('[data-testid=admin-forbidden]');
  check(answer.status() === 403 && (await specialist.textContent('[data-testid=admin-forbidden]')).includes('chỉ dành cho quản trị viên'),
    'chuyenvien: #/admin/users is refused (403) with a clear message');
});
