// A content script: adds the page button next to each image. sbiTelemetry
// (sbi-telemetry-content.js) hands the calls to the service worker; the raw
// page URL crosses only the extension's own messaging, never the network.
for (const img of document.querySelectorAll('img')) {
  const button = document.createElement('button');
  button.textContent = 'Search by Image';
  button.className = 'sbi-page-button';
  button.addEventListener('click', async () => {
    await sbiTelemetry.uiInteraction({ surface: 'page_button', control: 'page_button', action: 'click' });
    await sbiTelemetry.searchStarted({ trigger: 'page_button', marketplace: 'aliexpress', pageUrl: location.href });
    button.dataset.sbiDone = 'queued';
  });
  img.after(button);
}
