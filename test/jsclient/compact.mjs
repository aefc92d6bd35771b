// Sends compact events to /v1/events the way the README shows an extension
// doing it: fetch with keepalive (application/json), then a sendBeacon-style
// text/plain POST. Prints each status; exit code 0 only when both were 200.
//
//   node compact.mjs http://127.0.0.1:4318/v1/events
const url = process.argv[2];
if (!url) {
  console.error('usage: node compact.mjs <url>');
  process.exit(2);
}

const version = '3.2.1';
const events = [
  { name: 'ui.interaction', time: Date.now(),
    attributes: { 'ui.surface': 'popup', 'ui.control': 'search_button', 'ui.action': 'click' } },
  { name: 'settings.state', time: new Date().toISOString(),
    attributes: { 'setting.open_in_new_tab': true, 'setting.count': 3 } },
];

const res = await fetch(url, {
  method: 'POST',
  keepalive: true,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ service_version: version, events }),
});
console.log(`fetch ${res.status} ${await res.text()}`);

// navigator.sendBeacon(url, string) sends the string as text/plain;charset=UTF-8.
const beacon = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
  body: JSON.stringify({ service_version: version, events: [{ name: 'search.started', time: Date.now(),
    attributes: { 'search.trigger': 'toolbar_button', 'search.marketplace': '1688' } }] }),
});
console.log(`beacon ${beacon.status} ${await beacon.text()}`);

process.exit(res.status === 200 && beacon.status === 200 ? 0 : 1);
