// An extension page: the client relays to the service worker, which owns the queue.
import { createTelemetry } from './sbi-telemetry.js';

const telemetry = createTelemetry(); // relays to the service worker, which owns the queue

for (const id of ['search_aliexpress', 'search_alibaba', 'search_1688']) {
  document.getElementById(id).addEventListener('click', async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    await telemetry.uiInteraction({ surface: 'popup', control: id, action: 'click' });
    await telemetry.searchStarted({ trigger: 'popup_button', marketplace: id.slice('search_'.length), pageUrl: tab && tab.url });
    document.getElementById('status').textContent = 'queued ' + id;
  });
}
document.getElementById('open_options').addEventListener('click', async () => {
  await telemetry.uiInteraction({ surface: 'popup', control: 'open_options', action: 'click' });
  document.getElementById('status').textContent = 'queued open_options';
});
