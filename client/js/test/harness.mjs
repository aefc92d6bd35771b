// Test harness of the browser tests: the real collector binary on free loopback
// ports, a recording proxy in front of it (every request that leaves the
// browser, with its body), and Debian's chromium driven by puppeteer-core with
// the example extension loaded unpacked.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(clientDir, '..', '..');
const CI = process.env.CI === 'true';

// Generous bounds: 2 shared cores.
export const START_TIMEOUT = 90_000;
export const DELIVERY_TIMEOUT = 60_000;

/**
 * Returns what the browser tests need, or a reason to skip. With CI=true a
 * missing binary or browser is a failure, never a skip.
 */
export function prerequisites() {
  const bin = process.env.OTELCOL_SBI_BIN || path.join(repoRoot, 'dist', 'otelcol-sbi');
  const chrome = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
  const missing = [];
  if (!fs.existsSync(bin)) missing.push(`collector binary ${bin} (make build)`);
  if (!fs.existsSync(chrome)) missing.push(`chromium ${chrome} (apt-get install chromium)`);
  if (missing.length && CI) throw new Error('browser tests need ' + missing.join(' and '));
  return { bin, chrome, skip: missing.length ? 'missing ' + missing.join(' and ') : false };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Polls f until it returns a truthy value or the deadline passes. */
export async function poll(what, f, timeoutMs = DELIVERY_TIMEOUT, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await f();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** One otelcol-sbi process with the extevents receiver and a file egress. */
export class Collector {
  constructor(bin, dir, { port, rateLimit } = {}) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.rateLimit = rateLimit || { requests_per_second: 100, burst: 100 };
    this.outputs = [];
    this.proc = null;
  }

  async start() {
    this.healthPort = await freePort();
    this.port ||= await freePort();
    const out = path.join(this.dir, `events-${this.outputs.length}.jsonl`);
    this.outputs.push(out);
    const cfg = `
extensions:
  health_check: {endpoint: "127.0.0.1:${this.healthPort}"}
receivers:
  extevents:
    endpoint: "127.0.0.1:${this.port}"
    cors: {allowed_origins: ["chrome-extension://*"], max_age: 600}
    service_name: sbi-extension
    rate_limit: {requests_per_second: ${this.rateLimit.requests_per_second}, burst: ${this.rateLimit.burst}}
processors:
  minimize: {policy_file: "${path.join(repoRoot, 'config', 'policy.yaml')}"}
exporters:
  egress/file:
    policy_file: "${path.join(repoRoot, 'config', 'policy.yaml')}"
    file: {path: "${out}"}
service:
  extensions: [health_check]
  pipelines:
    logs: {receivers: [extevents], processors: [minimize], exporters: [egress/file]}
  telemetry:
    logs: {level: warn}
    metrics: {level: none}
`;
    const cfgPath = path.join(this.dir, `otelcol-${this.outputs.length}.yaml`);
    fs.writeFileSync(cfgPath, cfg, { mode: 0o600 });
    this.log = '';
    this.proc = spawn(this.bin, ['--config', 'file:' + cfgPath], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => (this.log += d));
    this.proc.stderr.on('data', (d) => (this.log += d));
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.exited = exited;
    await poll(
      'the collector health check',
      async () => {
        if (this.proc.exitCode !== null) throw new Error('collector exited during start:\n' + this.log);
        return fetch(`http://127.0.0.1:${this.healthPort}/`).then((r) => r.ok, () => false);
      },
      START_TIMEOUT,
    );
  }

  /** SIGTERM by PID and wait for the exit (the file egress flushes on shutdown). */
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('collector did not stop')), 60_000).unref());
    await Promise.race([this.exited, timeout]);
    this.proc = null;
  }

  /** Every record written so far, flattened and canonical. */
  records() {
    const recs = [];
    for (const f of this.outputs) {
      if (!fs.existsSync(f)) continue;
      for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const req = JSON.parse(line);
        for (const rl of req.resourceLogs || []) {
          const resource = attrMap(rl.resource && rl.resource.attributes);
          for (const sl of rl.scopeLogs || []) {
            for (const lr of sl.logRecords || []) {
              recs.push({ event: lr.eventName, resource, attributes: attrMap(lr.attributes), time: lr.timeUnixNano });
            }
          }
        }
      }
    }
    return recs;
  }
}

function attrMap(list) {
  const out = {};
  for (const kv of list || []) {
    const v = kv.value || {};
    out[kv.key] = 'stringValue' in v ? v.stringValue : 'boolValue' in v ? v.boolValue : 'intValue' in v ? Number(v.intValue) : v;
  }
  return out;
}

/**
 * A recording HTTP proxy on loopback between the browser and the collector.
 * mode 'pass' forwards; 'down' resets every connection, as a collector that
 * is not running; 'hold' keeps requests unanswered until release() forwards
 * them. Every request is recorded with its body and its answer.
 */
export class RecordingProxy {
  constructor() {
    this.requests = [];
    this.mode = 'pass';
    this.upstreamPort = 0;
    this.held = [];
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async listen() {
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = this.server.address().port;
    return this;
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rec = { at: Date.now(), method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(rec);
      if (this.mode === 'down') {
        rec.status = 'reset';
        req.socket.destroy();
        return;
      }
      if (this.mode === 'hold') {
        rec.status = 'held';
        this.held.push(() => this.forward(req, res, rec, chunks));
        return;
      }
      this.forward(req, res, rec, chunks);
    });
  }

  /** Forwards every held request (the client may be gone by now). */
  release() {
    for (const f of this.held.splice(0)) f();
  }

  forward(req, res, rec, chunks) {
    {
      const up = http.request(
        { host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers },
        (ures) => {
          const body = [];
          ures.on('data', (c) => body.push(c));
          ures.on('end', () => {
            rec.status = ures.statusCode;
            rec.responseHeaders = ures.headers;
            rec.respondedAt = Date.now();
            res.writeHead(ures.statusCode, ures.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => {
        rec.status = 'reset'; // collector down: the browser sees a network error
        req.socket.destroy();
      });
      up.end(Buffer.concat(chunks));
    }
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(r));
  }
}

/** A loopback web server for the pages the content script runs on. */
export async function pageServer() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Shop</title><h1>A product</h1><img src="/p.png" width="10" height="10" alt="product">');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, close: () => (server.closeAllConnections(), new Promise((r) => server.close(r))) };
}

/** Copies the example extension (symlinks resolved) with the test's config. */
export function prepareExtension(dir, telemetryConfig) {
  const ext = path.join(dir, 'extension');
  fs.cpSync(path.join(clientDir, 'example-extension'), ext, { recursive: true, dereference: true });
  fs.writeFileSync(path.join(ext, 'config.js'), `export const TELEMETRY = ${JSON.stringify(telemetryConfig)};\n`);
  return ext;
}
