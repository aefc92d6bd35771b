// Emits a fixed set of extension events through the real OpenTelemetry JS logs
// SDK (BatchLogRecordProcessor + OTLP/HTTP JSON exporter) to the URL given as the
// first argument, then flushes, shuts down and exits. Exit code 0 only when
// every export succeeded.
//
//   node emit.mjs http://127.0.0.1:4318/v1/logs [gzip]
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

const url = process.argv[2];
const compression = process.argv[3] === 'gzip' ? 'gzip' : 'none';
if (!url) {
  console.error('usage: node emit.mjs <url> [gzip]');
  process.exit(2);
}

const inner = new OTLPLogExporter({ url, compression, timeoutMillis: 10000 });
let failure = null;
let exports = 0;
// Wraps the exporter to learn the outcome of each export; the SDK itself only
// reports failures to its diagnostic logger.
const exporter = {
  export(records, done) {
    inner.export(records, (result) => {
      exports++;
      if (result.code !== 0) failure = result.error ?? new Error('export failed');
      done(result);
    });
  },
  forceFlush: () => inner.forceFlush(),
  shutdown: () => inner.shutdown(),
};

const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'sbi-extension', 'service.version': '3.2.1' }),
  processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 50 })],
});
const logger = provider.getLogger('sbi-extension-ui', '3.2.1');

logger.emit({
  eventName: 'ui.interaction',
  severityNumber: 9,
  attributes: { 'ui.surface': 'popup', 'ui.control': 'search_button', 'ui.action': 'click' },
});
// Older SDKs and hand-written code put the name in an attribute.
logger.emit({
  attributes: { 'event.name': 'settings.state', 'setting.open_in_new_tab': true },
});
logger.emit({
  eventName: 'search.started',
  attributes: {
    'search.trigger': 'context_menu',
    'search.marketplace': 'aliexpress',
    'url.full': 'https://www.example.com/item/1005006123456789.html?spm=abc',
  },
});

await provider.forceFlush();
await provider.shutdown();
if (failure) {
  console.error(`export failed: ${failure.message ?? failure}`);
  process.exit(1);
}
if (exports === 0) {
  console.error('nothing was exported');
  process.exit(1);
}
console.log(`exported in ${exports} request(s)`);
