// Where the example sends its telemetry. The browser tests overwrite this file
// in their copy of the extension; a real extension hard-codes its collector.
export const TELEMETRY = {
  endpoint: 'http://127.0.0.1:4318/v1/events',
};
