// Every string the web workplace shows, in Vietnamese (first) and English.
const dictionary = {
  vi: {
    tagline: 'Hệ thống quản lý văn bản và điều hành',
    'nav.dashboard': 'Tổng quan', 'nav.outgoing': 'Văn bản đi', 'nav.incoming': 'Văn bản đến',
    'nav.pending': 'Chờ xử lý', 'nav.new': 'Dự thảo mới', 'nav.verify': 'Kiểm tra chữ ký',
    logout: 'Đăng xuất', login: 'Đăng nhập', username: 'Tên đăng nhập', password: 'Mật khẩu',
    'login.title': 'Đăng nhập hệ thống', 'login.failed': 'Sai tên đăng nhập hoặc mật khẩu.',
    'login.verifyLink': 'Kiểm tra chữ ký số của một tệp PDF (không cần đăng nhập)',
    'session.expired': 'Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
    'dashboard.title': 'Tổng quan công việc', 'dashboard.mine': 'Của tôi', 'dashboard.unit': 'Của đơn vị',
    pending: 'Chờ xử lý', overdue: 'Quá hạn', due_soon: 'Sắp đến hạn', on_time: 'Trong hạn',
    'dashboard.waiting': 'Văn bản chờ tôi xử lý', 'dashboard.recent': 'Hoạt động gần đây',
    'list.outgoing': 'Văn bản đi', 'list.incoming': 'Văn bản đến', 'list.pending': 'Văn bản chờ xử lý',
    search: 'Tìm kiếm', 'search.placeholder': 'Số, ký hiệu hoặc trích yếu', status: 'Trạng thái',
    all: 'Tất cả', apply: 'Lọc', previous: 'Trang trước', next: 'Trang sau',
    'page.of': 'Trang {page}/{pages} — {total} văn bản', empty: 'Không có văn bản nào.',
    notation: 'Số, ký hiệu', subject: 'Trích yếu', type: 'Loại văn bản', urgency: 'Độ khẩn',
    confidentiality: 'Độ mật', updated: 'Cập nhật', created: 'Ngày tạo', direction: 'Loại', deadline: 'Hạn',
    'direction.outgoing': 'Văn bản đi', 'direction.incoming': 'Văn bản đến',
    'urgency.normal': 'Thường', 'urgency.urgent': 'Khẩn', 'urgency.very_urgent': 'Thượng khẩn', 'urgency.express': 'Hỏa tốc',
    'conf.normal': 'Thường', 'conf.confidential': 'Mật', 'conf.secret': 'Tối mật', 'conf.top_secret': 'Tuyệt mật',
    'status.draft': 'Dự thảo', 'status.review': 'Đang trình duyệt', 'status.signing': 'Chờ ký',
    'status.signed': 'Đã ký', 'status.issued': 'Đã ban hành', 'status.returned': 'Bị trả lại',
    'status.withdrawn': 'Đã rút', 'status.rejected': 'Bị từ chối', 'status.recalled': 'Đã thu hồi',
    'status.received': 'Đã tiếp nhận', 'status.registered': 'Đã vào sổ', 'status.assigned': 'Đã phân công',
    'status.in_progress': 'Đang xử lý', 'status.completed': 'Hoàn thành', 'status.refused': 'Từ chối tiếp nhận',
    'role.specialist': 'Chuyên viên', 'role.department_head': 'Trưởng phòng', 'role.office_chief': 'Chánh văn phòng',
    'role.leader': 'Lãnh đạo', 'role.deputy_leader': 'Phó lãnh đạo', 'role.clerk': 'Văn thư', 'role.administrator': 'Quản trị',
    'doc.meta': 'Thông tin văn bản', 'doc.pdf': 'Nội dung (bản mới nhất)', 'doc.signatures': 'Chữ ký số',
    'doc.versions': 'Các phiên bản', 'doc.timeline': 'Quá trình phê duyệt', 'doc.exchange': 'Liên thông — theo dõi gửi nhận',
    'doc.audit': 'Nhật ký', 'doc.actions': 'Thao tác', 'doc.noActions': 'Bạn không có thao tác nào với văn bản này lúc này.',
    'doc.reload': 'Tải lại văn bản', 'doc.loading': 'Đang tải…', 'doc.noExchange': 'Chưa gửi liên thông.',
    download: 'Tải về', version: 'Phiên bản', kind: 'Loại', size: 'Dung lượng', actor: 'Người thực hiện', time: 'Thời gian',
    comment: 'Ý kiến', level: 'Cấp', recipient: 'Nơi nhận', action: 'Thao tác', onBehalf: 'thay mặt',
    'action.submit': 'Trình duyệt', 'action.approve': 'Đồng ý', 'action.return': 'Trả lại', 'action.reject': 'Từ chối',
    'action.withdraw': 'Rút dự thảo', 'action.sign': 'Ký số', 'action.issue': 'Ban hành', 'action.recall': 'Thu hồi',
    'action.register': 'Vào sổ văn bản đến', 'action.refuse': 'Từ chối tiếp nhận', 'action.assign': 'Phân công xử lý',
    'action.complete': 'Hoàn thành xử lý', 'action.note': 'Ghi tiến độ', 'action.receive': 'Tiếp nhận', 'action.note_progress': 'Ghi tiến độ',
    'action.assign_specialist': 'Giao chuyên viên', 'action.create': 'Tạo', 'action.upload_version': 'Thêm phiên bản',
    'confirm.title': 'Xác nhận: {action}', 'confirm.ok': 'Xác nhận', cancel: 'Hủy', close: 'Đóng',
    'field.reason': 'Lý do (bắt buộc)', 'field.key': 'Khóa ký (key_id)', 'field.keyPassword': 'Mật khẩu khóa (PKCS#12)',
    'field.leadUnit': 'Đơn vị chủ trì', 'field.dueDate': 'Hạn xử lý', 'field.instruction': 'Bút phê', 'field.result': 'Kết quả xử lý', 'field.progress': 'Tiến độ xử lý',
    'done.action': 'Đã thực hiện: {action}.',
    'err.stale': 'Văn bản đã được người khác thay đổi sau khi bạn mở. Hãy tải lại văn bản rồi thực hiện lại; nội dung bạn đã nhập vẫn được giữ.',
    'err.invalid_state': 'Văn bản không còn ở trạng thái cho phép thao tác này (có thể người khác vừa xử lý). Hãy tải lại văn bản.',
    'err.forbidden': 'Bạn không có quyền thực hiện thao tác này.',
    'err.not_found': 'Không tìm thấy văn bản, hoặc bạn không có quyền xem.',
    'err.invalid_password': 'Mật khẩu khóa ký không đúng. Văn bản chưa thay đổi.',
    'err.signature_required': 'Cấp này cần chữ ký phê duyệt: hãy nhập khóa ký và mật khẩu.',
    'err.certificate_invalid': 'Chứng thư số đã hết hạn hoặc bị thu hồi.',
    'err.invalid_pdf': 'Tệp không phải là PDF hợp lệ.', 'err.payload_too_large': 'Tệp quá lớn.',
    'err.unsupported_media_type': 'Loại tệp không được hỗ trợ.', 'err.invalid_argument': 'Dữ liệu chưa hợp lệ.',
    'err.too_many_requests': 'Đăng nhập sai quá nhiều lần; vui lòng thử lại sau.',
    'err.unauthenticated': 'Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.',
    'err.network': 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại; nội dung đã nhập vẫn được giữ.',
    'err.generic': 'Có lỗi xảy ra.', 'err.detail': 'Chi tiết từ máy chủ: {detail}',
    'new.title': 'Văn bản mới', 'new.file': 'Tệp PDF', 'new.create': 'Tạo văn bản',
    'new.notPdf': 'Hãy chọn một tệp PDF.', 'new.uploading': 'Đang tải lên… {percent}%', 'type.cv': 'Công văn',
    'verify.title': 'Kiểm tra chữ ký số', 'verify.drop': 'Kéo thả tệp PDF vào đây, hoặc chọn tệp:',
    'verify.running': 'Đang kiểm tra…', 'verify.json': 'Tải báo cáo (JSON)', 'verify.file': 'Tệp',
    'report.verdict': 'Kết luận', 'report.none': 'Tệp không có chữ ký số.',
    'report.TOTAL_PASSED': 'Hợp lệ', 'report.TOTAL_FAILED': 'Không hợp lệ', 'report.INDETERMINATE': 'Chưa xác định',
    'report.signer': 'Người ký', 'report.time': 'Thời điểm ký', 'report.level': 'Mức', 'report.result': 'Kết quả',
    'report.changes': 'Thay đổi sau khi ký', 'report.trusted': 'Chứng thư tin cậy', 'yes': 'Có', 'no': 'Không',
    'mod.NONE': 'Không có', 'mod.LTA_UPDATES': 'Chỉ dữ liệu xác thực dài hạn', 'mod.FORM_FILLING': 'Điền biểu mẫu',
    'mod.ANNOTATIONS': 'Chú thích', 'mod.OTHER': 'Thay đổi khác',
    'exchange.sentAs': 'Mã liên thông', 'exchange.outbox': 'Hàng đợi gửi',
  },
  en: {
    tagline: 'Document workflow and e-signature',
    'nav.dashboard': 'Dashboard', 'nav.outgoing': 'Outgoing', 'nav.incoming': 'Incoming',
    'nav.pending': 'Waiting for me', 'nav.new': 'New draft', 'nav.verify': 'Verify signatures',
    logout: 'Log out', login: 'Log in', username: 'Username', password: 'Password',
    'login.title': 'Sign in', 'login.failed': 'Wrong username or password.',
    'login.verifyLink': 'Verify the digital signatures of a PDF (no login needed)',
    'session.expired': 'Your session has ended. Please log in again.',
    'dashboard.title': 'Dashboard', 'dashboard.mine': 'Mine', 'dashboard.unit': 'My unit',
    pending: 'Pending', overdue: 'Overdue', due_soon: 'Due soon', on_time: 'On time',
    'dashboard.waiting': 'Waiting for me', 'dashboard.recent': 'Recent activity',
    'list.outgoing': 'Outgoing documents', 'list.incoming': 'Incoming documents', 'list.pending': 'Waiting for me',
    search: 'Search', 'search.placeholder': 'Number, notation or subject', status: 'Status',
    all: 'All', apply: 'Filter', previous: 'Previous', next: 'Next',
    'page.of': 'Page {page}/{pages} — {total} documents', empty: 'No documents.',
    notation: 'Number/notation', subject: 'Subject', type: 'Type', urgency: 'Urgency',
    confidentiality: 'Confidentiality', updated: 'Updated', created: 'Created', direction: 'Direction', deadline: 'Deadline',
    'direction.outgoing': 'Outgoing', 'direction.incoming': 'Incoming',
    'urgency.normal': 'Normal', 'urgency.urgent': 'Urgent', 'urgency.very_urgent': 'Very urgent', 'urgency.express': 'Express',
    'conf.normal': 'Normal', 'conf.confidential': 'Confidential', 'conf.secret': 'Secret', 'conf.top_secret': 'Top secret',
    'status.draft': 'Draft', 'status.review': 'In review', 'status.signing': 'Awaiting signature',
    'status.signed': 'Signed', 'status.issued': 'Issued', 'status.returned': 'Returned',
    'status.withdrawn': 'Withdrawn', 'status.rejected': 'Rejected', 'status.recalled': 'Recalled',
    'status.received': 'Received', 'status.registered': 'Registered', 'status.assigned': 'Assigned',
    'status.in_progress': 'In progress', 'status.completed': 'Completed', 'status.refused': 'Refused',
    'role.specialist': 'Specialist', 'role.department_head': 'Department head', 'role.office_chief': 'Office chief',
    'role.leader': 'Leader', 'role.deputy_leader': 'Deputy leader', 'role.clerk': 'Clerk', 'role.administrator': 'Administrator',
    'doc.meta': 'Document', 'doc.pdf': 'Content (latest version)', 'doc.signatures': 'Signatures',
    'doc.versions': 'Versions', 'doc.timeline': 'Approval timeline', 'doc.exchange': 'Exchange tracking',
    'doc.audit': 'Audit trail', 'doc.actions': 'Actions', 'doc.noActions': 'You have no action on this document now.',
    'doc.reload': 'Reload the document', 'doc.loading': 'Loading…', 'doc.noExchange': 'Not sent through the exchange.',
    download: 'Download', version: 'Version', kind: 'Kind', size: 'Size', actor: 'Actor', time: 'Time',
    comment: 'Comment', level: 'Level', recipient: 'Recipient', action: 'Action', onBehalf: 'on behalf of',
    'action.submit': 'Submit', 'action.approve': 'Approve', 'action.return': 'Return', 'action.reject': 'Reject',
    'action.withdraw': 'Withdraw', 'action.sign': 'Sign', 'action.issue': 'Issue', 'action.recall': 'Recall',
    'action.register': 'Register', 'action.refuse': 'Refuse', 'action.assign': 'Assign',
    'action.complete': 'Complete', 'action.note': 'Progress note', 'action.receive': 'Receive', 'action.note_progress': 'Progress note',
    'action.assign_specialist': 'Assign a specialist', 'action.create': 'Create', 'action.upload_version': 'New version',
    'confirm.title': 'Confirm: {action}', 'confirm.ok': 'Confirm', cancel: 'Cancel', close: 'Close',
    'field.reason': 'Reason (required)', 'field.key': 'Signing key (key_id)', 'field.keyPassword': 'Key password (PKCS#12)',
    'field.leadUnit': 'Lead unit', 'field.dueDate': 'Due date', 'field.instruction': 'Instruction', 'field.result': 'Result', 'field.progress': 'Progress',
    'done.action': 'Done: {action}.',
    'err.stale': 'Someone changed this document after you opened it. Reload the document and try again; what you typed is kept.',
    'err.invalid_state': 'The document is no longer in a state that allows this action (someone may have just acted). Reload the document.',
    'err.forbidden': 'You are not allowed to do this.',
    'err.not_found': 'The document does not exist or you may not see it.',
    'err.invalid_password': 'Wrong key password. The document did not change.',
    'err.signature_required': 'This level needs an approval signature: give your key and its password.',
    'err.certificate_invalid': 'The certificate has expired or been revoked.',
    'err.invalid_pdf': 'The file is not a valid PDF.', 'err.payload_too_large': 'The file is too large.',
    'err.unsupported_media_type': 'This kind of file is not accepted.', 'err.invalid_argument': 'Some input is not valid.',
    'err.too_many_requests': 'Too many failed logins; try again later.',
    'err.unauthenticated': 'Your session has ended. Please log in again.',
    'err.network': 'The server cannot be reached. Check the network and try again; what you typed is kept.',
    'err.generic': 'Something went wrong.', 'err.detail': 'The server says: {detail}',
    'new.title': 'New document', 'new.file': 'PDF file', 'new.create': 'Create',
    'new.notPdf': 'Choose a PDF file.', 'new.uploading': 'Uploading… {percent}%', 'type.cv': 'Official letter (công văn)',
    'verify.title': 'Verify digital signatures', 'verify.drop': 'Drop a PDF here, or choose a file:',
    'verify.running': 'Verifying…', 'verify.json': 'Download the report (JSON)', 'verify.file': 'File',
    'report.verdict': 'Verdict', 'report.none': 'The file has no digital signature.',
    'report.TOTAL_PASSED': 'Valid', 'report.TOTAL_FAILED': 'Invalid', 'report.INDETERMINATE': 'Indeterminate',
    'report.signer': 'Signer', 'report.time': 'Signing time', 'report.level': 'Level', 'report.result': 'Result',
    'report.changes': 'Changes after signing', 'report.trusted': 'Trusted certificate', 'yes': 'Yes', 'no': 'No',
    'mod.NONE': 'None', 'mod.LTA_UPDATES': 'Long-term validation data only', 'mod.FORM_FILLING': 'Form filling',
    'mod.ANNOTATIONS': 'Annotations', 'mod.OTHER': 'Other changes',
    'exchange.sentAs': 'Exchange id', 'exchange.outbox': 'Outbox',
  },
};

