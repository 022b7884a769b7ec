// What every browser test shares: a fresh demo data directory and vanthu-server on a free port,
// Debian's Chromium driven by playwright-core, pages that record requests leaving the server's
// origin and script errors, and the steps each test repeats (log in, open a document, act).
//
// A test file: `const h = await Harness.start(); try { ... } finally { await h.finish(); }`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const source = path.resolve(here, '../..');
export const password = process.env.VANTHU_DEMO_PASSWORD || 'demo-test-password';
export const p12Password = 'vanthu-demo-p12';  // the demo PKI's PKCS#12 password (pki/README.md)
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.VANTHU_WEB_SCREENSHOTS || '';
export const timeout = 60_000;

export class Harness {
  constructor(bin, env = {}) {
    this.bin = bin;
    this.env = env;           // extra environment for the server (settings: VANTHU_MAX_UPLOAD_MB, ...)
    this.tmp = mkdtempSync(path.join(tmpdir(), 'vanthu-web-'));
    this.server = null;
    this.browser = null;
    this.failures = 0;
    this.foreign = [];
    this.pageErrors = [];
    this.base = '';
    this.data = '';
    this.log = '';
  }

  /// Demo data, the server (with `env` added to its environment) and the browser; `bin` defaults
  /// to argv[2], then build/bin.
  static async start({ env = {}, bin = process.argv[2] || path.join(source, 'build/bin') } = {}) {
    const harness = new Harness(path.resolve(bin), env);
    await harness.startServer();
    harness.ok(`server on ${harness.base}`);
    harness.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return harness;
  }

  ok(what) { console.log(`ok: ${what}`); }
  check(condition, what) {
    if (condition) this.ok(what);
    else { console.log(`FAIL: ${what}`); this.failures++; }
  }

  async startServer(extraArgs = []) {
    this.data = path.join(this.tmp, 'var');
    execFileSync(path.join(this.bin, 'vanthu'), ['demo', 'init', '--dir', this.data, '--quiet'],
      { env: { ...process.env, VANTHU_DEMO_PASSWORD: password }, stdio: ['ignore', 'ignore', 'inherit'] });
    await this.launchServer(0, extraArgs);
  }

  /// Starts vanthu-server on `port` (0: a free one) over the data directory made by startServer.
  async launchServer(port = 0, extraArgs = []) {
    this.server = spawn(path.join(this.bin, 'vanthu-server'),
      ['--data', this.data, '--port', String(port), ...extraArgs], {
        env: { ...process.env, ...this.env, VANTHU_WEB_ROOT: path.join(source, 'web') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const server = this.server;
    server.stderr.on('data', (chunk) => { this.log += chunk; });
    const listening = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the server did not start: ${out} ${this.log}`)), 30_000);
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (match) { clearTimeout(timer); resolve(Number(match[1])); }
      });
      server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}): ${out} ${this.log}`)); });
    });
    this.port = listening;
    this.base = `http://127.0.0.1:${listening}`;
  }

  /// Stops the server and waits for it to exit (the "server down" cases).
  async stopServer() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    if (server.exitCode !== null) return;
    await new Promise((resolve) => { server.once('exit', resolve); server.kill('SIGTERM'); });
  }

  async newPage(viewport = { width: 1280, height: 900 }) {
    const context = await this.browser.newContext({ viewport, locale: 'vi-VN', acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(this.base) && !url.startsWith('blob:') && !url.startsWith('data:')) this.foreign.push(url);
    });
    page.on('pageerror', (error) => this.pageErrors.push(String(error)));
    return page;
  }

  settled(page, view) { return page.waitForSelector(`main[aria-busy="false"][data-view="${view}"]`); }

  async shot(page, name) {
    if (!shots) return;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  async login(page, username, secret = password) {
    await page.goto(`${this.base}/#/login`);
    await page.fill('[data-testid=login-username]', username);
    await page.fill('[data-testid=login-password]', secret);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=user-name]');
    await this.settled(page, 'dashboard');
  }

  async openDocument(page, id) {
    await page.goto(`${this.base}/#/doc/${id}`);
    await this.settled(page, 'doc');
  }

  statusOf(page) { return page.getAttribute('[data-testid=doc-title] [data-testid=status]', 'data-status'); }

  async act(page, action, fields = {}) {
    await page.click(`[data-testid=action-${action}]`);
    await page.waitForSelector('[data-testid=action-dialog]');
    for (const [name, value] of Object.entries(fields)) await page.fill(`[data-testid=field-${name}]`, value);
    await page.click('[data-testid=dialog-confirm]');
  }

  async actAndWait(page, action, fields, wanted) {
    await this.act(page, action, fields);
    await page.waitForSelector(`[data-testid=doc-title] [data-status="${wanted}"]`);
    await this.settled(page, 'doc');
    this.check(await this.statusOf(page) === wanted, `${action} -> ${wanted}`);
  }

  /// The checks every test ends with, then the browser, the server and the data go.
  async finish(error) {
    if (error) {
      console.log(`FAIL: ${error && error.stack ? error.stack : error}`);
      this.failures++;
    } else {
      this.check(this.foreign.length === 0, `no request left the server's origin ${this.foreign.slice(0, 3).join(' ')}`);
      this.check(this.pageErrors.length === 0, `no script error in the pages ${this.pageErrors.slice(0, 3).join(' | ')}`);
    }
    if (this.browser) await this.browser.close().catch(() => {});
    await this.stopServer().catch(() => {});
    rmSync(this.tmp, { recursive: true, force: true });
    console.log(this.failures ? `${this.failures} failure(s)` : 'all passed');
    process.exit(this.failures ? 1 : 0);
  }
}

/// Runs `body(harness)` against a started harness (`options` as Harness.start) and exits with the
/// result.
export async function run(body, options = {}) {
  let harness = null;
  try {
    harness = await Harness.start(options);
    await body(harness);
    await harness.finish();
  } catch (error) {
    if (harness) await harness.finish(error);
    console.log(`FAIL: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  }
}
