// The service worker owns the telemetry queue: create the client at the top
// level, so its message and alarm listeners are registered on every start.
import { createTelemetry } from './sbi-telemetry.js';
import { TELEMETRY } from './config.js';

const telemetry = createTelemetry({
  ...TELEMETRY,
  serviceVersion: chrome.runtime.getManifest().version,
});

const MENU = {
  'sbi-search-aliexpress': { marketplace: 'aliexpress', control: 'context_search_aliexpress' },
  'sbi-search-alibaba': { marketplace: 'alibaba', control: 'context_search_alibaba' },
  'sbi-search-1688': { marketplace: '1688', control: 'context_search_1688' },
};

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: 'sbi-search-aliexpress', title: 'Search image on AliExpress', contexts: ['image'] });
  chrome.contextMenus.create({ id: 'sbi-search-alibaba', title: 'Search image on Alibaba', contexts: ['image'] });
  chrome.contextMenus.create({ id: 'sbi-search-1688', title: 'Search image on 1688', contexts: ['image'] });
});

async function onContextMenu(info, tab) {
  const item = MENU[info.menuItemId];
  if (!item) return;
  await telemetry.uiInteraction({ surface: 'context_menu', control: item.control, action: 'click' });
  // info.pageUrl is the raw page URL: the client generalizes it before it is queued.
  await telemetry.searchStarted({ trigger: 'context_menu', marketplace: item.marketplace, pageUrl: info.pageUrl });
  // The real extension opens the marketplace's image search here.
}
chrome.contextMenus.onClicked.addListener((info, tab) => void onContextMenu(info, tab));

// For the browser tests: a native context menu cannot be clicked from the
// DevTools protocol, so they call the same handler the menu calls.
globalThis.sbiExample = { telemetry, onContextMenu };
