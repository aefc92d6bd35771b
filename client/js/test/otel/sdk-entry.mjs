// The official OTel JS logs SDK and OTLP/HTTP exporter (0.223.1), as an
// extension would ship them: bundled with esbuild for the browser. emit()
// sends one event and reports the exporter's own verdict.
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

export async function emit(url, control) {
  const inner = new OTLPLogExporter({ url, timeoutMillis: 10_000 });
  const results = [];
  const exporter = {
    export(records, done) {
      try {
        inner.export(records, (r) => {
          results.push({ code: r.code, error: r.error ? String(r.error.message || r.error) : null });
          done(r);
        });
      } catch (e) {
        results.push({ code: 1, error: 'threw: ' + String((e && e.message) || e) });
        done({ code: 1, error: e });
      }
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.version': '3.2.1' }),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 50 })],
  });
  const thrown = [];
  try {
    provider.getLogger('sbi').emit({
      eventName: 'ui.interaction',
      attributes: { 'ui.surface': 'popup', 'ui.control': control, 'ui.action': 'click' },
    });
    await provider.forceFlush();
    await provider.shutdown();
  } catch (e) {
    thrown.push(String((e && e.message) || e));
  }
  return { results, thrown };
}
