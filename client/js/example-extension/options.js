// The options page: each toggle reports the control and the whole settings
// state; the telemetry toggle turns the client off (nothing sent, queue cleared).
import { createTelemetry } from './sbi-telemetry.js';

const telemetry = createTelemetry();
const form = document.getElementById('settings');
const toggle = document.getElementById('telemetry');
const status = document.getElementById('status');

telemetry.isEnabled().then((on) => {
  toggle.checked = on;
  status.textContent = 'ready';
});

function settings() {
  const out = {};
  for (const box of form.querySelectorAll('input[name]')) out[box.name] = box.checked;
  return out;
}

form.addEventListener('change', async (e) => {
  if (e.target === toggle) {
    await telemetry.setEnabled(toggle.checked);
    status.textContent = 'telemetry ' + (toggle.checked ? 'on' : 'off');
    return;
  }
  await telemetry.uiInteraction({ surface: 'options_page', control: 'settings_toggle', action: 'toggle' });
  await telemetry.settingsState(settings());
  status.textContent = 'queued ' + e.target.name;
});
