// Unit tests of sbi-telemetry.js outside a browser: a fake fetch, a fake
// clock with manual timers and an in-memory storage make every schedule
// deterministic (no real time passes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createTelemetry, parseRetryAfter, STORAGE_KEY, VOCABULARY } from '../sbi-telemetry.js';

// A fake clock: timers fire only when advance() passes their time.
function fakeClock(start = Date.UTC(2026, 11, 2, 10, 0, 0, 123)) {
  let t = start;
  let id = 0;
  const pending = new Map();
  return {
    now: () => t,
    timers: {
      set: (f, ms) => (pending.set(++id, { at: t + ms, f }), id),
      clear: (i) => pending.delete(i),
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        const next = [...pending].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        pending.delete(next[0]);
        t = Math.max(t, next[1].at);
        next[1].f();
        await settle();
      }
      t = end;
      await settle();
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function memStorage() {
  const m = new Map();
  const keys = (k) => (Array.isArray(k) ? k : [k]);
  return {
    m,
    get: async (k) => Object.fromEntries(keys(k).filter((x) => m.has(x)).map((x) => [x, structuredClone(m.get(x))])),
    set: async (o) => {
      for (const [k, v] of Object.entries(o)) m.set(k, structuredClone(v));
    },
    remove: async (k) => {
      for (const x of keys(k)) m.delete(x);
    },
  };
}

// queuedKeys lists the stored event keys.
const queuedKeys = (storage) => [...storage.m.keys()].filter((k) => k.startsWith(STORAGE_KEY + '.'));

// A fake collector: answers per request from a script, records bodies and times.
function fakeFetch(clock, answers = []) {
  const calls = [];
  const f = async (url, init) => {
    calls.push({ at: clock.now(), url, init, body: JSON.parse(init.body) });
    const a = answers.length ? answers.shift() : { status: 200 };
    if (a.error) throw new TypeError('Failed to fetch');
    return { ok: a.status >= 200 && a.status < 300, status: a.status, headers: new Map(Object.entries(a.headers || {})) };
  };
  f.calls = calls;
  return f;
}

function client(clock, fetch, storage = memStorage(), extra = {}) {
  return createTelemetry({
    role: 'owner',
    endpoint: 'https://collector.example/v1/events',
    serviceVersion: '3.2.1',
    fetch,
    storage,
    now: clock.now,
    timers: clock.timers,
    random: () => 0.5,
    alarms: null,
    flushIntervalMs: 5000,
    ...extra,
  });
}

const click = { surface: 'popup', control: 'search_button', action: 'click' };

describe('sbi-telemetry', () => {
  it('sends the compact format with truncated times after the flush interval', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock);
    const t = client(clock, fetch);
    await t.uiInteraction(click);
    await t.settingsState({ show_overlay: true, dark_mode: false });
    await clock.advance(4999);
    assert.equal(fetch.calls.length, 0, 'a partial batch waits for the interval');
    await clock.advance(1);
    assert.equal(fetch.calls.length, 1);
    const c = fetch.calls[0];
    assert.equal(c.init.method, 'POST');
    assert.equal(c.init.keepalive, true);
    assert.equal(c.init.credentials, 'omit');
    const sec = Math.floor(clock.now() / 1000 - 5) * 1000;
    assert.deepEqual(c.body, {
      service_version: '3.2.1',
      events: [
        { name: 'ui.interaction', time: sec, attributes: { 'ui.surface': 'popup', 'ui.control': 'search_button', 'ui.action': 'click' } },
        { name: 'settings.state', time: sec, attributes: { 'setting.show_overlay': true, 'setting.dark_mode': false } },
      ],
    });
    assert.equal((await t.stats()).queued, 0);
  });

  it('drops values outside the vocabulary and counts them', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock);
    const t = client(clock, fetch, memStorage(), { serviceVersion: '3.2.1-beta.abcdef' });
    await t.uiInteraction({ surface: 'popup', control: 'Buy iPhone 15 for Jane', action: 'click', extra: 'x' });
    await t.settingsState({ show_overlay: 'yes', page_title: true, dark_mode: true });
    await t.searchStarted({ trigger: 'context_menu', marketplace: 'amazon', pageUrl: 'javascript:alert(1)' });
    await t.flush();
    assert.deepEqual(fetch.calls[0].body.events.map((e) => e.attributes), [
      { 'ui.surface': 'popup', 'ui.action': 'click' },
      { 'setting.dark_mode': true },
      { 'search.trigger': 'context_menu' },
    ]);
    assert.equal(fetch.calls[0].body.service_version, undefined, 'a version with a suffix is not sent');
    // control, extra, show_overlay, page_title, marketplace, pageUrl, the version
    assert.equal((await t.stats()).dropped.invalid, 7);
  });

  it('sends the page URL only when the search was started by the user, generalized', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock);
    const t = client(clock, fetch);
    await t.searchStarted({ trigger: 'page_button', marketplace: 'aliexpress', pageUrl: 'https://user:pw@www.aliexpress.com/item/1005006123456789.html?q=secret#x' });
    await t.searchStarted({ marketplace: 'aliexpress', pageUrl: 'https://www.aliexpress.com/item/1.html' });
    await t.flush();
    const [a, b] = fetch.calls[0].body.events;
    assert.ok(a.attributes['url.full'].startsWith('https://www.aliexpress.com/'));
    assert.ok(!JSON.stringify(fetch.calls[0].body).includes('1005006123456789'));
    assert.ok(!JSON.stringify(fetch.calls[0].body).includes('secret'));
    assert.deepEqual(b.attributes, { 'search.marketplace': 'aliexpress' }, 'no trigger: no URL');
  });

  it('a full batch goes at once; batches stay under the byte limit', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock);
    const t = client(clock, fetch, memStorage(), { batchSize: 10, maxBatchBytes: 1000 });
    for (let i = 0; i < 25; i++) await t.uiInteraction(click);
    await clock.advance(0);
    assert.ok(fetch.calls.length >= 2, 'full batches are sent without waiting');
    await clock.advance(5000);
    const sizes = fetch.calls.map((c) => c.body.events.length);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 25);
    for (const c of fetch.calls) {
      assert.ok(c.body.events.length <= 10);
      assert.ok(new TextEncoder().encode(c.init.body).length <= 1000);
    }
  });

  it('retries with growing jittered backoff while the collector is down, then delivers', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock, [{ error: true }, { error: true }, { error: true }, { status: 503 }]);
    const t = client(clock, fetch, memStorage(), { minBackoffMs: 1000, maxBackoffMs: 10_000 });
    await t.uiInteraction(click);
    await clock.advance(5000 + 60_000);
    assert.equal(fetch.calls.length, 5);
    const gaps = fetch.calls.slice(1).map((c, i) => c.at - fetch.calls[i].at);
    // random() = 0.5: equal jitter gives 3/4 of the cap: 1000, 2000, 4000 doubling.
    assert.deepEqual(gaps.slice(0, 3), [750, 1500, 3000]);
    assert.equal((await t.stats()).queued, 0);
    assert.equal((await t.stats()).sent, 1);
  });

  it('honours Retry-After: no request before it elapses', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock, [{ status: 429, headers: { 'Retry-After': '7' } }]);
    const t = client(clock, fetch);
    await t.uiInteraction(click);
    await t.flush();
    const r = await t.flush();
    assert.equal(fetch.calls.length, 1, 'flush does not override Retry-After');
    assert.ok(r.retryAt >= fetch.calls[0].at + 7000);
    await clock.advance(6999);
    assert.equal(fetch.calls.length, 1);
    await clock.advance(2000);
    assert.equal(fetch.calls.length, 2);
    assert.ok(fetch.calls[1].at - fetch.calls[0].at >= 7000);
  });

  it('the queue survives a new instance on the same storage, the retry wait too', async () => {
    const clock = fakeClock();
    const storage = memStorage();
    const down = fakeFetch(clock, [{ status: 429, headers: { 'Retry-After': '30' } }]);
    const t1 = client(clock, down, storage);
    await t1.uiInteraction(click);
    await t1.settingsState({ dark_mode: true });
    await t1.flush();
    // The worker stops; a new one starts from storage.
    const fetch = fakeFetch(clock);
    const t2 = client(clock, fetch, storage);
    await t2.ready();
    assert.equal((await t2.stats()).queued, 2);
    await clock.advance(29_000);
    assert.equal(fetch.calls.length, 0, 'the stored Retry-After still holds');
    await clock.advance(10_000);
    assert.equal(fetch.calls.length, 1);
    assert.equal(fetch.calls[0].body.events.length, 2);
  });

  it('stores each event once: a change writes what changed, removals leave no keys behind', async () => {
    const clock = fakeClock();
    const storage = memStorage();
    const writes = [];
    const set = storage.set;
    storage.set = async (o) => (writes.push(Object.keys(o).length), set(o));
    const fetch = fakeFetch(clock, [{ error: true }]);
    const t = client(clock, fetch, storage, { minBackoffMs: 100_000, maxBackoffMs: 100_000 });
    await t.ready();
    for (let i = 0; i < 200; i++) await t.uiInteraction(click); // a backlog: nothing gets out
    await clock.advance(5000);
    assert.equal(queuedKeys(storage).length, 200);
    assert.ok(Math.max(...writes) <= 2, 'one event and the state per write, whatever the backlog: ' + Math.max(...writes));
    await clock.advance(200_000); // the retry succeeds batch by batch
    assert.equal((await t.stats()).sent, 200);
    assert.deepEqual(queuedKeys(storage), []);
  });

  it('a stop between removing sent events and writing the state loses and repeats nothing', async () => {
    const clock = fakeClock();
    const storage = memStorage();
    const t1 = client(clock, fakeFetch(clock, [{ error: true }]), storage, { minBackoffMs: 100_000 });
    for (const c of ['search_alibaba', 'search_aliexpress', 'search_1688']) await t1.uiInteraction({ ...click, control: c });
    await clock.advance(5000);
    // The first event's key is gone but the state still names it.
    storage.m.delete(STORAGE_KEY + '.' + storage.m.get(STORAGE_KEY).head);
    // The next start, after the stored retry time (a clock of its own: t1's
    // timers are abandoned with it).
    const later = fakeClock(clock.now() + 200_000);
    const fetch = fakeFetch(later);
    const t2 = client(later, fetch, storage);
    await t2.ready();
    await t2.flush();
    assert.deepEqual(fetch.calls.flatMap((c) => c.body.events.map((e) => e.attributes['ui.control'])), ['search_aliexpress', 'search_1688']);
  });

  it('a full queue drops the oldest first and counts them', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock, [{ error: true }]);
    const t = client(clock, fetch, memStorage(), { maxQueue: 3, minBackoffMs: 100_000, maxBackoffMs: 100_000 });
    await t.uiInteraction(click);
    await clock.advance(5000); // the one attempt fails: backing off
    for (const c of ['search_alibaba', 'search_aliexpress', 'search_1688', 'upload_image']) {
      await t.uiInteraction({ ...click, control: c });
    }
    const s = await t.stats();
    assert.equal(s.queued, 3);
    assert.equal(s.dropped.overflow, 2);
    await clock.advance(200_000);
    assert.deepEqual(fetch.calls[1].body.events.map((e) => e.attributes['ui.control']), ['search_aliexpress', 'search_1688', 'upload_image']);
  });

  it('off: nothing is sent, the queue is cleared, the choice is persisted', async () => {
    const clock = fakeClock();
    const storage = memStorage();
    const fetch = fakeFetch(clock);
    const t = client(clock, fetch, storage);
    await t.uiInteraction(click);
    await t.setEnabled(false);
    await t.uiInteraction(click);
    await t.flush();
    await clock.advance(600_000);
    assert.equal(fetch.calls.length, 0);
    assert.deepEqual(queuedKeys(storage), []);
    assert.equal(storage.m.get(STORAGE_KEY).enabled, false);
    const t2 = client(clock, fetch, storage, { enabled: true });
    await t2.uiInteraction(click);
    await t2.flush();
    assert.equal(fetch.calls.length, 0, 'the stored choice wins over the default');
    assert.equal(await t2.isEnabled(), false);
  });

  it('a malformed-request answer drops the batch (counted) instead of blocking the queue', async () => {
    const clock = fakeClock();
    const fetch = fakeFetch(clock, [{ status: 400 }]);
    const t = client(clock, fetch);
    await t.uiInteraction(click);
    await t.flush();
    await t.uiInteraction(click);
    await t.flush();
    const s = await t.stats();
    assert.equal(s.dropped.rejected, 1);
    assert.equal(s.sent, 1);
  });

  it('a request the collector never answers is aborted and retried', async () => {
    const clock = fakeClock();
    const calls = [];
    const fetch = (url, init) =>
      new Promise((resolve, reject) => {
        calls.push(clock.now());
        if (calls.length > 1) return resolve({ ok: true, status: 200, headers: new Map() });
        init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const t = client(clock, fetch, memStorage(), { requestTimeoutMs: 30_000, minBackoffMs: 1000 });
    await t.uiInteraction(click);
    await clock.advance(5000 + 29_999);
    assert.equal(calls.length, 1, 'still waiting for the answer');
    await clock.advance(1 + 1000);
    assert.equal(calls.length, 2);
    assert.equal((await t.stats()).sent, 1);
  });

  it('refuses options that cannot work', () => {
    assert.throws(() => createTelemetry({ role: 'owner' }), /endpoint is required/);
    for (const bad of [{ batchSize: 0 }, { maxQueue: -1 }, { minBackoffMs: NaN }, { requestTimeoutMs: 'soon' }]) {
      assert.throws(() => createTelemetry({ role: 'owner', endpoint: 'https://c.example/v1/events', ...bad }), /must be a positive number/);
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 11, 2, 10, 0, 0);
    assert.equal(parseRetryAfter('5', now), 5000);
    assert.equal(parseRetryAfter(new Date(now + 12_000).toUTCString(), now), 12_000);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter('99999999', now), 24 * 3600 * 1000, 'bounded');
  });

  it('exports the generated vocabulary', () => {
    assert.ok(VOCABULARY.Control.includes('search_button'));
    assert.ok(Object.isFrozen(VOCABULARY.Control));
  });
});
