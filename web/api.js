// The public HTTP API (docs/API.md), with the login kept in sessionStorage: the access token is
// refreshed once on a 401 with the refresh token, and a problem+json becomes an ApiError.

const KEY = 'vanthu.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;          // 0: the server could not be reached
    this.code = (problem && problem.code) || (status === 0 ? 'network' : 'generic');
    this.detail = (problem && problem.detail) || '';
  }
  get stale() { return this.status === 412 || this.code === 'precondition_failed' || this.code === 'conflict'; }
}

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch { return null; }
}

function saveSession(login) {
  const previous = session() || {};
  sessionStorage.setItem(KEY, JSON.stringify({
    token: login.token,
    refresh: login.refresh_token,
    user: login.user || previous.user,
  }));
}

export function clearSession() { sessionStorage.removeItem(KEY); }

async function problemOf(response) {
  try { return await response.json(); } catch { return null; }
}

async function send(path, options, withToken) {
  const headers = new Headers(options.headers || {});
  const current = session();
  if (withToken && current) headers.set('Authorization', `Bearer ${current.token}`);
  try {
    return await fetch(path, { ...options, headers });
  } catch {
    throw new ApiError(0, null);
  }
}

let refreshing = null;
async function refresh() {
  const current = session();
  if (!current || !current.refresh) return false;
  if (!refreshing) {
    refreshing = (async () => {
      const response = await send('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: current.refresh }),
      }, false);
      if (!response.ok) { clearSession(); return false; }
      saveSession(await response.json());
      return true;
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/// fetch with the login; the Response when 2xx or 304, else throws ApiError. A 401 refreshes the
/// access token once and retries; when that fails the session is gone (onSessionEnded).
export async function request(path, options = {}) {
  let response = await send(path, options, true);
  if (response.status === 401 && session() && await refresh()) {
    response = await send(path, options, true);
  }
  if (response.status === 401 && !path.startsWith('/api/v1/auth/login')) {
    clearSession();
    if (onSessionEnded) onSessionEnded();
  }
  if (!response.ok && response.status !== 304) throw new ApiError(response.status, await problemOf(response));
  return response;
}

export let onSessionEnded = null;
export function setOnSessionEnded(callback) { onSessionEnded = callback; }

export async function getJson(path) {
  return (await request(path)).json();
}

export async function postJson(path, body, headers = {}) {
  const response = await request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { body: response.status === 204 ? null : await response.json(), etag: response.headers.get('ETag') };
}

export async function login(username, password) {
  const response = await send('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  }, false);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  saveSession(await response.json());
  return session();
}

export async function logout() {
  try { await request('/api/v1/auth/logout', { method: 'POST' }); } catch { /* ends locally anyway */ }
  clearSession();
}

/// POST /api/v1/verify with the PDF bytes (no login needed): the report.
export async function verifyPdf(bytes) {
  const response = await send('/api/v1/verify', {
    method: 'POST', headers: { 'Content-Type': 'application/pdf' }, body: bytes,
  }, false);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.json();
}

/// A document action (POST .../actions with If-Match): {document, act}, the new ETag.
export async function act(id, revision, body) {
  return postJson(`/api/v1/documents/${encodeURIComponent(id)}/actions`, body, { 'If-Match': `"${revision}"` });
}

/// Uploads a new document (multipart) with XMLHttpRequest, for its upload progress events.
export function uploadDocument(metadata, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('metadata', new Blob([JSON.stringify(metadata)], { type: 'application/json' }));
    form.append('file', file, file.name || 'document.pdf');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/documents');
    const current = session();
    if (current) xhr.setRequestHeader('Authorization', `Bearer ${current.token}`);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status === 201) { onProgress(100); resolve(body); } else reject(new ApiError(xhr.status, body));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, null)));
    xhr.send(form);
  });
}
