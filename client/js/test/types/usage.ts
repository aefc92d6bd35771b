// Compiled (not run) by test/types.test.mjs with tsc --strict: the generated
// unions accept the policy's vocabulary and reject anything else.
import { createTelemetry, generalizeUrl, VOCABULARY, type Control, type Settings } from '../../sbi-telemetry.js';

const t = createTelemetry({ endpoint: 'https://telemetry.example.com/v1/events', serviceVersion: '3.2.1' });
const relay = createTelemetry();

export async function ok(tabUrl: string): Promise<void> {
  await t.uiInteraction({ surface: 'popup', control: 'search_button', action: 'click' });
  await relay.settingsState({ show_overlay: true, dark_mode: false });
  await t.searchStarted({ trigger: 'context_menu', marketplace: '1688', pageUrl: tabUrl });
  const r = await t.flush();
  const n: number = r.queued + r.retryAt;
  const s = await t.stats();
  const dropped: number = s.dropped.invalid + s.dropped.overflow + n;
  await t.setEnabled(dropped > 0);
  const c: Control = VOCABULARY.Control[0];
  const settings: Settings = { context_menu: true };
  const u: string | null = generalizeUrl(tabUrl);
  void c, settings, u;
}

export async function rejected(): Promise<void> {
  // @ts-expect-error a control outside the vocabulary
  await t.uiInteraction({ surface: 'popup', control: 'Buy shoes', action: 'click' });
  // @ts-expect-error a surface outside the vocabulary
  await t.uiInteraction({ surface: 'sidebar', control: 'search_button', action: 'click' });
  // @ts-expect-error a setting outside the vocabulary
  await t.settingsState({ page_title: true });
  // @ts-expect-error settings are booleans
  await t.settingsState({ dark_mode: 'yes' });
  // @ts-expect-error a marketplace outside the vocabulary
  await t.searchStarted({ trigger: 'context_menu', marketplace: 'amazon' });
  // @ts-expect-error a trigger is required
  await t.searchStarted({ marketplace: 'alibaba', pageUrl: 'https://example.com/' });
}
