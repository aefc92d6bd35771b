// Size and cost of sbi-telemetry.js (a measurement, not a test):
//   - the module's size, raw and gzipped, and how much of it is the public
//     suffix table;
//   - main-thread CPU per 1,000 events in chromium: an extension page owning
//     the queue (role 'owner', the real chrome.storage.local, a stub fetch
//     answering 200), 1,000 calls (uiInteraction, settingsState and
//     searchStarted with a page URL to generalize) and a flush, measured with
//     the DevTools protocol's Performance.getMetrics (TaskDuration,
//     ScriptDuration) around the run. Median of 5 runs.
//
//   cd client/js && npm ci && node bench/bench.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import { clientDir, prepareExtension, prerequisites, tempDir } from '../test/harness.mjs';

const src = fs.readFileSync(path.join(clientDir, 'sbi-telemetry.js'));
const psl = /const PSL = "([^"]*)";/.exec(src.toString('utf8'));
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
console.log(`sbi-telemetry.js: ${src.length} bytes, ${gz(src)} gzipped (level 9)`);
if (psl) {
  const without = Buffer.from(src.toString('utf8').replace(psl[1], ''));
  console.log(`  of which the public suffix table: ${psl[1].length} bytes; the module without it: ${without.length} bytes, ${gz(without)} gzipped`);
}

const pre = prerequisites();
if (pre.skip) {
  console.log('browser part skipped: ' + pre.skip);
  process.exit(0);
}
const puppeteer = (await import('puppeteer-core')).default;
const dir = tempDir('sbi-bench-');
const ext = prepareExtension(dir, { endpoint: 'http://127.0.0.1:9/v1/events' });
fs.writeFileSync(path.join(ext, 'bench.html'), '<!doctype html><script type="module" src="bench-page.js"></script>');
fs.writeFileSync(
  path.join(ext, 'bench-page.js'),
  `import { createTelemetry } from './sbi-telemetry.js';
window.runBench = async (n, run, memory) => {
  await chrome.storage.local.clear();
  const m = new Map();
  const storage = memory ? { get: async (k) => (m.has(k) ? { [k]: structuredClone(m.get(k)) } : {}), set: async (o) => { for (const [k, v] of Object.entries(o)) m.set(k, structuredClone(v)); } } : undefined;
  let requests = 0;
  const t = createTelemetry({
    role: 'owner', listen: false, endpoint: 'https://collector.example/v1/events', serviceVersion: '3.2.1',
    maxQueue: n, batchSize: 50, flushIntervalMs: 60000, storage,
    fetch: async () => (requests++, { ok: true, status: 200, headers: new Headers() }),
  });
  await t.ready();
  const controls = ['search_button', 'search_aliexpress', 'open_options', 'settings_toggle'];
  const calls = [];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) calls.push(t.searchStarted({ trigger: 'context_menu', marketplace: 'aliexpress',
      pageUrl: 'https://www.aliexpress.com/item/100500' + (6123456789 + i * 7919 + run) + '.html?spm=a2g0o.productlist.main.' + i + '#nav' }));
    else if (i % 10 === 1) calls.push(t.settingsState({ show_overlay: i % 4 === 1, dark_mode: true, context_menu: false }));
    else calls.push(t.uiInteraction({ surface: 'popup', control: controls[i % 4], action: 'click' }));
  }
  await Promise.all(calls);
  await t.flush();
  const s = await t.stats();
  return { requests, sent: s.sent, queued: s.queued };
};`,
);
const browser = await puppeteer.launch({
  executablePath: pre.chrome,
  headless: true,
  enableExtensions: [ext],
  userDataDir: path.join(dir, 'profile'),
  pipe: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'));
  const extId = new URL(sw.url()).host;
  const page = await browser.newPage();
  await page.goto(`chrome-extension://${extId}/bench.html`);
  await page.waitForFunction(() => window.runBench);
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { task: m.TaskDuration * 1000, script: m.ScriptDuration * 1000 };
  };
  const N = 1000;
  for (const memory of [false, true]) {
  await page.evaluate((n, memory) => window.runBench(n, -1, memory), N, memory); // warm-up (JIT, the PSL trie)
  const runs = [];
  for (let run = 0; run < 5; run++) {
    const a = await metric();
    const t0 = Date.now();
    const r = await page.evaluate((n, run, memory) => window.runBench(n, run, memory), N, run, memory);
    const wall = Date.now() - t0;
    const b = await metric();
    if (r.sent !== N || r.queued !== 0) throw new Error('bench run did not send everything: ' + JSON.stringify(r));
    runs.push({ task: b.task - a.task, script: b.script - a.script, wall, requests: r.requests });
  }
  const med = (k) => runs.map((r) => r[k]).sort((x, y) => x - y)[2];
  console.log(`chromium ${await browser.version()}, per ${N} events, queue in ${memory ? 'memory (no persistence)' : 'chrome.storage.local'} (median of 5; ${runs[0].requests} requests each):`);
  console.log(`  main-thread CPU (TaskDuration): ${med('task').toFixed(1)} ms, of it script: ${med('script').toFixed(1)} ms; wall ${med('wall')} ms`);
  console.log('  runs (task/script/wall ms): ' + runs.map((r) => `${r.task.toFixed(1)}/${r.script.toFixed(1)}/${r.wall}`).join(' '));
  }
} finally {
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