let language = localStorage.getItem('vanthu.lang') === 'en' ? 'en' : 'vi';

export function lang() { return language; }

/// A page module's own strings ({vi: {...}, en: {...}}), kept beside the page that shows them.
export function addStrings(strings) {
  for (const name of ['vi', 'en']) Object.assign(dictionary[name], strings[name] || {});
}

/// The keys one language has and the other lacks, once every page module has added its strings
/// (the browser tests check that both lists are empty).
export function untranslated() {
  const lacking = (name, other) => Object.keys(dictionary[other]).filter((key) => !(key in dictionary[name]));
  return { vi: lacking('vi', 'en'), en: lacking('en', 'vi') };
}

export function setLang(next) {
  language = next === 'en' ? 'en' : 'vi';
  localStorage.setItem('vanthu.lang', language);
  document.documentElement.lang = language;
}

/// The string for `key` in the current language, {name} replaced from `params`; the key itself
/// when the dictionary lacks it (visible in review, never blank).
export function t(key, params = {}) {
  const text = dictionary[language][key] ?? dictionary.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? ''));
}

/// "urgency.express" when known, else the raw value.
export function tv(prefix, value) {
  const key = `${prefix}.${value}`;
  return dictionary[language][key] ? t(key) : String(value ?? '');
}

export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh' });
}
