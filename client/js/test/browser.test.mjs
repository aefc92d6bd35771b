// Browser tests: Debian's chromium (headless, new mode) with the example MV3
// extension loaded unpacked, sending through a recording proxy to the real
// otelcol-sbi binary. They assert the exact minimized records the collector
// writes, and what left the browser (every request body the proxy saw).
//
// Synchronisation is by polling with bounded deadlines (the output file, the
// client's stats, the proxy's log), never by sleeping.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  Collector,
  RecordingProxy,
  freePort,
  pageServer,
  poll,
  prepareExtension,
  prerequisites,
  tempDir,
} from './harness.mjs';

const pre = prerequisites();
const POLICY_VERSION = (await import('../sbi-telemetry.js')).POLICY_VERSION;
const { generalizeUrl } = await import('../sbi-telemetry.js');
const RESOURCE = { 'service.name': 'sbi-extension', 'service.version': '3.2.1', 'privacy.policy.version': POLICY_VERSION };
// The page a search starts from: the host maps to the loopback page server;
// the path, query and fragment carry what must never leave the browser.
const PAGE_HOST = 'www.aliexpress.com';
const SECRETS = ['1005006123456789', 'jane.doe', 'tok3n-Secr3t', 'reviews-of-jane'];
const pagePath = '/item/1005006123456789.html?spm=jane.doe&token=tok3n-Secr3t#reviews-of-jane';

