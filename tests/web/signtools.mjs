// Helpers of the signing tests: the API used directly (to set a document up quickly and to read
// the server's state), and the PDF read with independent tools (qpdf, pdfsig), never with vanthu.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { password } from './harness.mjs';

/// Logs `username` in through the API: a function (path, options) -> Response with the token.
export async function apiAs(base, username, secret = password) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: secret }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  const { token } = await response.json();
  return async (path, options = {}) => fetch(`${base}${path}`, {
    ...options, headers: { Authorization: `Bearer ${token}`, ...(options.headers || {}) },
  });
}

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/// A document action through the API with the document's current revision as If-Match.
export async function apiAct(call, id, body) {
  const doc = await json(await call(`/api/v1/documents/${encodeURIComponent(id)}`), `GET ${id}`);
  return json(await call(`/api/v1/documents/${encodeURIComponent(id)}/actions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'If-Match': `"${doc.revision}"` }, body: JSON.stringify(body),
  }), `${body.action} ${id}`);
}

export async function apiDocument(call, id) {
  return json(await call(`/api/v1/documents/${encodeURIComponent(id)}`), `GET ${id}`);
}

/// An outgoing draft by the specialist from `pdfPath`, submitted and approved by the department
/// head and the office chief: at `signing`, waiting for the leader. Resolves with its id.
export async function documentAtSigning(base, pdfPath, subject) {
  const specialist = await apiAs(base, 'chuyenvien');
  const form = new FormData();
  form.append('metadata', new Blob([JSON.stringify({ direction: 'outgoing', subject, document_type: 'QĐ' })], { type: 'application/json' }));
  form.append('file', new Blob([readFileSync(pdfPath)], { type: 'application/pdf' }), 'quyet-dinh.pdf');
  const created = await json(await specialist('/api/v1/documents', { method: 'POST', body: form }), 'create');
  await apiAct(specialist, created.id, { action: 'submit' });
  await apiAct(await apiAs(base, 'truongphong'), created.id, { action: 'approve' });
  await apiAct(await apiAs(base, 'chanhvanphong'), created.id, { action: 'approve' });
  return created.id;
}

/// The bytes of the document's latest version, read as `username`.
export async function latestVersion(base, username, id) {
  const call = await apiAs(base, username);
  const path = `/api/v1/documents/${encodeURIComponent(id)}`;
  const items = (await json(await call(`${path}/versions`), 'versions')).items;
  const latest = Math.max(...items.map((version) => version.number));
  const response = await call(`${path}/versions/${latest}/content`);
  if (!response.ok) throw new Error(`version ${latest}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

function qpdfJson(file) {
  // qpdf exits 3 on warnings (an incremental update it repaired): the JSON is still there.
  const result = spawnSync('qpdf', ['--json=2', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (!result.stdout) throw new Error(`qpdf --json ${file}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function objectsOf(parsed) {
  const objects = {};
  for (const [name, value] of Object.entries(parsed.qpdf[1])) {
    const match = /^obj:(\d+) (\d+) R$/.exec(name);
    if (match) objects[`${match[1]} ${match[2]} R`] = value.value ?? value.stream?.dict;
  }
  return objects;
}

/// The MediaBox [x0, y0, x1, y1] of each page, in order.
export function pageBoxes(file) {
  const parsed = qpdfJson(file);
  const objects = objectsOf(parsed);
  const inherited = (ref, key) => {
    let node = objects[ref];
    while (node) {
      if (node[key]) return node[key];
      node = node['/Parent'] ? objects[node['/Parent']] : null;
    }
    return null;
  };
  return parsed.pages.map((page) => {
    const box = inherited(page.object, '/MediaBox');
    return (typeof box === 'string' ? objects[box] : box).map(Number);
  });
}

/// The signature fields' widgets: {name, page (1-based), x, y, width, height, signed}, /Rect
/// normalised to x, y from the bottom left.
export function signatureWidgets(file) {
  const parsed = qpdfJson(file);
  const objects = objectsOf(parsed);
  const pageOf = new Map(parsed.pages.map((page, index) => [page.object, index + 1]));
  const text = (value) => (typeof value === 'string' ? value.replace(/^u:/, '') : '');
  const widgets = [];
  for (const [ref, dict] of Object.entries(objects)) {
    if (!dict || typeof dict !== 'object' || dict['/Subtype'] !== '/Widget') continue;
    const field = dict['/FT'] ? dict : objects[dict['/Parent']] || {};
    if (field['/FT'] !== '/Sig') continue;
    const rect = (typeof dict['/Rect'] === 'string' ? objects[dict['/Rect']] : dict['/Rect']).map(Number);
    let page = dict['/P'] ? pageOf.get(dict['/P']) : undefined;
    if (!page) {
      for (const [pageRef, number] of pageOf) {
        const annots = objects[pageRef]['/Annots'];
        const list = typeof annots === 'string' ? objects[annots] : annots;
        if ((list || []).includes(ref)) page = number;
      }
    }
    widgets.push({
      name: text(field['/T']), page, signed: !!field['/V'],
      x: Math.min(rect[0], rect[2]), y: Math.min(rect[1], rect[3]),
      width: Math.abs(rect[2] - rect[0]), height: Math.abs(rect[3] - rect[1]),
    });
  }
  return widgets;
}

/// pdfsig's report of `file` (poppler, independent of vanthu): its text.
export function pdfsig(file) {
  const result = spawnSync('pdfsig', [file], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`;
}

/// The leader's private key from the demo PKCS#12, as PEM (openssl).
export function privateKeyPem(p12Path, p12Password) {
  return execFileSync('openssl', ['pkcs12', '-in', p12Path, '-nodes', '-nocerts', '-passin', `pass:${p12Password}`], { encoding: 'utf8' });
}
