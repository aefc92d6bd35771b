// The official OTel JS path (@opentelemetry/sdk-logs + exporter-logs-otlp-http
// 0.223.1, OTLP/HTTP JSON to /v1/logs), tried where an extension's code runs:
// Node, an extension page, and the MV3 service worker. It documents what
// works, so the README's advice is tested rather than assumed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Collector, RecordingProxy, clientDir, poll, prepareExtension, prerequisites, tempDir } from './harness.mjs';

const pre = prerequisites();

describe('OTel JS SDK 0.223.1 against otelcol-sbi', { skip: pre.skip, timeout: 300_000 }, () => {
  let puppeteer, dir, collector, proxy, browser, extId;

  const records = (control) =>
    collector.records().filter((r) => r.event === 'ui.interaction' && r.attributes['ui.control'] === control);

  before(async () => {
    puppeteer = (await import('puppeteer-core')).default;
    dir = tempDir('sbi-otel-');
    collector = new Collector(pre.bin, dir);
    await collector.start();
    proxy = await new RecordingProxy().listen();
    proxy.upstreamPort = collector.port;
    const ext = prepareExtension(dir, { endpoint: `http://127.0.0.1:${proxy.port}/v1/events` });
    // The SDK bundled for the browser, as an extension would ship it; the
    // worker imports it statically (a service worker cannot import() at run time).
    execFileSync(path.join(clientDir, 'node_modules', '.bin', 'esbuild'), [
      path.join(clientDir, 'test', 'otel', 'sdk-entry.mjs'),
      '--bundle', '--format=esm', '--platform=browser', '--log-level=warning',
      '--outfile=' + path.join(ext, 'otel-sdk.js'),
    ]);
    fs.appendFileSync(path.join(ext, 'background.js'), "\nimport * as otelSdk from './otel-sdk.js';\nglobalThis.otelSdk = otelSdk;\n");
    // Extension pages allow no inline script: the page loads a module file.
    fs.writeFileSync(path.join(ext, 'otel.html'), '<!doctype html><script type="module" src="otel-page.js"></script>');
    fs.writeFileSync(path.join(ext, 'otel-page.js'), "import * as s from './otel-sdk.js';\nwindow.otelSdk = s;\n");
    browser = await puppeteer.launch({
      executablePath: pre.chrome,
      headless: true,
      enableExtensions: [ext],
      userDataDir: path.join(dir, 'profile'),
      pipe: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'));
    extId = new URL(sw.url()).host;
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (collector) await collector.stop();
    if (proxy) await proxy.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('works from Node', async () => {
    const { emit } = await import('./otel/sdk-entry.mjs');
    const r = await emit(`http://127.0.0.1:${collector.port}/v1/logs`, 'search_1688');
    assert.deepEqual(r.thrown, []);
    assert.deepEqual(r.results.map((x) => x.code), [0]);
    await poll('the record from Node', () => records('search_1688').length === 1);
  });

  it('works from an extension page (fetch, CORS with the extension origin)', async () => {
    const page = await browser.newPage();
    await page.goto(`chrome-extension://${extId}/otel.html`);
    await page.waitForFunction(() => window.otelSdk);
    const r = await page.evaluate((url) => window.otelSdk.emit(url, 'search_alibaba'), `http://127.0.0.1:${proxy.port}/v1/logs`);
    assert.deepEqual(r.thrown, []);
    assert.deepEqual(r.results.map((x) => x.code), [0], JSON.stringify(r));
    await poll('the record from the page', () => records('search_alibaba').length === 1);
    const sent = proxy.requests.filter((q) => q.url === '/v1/logs' && q.method === 'POST');
    assert.equal(sent.at(-1).headers.origin, `chrome-extension://${extId}`);
    await page.close();
  });

  it('works from the MV3 service worker when bundled for the browser', async () => {
    // Wake the worker (Chrome stops it after 30 s idle): a message from a page.
    const page = await browser.newPage();
    await page.goto(`chrome-extension://${extId}/options.html`);
    await page.evaluate(() => chrome.runtime.sendMessage({ __sbiTelemetry: { op: 'stats' } }));
    const t = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'));
    const s = await t.createCDPSession();
    const before = proxy.requests.length;
    let r;
    try {
      const res = await s.send('Runtime.evaluate', {
        expression: `globalThis.otelSdk.emit(${JSON.stringify(`http://127.0.0.1:${proxy.port}/v1/logs`)}, 'search_aliexpress')`,
        awaitPromise: true,
        returnByValue: true,
      });
      r = res.result.value;
    } finally {
      await s.detach();
      await page.close();
    }
    // The issue's finding ("no transport in the service worker") does not
    // hold for 0.223.1 bundled for the browser: its browser build sends with
    // fetch (keepalive), which a service worker has. What it lacks is what
    // sbi-telemetry.js adds: a queue that survives the worker, Retry-After,
    // the vocabulary and the URL generalized before sending.
    assert.deepEqual(r.thrown, []);
    assert.deepEqual(r.results.map((x) => x.code), [0], JSON.stringify(r));
    await poll('the record from the worker', () => records('search_aliexpress').length === 1);
    const posts = proxy.requests.slice(before).filter((q) => q.method === 'POST' && q.url === '/v1/logs');
    assert.equal(posts.length, 1);
    assert.equal(posts[0].headers.origin, `chrome-extension://${extId}`);
  });
});