describe('example extension in chromium against otelcol-sbi', { skip: pre.skip, timeout: 600_000 }, () => {
  let puppeteer, dir, collector, limited, proxy, pages, ext, browser, extId, pageUrl, profile;

  async function launch() {
    browser = await puppeteer.launch({
      executablePath: pre.chrome,
      headless: true, // the new headless mode, which runs extensions
      enableExtensions: [ext],
      userDataDir: profile,
      pipe: true,
      args: [
        '--no-sandbox', // the tests run as root in CI
        '--disable-gpu',
        `--host-resolver-rules=MAP ${PAGE_HOST} 127.0.0.1`,
        '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
        '--no-first-run',
        '--no-default-browser-check',
      ],
    });
    const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), {
      timeout: 60_000,
    });
    extId = new URL(sw.url()).host;
  }

  // inWorker runs fn(arg) in the service worker through a CDP session that is
  // detached afterwards: a worker stopped with a DevTools session attached
  // does not start again cleanly.
  async function inWorker(fn, arg) {
    // Wake the worker first (Chrome stops it after 30 s idle) with a message
    // from an extension page, as the extension's own pages would.
    const waker = await openExtensionPage('options.html');
    await waker.evaluate(() => chrome.runtime.sendMessage({ __sbiTelemetry: { op: 'stats' } }));
    await waker.close();
    const t = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), {
      timeout: 60_000,
    });
    const s = await t.createCDPSession();
    try {
      const r = await s.send('Runtime.evaluate', {
        expression: `(${fn})(${JSON.stringify(arg)})`,
        awaitPromise: true,
        returnByValue: true,
      });
      if (r.exceptionDetails) throw new Error('in the worker: ' + JSON.stringify(r.exceptionDetails));
      return r.result.value;
    } finally {
      await s.detach().catch(() => {});
    }
  }

  // stopWorker stops the extension's service worker as Chrome does when it is
  // idle (DevTools protocol, ServiceWorker.stopWorker, from a page of the
  // extension's origin) and waits until it was seen stopped.
  async function stopWorker() {
    const page = await openExtensionPage('options.html');
    const cdp = await page.createCDPSession();
    const versions = new Map();
    const stopped = new Set(); // versions seen stopped: the retry alarm may start one again at once
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      for (const v of e.versions) {
        if (!v.scriptURL.endsWith('/background.js')) continue;
        versions.set(v.versionId, v.runningStatus);
        if (v.runningStatus === 'stopped') stopped.add(v.versionId);
      }
    });
    await cdp.send('ServiceWorker.enable');
    const running = await poll('the running worker', () => [...versions].find(([, st]) => st === 'running'));
    await cdp.send('ServiceWorker.stopWorker', { versionId: running[0] });
    await poll('the worker to stop', () => stopped.has(running[0]));
    await cdp.detach();
    await page.close();
  }

  const stats = () => inWorker(() => globalThis.sbiExample.telemetry.stats());

  async function openExtensionPage(file) {
    const page = await browser.newPage();
    await page.goto(`chrome-extension://${extId}/${file}`);
    return page;
  }

  // newRecords waits until the collector wrote count records after mark, then
  // returns them in a canonical order.
  async function newRecords(mark, count) {
    const recs = await poll(`${count} new records`, () => {
      const all = collector.records().concat(limited ? limited.records() : []);
      return all.length - mark >= count ? all.slice(mark) : null;
    });
    return canonical(recs);
  }
  const mark = () => collector.records().length + (limited ? limited.records().length : 0);

  before(async () => {
    puppeteer = (await import('puppeteer-core')).default;
    dir = tempDir('sbi-browser-');
    proxy = await new RecordingProxy().listen();
    collector = new Collector(pre.bin, path.join(dir, 'c1'));
    fs.mkdirSync(collector.dir);
    await collector.start();
    proxy.upstreamPort = collector.port;
    pages = await pageServer();
    pageUrl = `http://${PAGE_HOST}:${pages.port}${pagePath}`;
    ext = prepareExtension(dir, {
      endpoint: `http://127.0.0.1:${proxy.port}/v1/events`,
      flushIntervalMs: 200,
      minBackoffMs: 200,
      maxBackoffMs: 1500,
    });
    profile = path.join(dir, 'profile');
    await launch();
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (collector) await collector.stop();
    if (limited) await limited.stop();
    if (proxy) await proxy.close();
    if (pages) await pages.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('popup click: the exact minimized record', async () => {
    const m = mark();
    const popup = await openExtensionPage('popup.html');
    await popup.click('#open_options');
    await popup.waitForFunction(() => document.getElementById('status').textContent === 'queued open_options');
    const recs = await newRecords(m, 1);
    assert.deepEqual(recs, [
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'popup', 'ui.control': 'open_options', 'ui.action': 'click' } },
    ]);
    await popup.close();
  });

  it('context-menu search: the URL generalized in the browser, the raw URL in no request body', async () => {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    const m = mark();
    const before = proxy.requests.length;
    // What Chrome passes to contextMenus.onClicked for a click on the image.
    await inWorker(async (url) => {
      const tab = (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0];
      await globalThis.sbiExample.onContextMenu({ menuItemId: 'sbi-search-aliexpress', pageUrl: url, srcUrl: url.replace(/[?#].*/, '') + '/p.png' }, tab);
    }, pageUrl);
    const recs = await newRecords(m, 2);
    // The site and the kind of page (AliExpress item template), nothing else.
    const want = `http://${PAGE_HOST}:${pages.port}/item/{id}.html`;
    assert.equal(generalizeUrl(pageUrl), want);
    assert.deepEqual(recs, canonical([
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'context_menu', 'ui.control': 'context_search_aliexpress', 'ui.action': 'click' } },
      { event: 'search.started', resource: RESOURCE, attributes: { 'search.trigger': 'context_menu', 'search.marketplace': 'aliexpress', 'url.full': want } },
    ]));
    assertNoSecrets(proxy.requests.slice(before));
    await page.close();
  });

  it('settings toggles: the control and the whole settings state', async () => {
    const m = mark();
    const opts = await openExtensionPage('options.html');
    await opts.waitForFunction(() => document.getElementById('status').textContent === 'ready');
    await opts.click('input[name=show_overlay]');
    await opts.waitForFunction(() => document.getElementById('status').textContent === 'queued show_overlay');
    const recs = await newRecords(m, 2);
    assert.deepEqual(recs, canonical([
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'options_page', 'ui.control': 'settings_toggle', 'ui.action': 'toggle' } },
      {
        event: 'settings.state',
        resource: RESOURCE,
        attributes: {
          'setting.show_page_button': true,
          'setting.show_overlay': true,
          'setting.context_menu': true,
          'setting.open_in_new_tab': true,
          'setting.dark_mode': false,
        },
      },
    ]));
    await opts.close();
  });

  it('content-script page button: relayed to the worker, sent with the extension origin', async () => {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    const button = await page.waitForSelector('.sbi-page-button');
    const m = mark();
    const before = proxy.requests.length;
    await button.click();
    await page.waitForSelector('.sbi-page-button[data-sbi-done=queued]');
    const recs = await newRecords(m, 2);
    assert.deepEqual(recs, canonical([
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'page_button', 'ui.control': 'page_button', 'ui.action': 'click' } },
      { event: 'search.started', resource: RESOURCE, attributes: { 'search.trigger': 'page_button', 'search.marketplace': 'aliexpress', 'url.full': generalizeUrl(pageUrl) } },
    ]));
    const sent = proxy.requests.slice(before).filter((r) => r.method === 'POST');
    assert.ok(sent.length >= 1);
    for (const r of sent) assert.equal(r.headers.origin, `chrome-extension://${extId}`);
    assertNoSecrets(proxy.requests.slice(before));
    await page.close();
  });

  it('service worker stopped mid-queue, then restarted: every event delivered once', async () => {
    const m = mark();
    proxy.mode = 'down'; // nothing gets through: the events stay queued
    const popup = await openExtensionPage('popup.html');
    for (let i = 0; i < 3; i++) {
      await popup.click('#open_options');
      await popup.waitForFunction(() => document.getElementById('status').textContent === 'queued open_options');
      await popup.evaluate(() => (document.getElementById('status').textContent = ''));
    }
    await poll('3 queued events', async () => (await stats()).queued === 3);
    await popup.close();

    await stopWorker();
    assert.equal(mark(), m, 'nothing delivered while the proxy refused');

    proxy.mode = 'pass';
    // Any extension event starts the worker again; it reads the queue back.
    const popup2 = await openExtensionPage('popup.html');
    await popup2.click('#open_options');
    await popup2.waitForFunction(() => document.getElementById('status').textContent === 'queued open_options');
    const recs = await newRecords(m, 4);
    const want = { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'popup', 'ui.control': 'open_options', 'ui.action': 'click' } };
    // No request was in flight when the worker stopped (the proxy reset every
    // connection), so the duplicate bound (one batch per stop) is zero here.
    assert.deepEqual(recs, [want, want, want, want]);
    await poll('an empty queue', async () => (await stats()).queued === 0);
    await popup2.close();
  });

  it('worker stopped with a request in flight: that batch is sent again, nothing else (the duplicate bound)', async () => {
    const m = mark();
    const before = proxy.requests.length;
    proxy.mode = 'hold'; // the collector never answers the first request
    const popup = await openExtensionPage('popup.html');
    for (const id of ['#search_alibaba', '#open_options']) {
      await popup.click(id);
      await popup.waitForFunction((id) => document.getElementById('status').textContent === 'queued ' + id.slice(1), {}, id);
    }
    await popup.close();
    await poll('a request in flight and 3 events queued', async () => proxy.held.length === 1 && (await stats()).queued === 3);
    const inFlight = JSON.parse(proxy.requests.slice(before).find((r) => r.status === 'held').body).events.length;
    await stopWorker();
    // The collector accepts the request after all: the client never learns it.
    proxy.mode = 'pass';
    proxy.release();
    await poll('the held request forwarded', () => proxy.requests.slice(before).some((r) => r.status === 200));
    // The next start sends the whole stored queue, the accepted batch again.
    const wake = await openExtensionPage('options.html');
    await wake.waitForFunction(() => document.getElementById('status').textContent === 'ready');
    await wake.close();
    await poll('an empty queue', async () => (await stats()).queued === 0);
    const recs = await newRecords(m, 3 + inFlight);
    assert.ok(inFlight >= 1 && inFlight <= 50, 'at most one batch in flight: ' + inFlight);
    assert.equal(recs.length, 3 + inFlight, 'exactly the in-flight batch is duplicated');
  });

  it('collector down for a while, then up: everything delivered', async () => {
    const m = mark();
    await collector.stop();
    const before = proxy.requests.length;
    const popup = await openExtensionPage('popup.html');
    for (const id of ['#search_aliexpress', '#search_alibaba', '#search_1688']) {
      await popup.click(id);
      await popup.waitForFunction((id) => document.getElementById('status').textContent === 'queued ' + id.slice(1), {}, id);
    }
    // The client retries while the collector is down (backoff 200 ms .. 1.5 s).
    await poll('two refused attempts', () => proxy.requests.slice(before).filter((r) => r.status === 'reset').length >= 2);
    await collector.start(); // same port, a new output file
    const recs = await newRecords(m, 6);
    const want = [];
    for (const mk of ['aliexpress', 'alibaba', '1688']) {
      want.push({ event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'popup', 'ui.control': 'search_' + mk, 'ui.action': 'click' } });
      // The popup opened as a tab: its active tab is itself, an extension
      // page, whose URL the policy drops.
      want.push({ event: 'search.started', resource: RESOURCE, attributes: { 'search.trigger': 'popup_button', 'search.marketplace': mk } });
    }
    assert.deepEqual(recs, canonical(want));
    await popup.close();
  });

  it('429 with Retry-After: no request before it elapses', async () => {
    // One token per 5 s, bucket of 1: the receiver's own rate limit answers 429.
    limited = new Collector(pre.bin, path.join(dir, 'c2'), { rateLimit: { requests_per_second: 0.2, burst: 1 } });
    fs.mkdirSync(limited.dir);
    await limited.start();
    proxy.upstreamPort = limited.port;
    const m = mark();
    const before = proxy.requests.length;
    // Take the only token from the same loopback address the proxy sends
    // from, so the extension's next request finds the bucket empty.
    const drain = await fetch(`http://127.0.0.1:${limited.port}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service_version: '3.2.1', events: [{ name: 'ui.interaction', attributes: { 'ui.surface': 'toolbar', 'ui.control': 'help_link', 'ui.action': 'click' } }] }),
    });
    assert.equal(drain.status, 200);
    const popup = await openExtensionPage('popup.html');
    await popup.click('#open_options');
    await popup.waitForFunction(() => document.getElementById('status').textContent === 'queued open_options');
    await inWorker(() => globalThis.sbiExample.telemetry.flush());
    const recs = await newRecords(m, 2);
    assert.deepEqual(recs, canonical([
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'toolbar', 'ui.control': 'help_link', 'ui.action': 'click' } },
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'popup', 'ui.control': 'open_options', 'ui.action': 'click' } },
    ]));
    const posts = proxy.requests.slice(before).filter((r) => r.method === 'POST');
    assert.equal(posts[0].status, 429, 'the first request found the bucket empty: ' + posts.map((r) => r.status));
    const wait = Number(posts[0].responseHeaders['retry-after']) * 1000;
    assert.ok(wait >= 1000, 'Retry-After ' + posts[0].responseHeaders['retry-after']);
    assert.match(String(posts[0].responseHeaders['access-control-expose-headers']), /retry-after/i);
    assert.ok(posts[1], 'a retry after the 429');
    assert.ok(posts[1].at - posts[0].respondedAt >= wait, `retried ${posts[1].at - posts[0].respondedAt} ms after a 429 asking for ${wait} ms`);
    assert.equal(posts[1].status, 200);
    proxy.upstreamPort = collector.port;
    await popup.close();
  });

  it('browser restart with a queue: sent at the next start', async () => {
    const m = mark();
    proxy.mode = 'down';
    const popup = await openExtensionPage('popup.html');
    await popup.click('#open_options');
    await popup.waitForFunction(() => document.getElementById('status').textContent === 'queued open_options');
    await poll('1 queued event', async () => (await stats()).queued === 1);
    await browser.close();
    proxy.mode = 'pass';
    await launch(); // the same profile: chrome.storage.local survives
    const recs = await newRecords(m, 1);
    assert.deepEqual(recs, [
      { event: 'ui.interaction', resource: RESOURCE, attributes: { 'ui.surface': 'popup', 'ui.control': 'open_options', 'ui.action': 'click' } },
    ]);
  });

  it('telemetry off: zero requests, the queue cleared', async () => {
    const opts = await openExtensionPage('options.html');
    await opts.waitForFunction(() => document.getElementById('status').textContent === 'ready');
    // Something queued and not yet sendable when the user turns it off.
    proxy.mode = 'down';
    await opts.click('input[name=dark_mode]');
    await opts.waitForFunction(() => document.getElementById('status').textContent === 'queued dark_mode');
    await opts.click('#telemetry');
    await opts.waitForFunction(() => document.getElementById('status').textContent === 'telemetry off');
    proxy.mode = 'pass';
    const m = mark();
    const before = proxy.requests.length;

    const popup = await openExtensionPage('popup.html');
    await popup.click('#search_aliexpress');
    await popup.waitForFunction(() => document.getElementById('status').textContent === 'queued search_aliexpress');
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await (await page.waitForSelector('.sbi-page-button')).click();
    await page.waitForSelector('.sbi-page-button[data-sbi-done=queued]');
    const s = await inWorker(async () => {
      await globalThis.sbiExample.telemetry.flush(); // would send anything queued
      return globalThis.sbiExample.telemetry.stats();
    });
    assert.equal(s.enabled, false);
    assert.equal(s.queued, 0);
    assert.ok(s.dropped.disabled >= 4, JSON.stringify(s));
    assert.deepEqual(proxy.requests.slice(before), [], 'requests while telemetry was off');
    assert.equal(mark(), m);
    await page.close();
    await popup.close();
    await opts.close();
  });
});

function assertNoSecrets(requests) {
  for (const r of requests) {
    for (const s of SECRETS) {
      assert.ok(!r.body.includes(s) && !r.url.includes(s), `a request body or URL carried ${s}`);
      for (const v of Object.values(r.headers)) assert.ok(!String(v).includes(s), `a request header carried ${s}`);
    }
  }
}

// canonical drops the (truncated, checked) time and orders records stably.
function canonical(recs) {
  const out = recs.map((r) => {
    if (r.time !== undefined) assert.equal(BigInt(r.time) % 1_000_000_000n, 0n, 'time truncated to the second');
    return { event: r.event, resource: r.resource, attributes: sortKeys(r.attributes) };
  });
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}

function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
