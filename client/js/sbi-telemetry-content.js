// sbi-telemetry-content.js: the telemetry API for content scripts, which are
// classic scripts (no ES module imports) and whose own requests would carry
// the web page's origin. It hands each call to the extension's service worker
// (where createTelemetry() owns the queue) by runtime messaging; the worker
// checks the vocabulary and generalizes the page URL before anything is queued.
//
// manifest.json: "content_scripts": [{"js": ["sbi-telemetry-content.js", "content.js"], ...}]
// content.js:    sbiTelemetry.uiInteraction({surface: 'page_button', control: 'page_button', action: 'click'});
(() => {
  'use strict';
  const MESSAGE_KEY = '__sbiTelemetry'; // = MESSAGE_KEY in sbi-telemetry.js
  const send = (m) =>
    chrome.runtime.sendMessage({ [MESSAGE_KEY]: m }).then((r) => {
      if (r && r.error) throw new Error('sbi-telemetry: ' + r.error);
      return r;
    });
  const track = (fn, args) => send({ op: 'track', fn, args, time: Date.now() }).then(() => undefined);
  globalThis.sbiTelemetry = Object.freeze({
    uiInteraction: (args) => track('uiInteraction', args),
    settingsState: (settings) => track('settingsState', settings),
    searchStarted: (args) => track('searchStarted', args),
  });
})();
