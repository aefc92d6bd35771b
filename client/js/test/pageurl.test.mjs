// policy/pageurl's conformance corpus (its rule table as JSON, kept equal to
// the Go engine by that package's tests) run against the client's port: every
// input must generalize to the collector's output. The Go/JS differential test
// (cmd/sbiclientgen) covers 12,000 generated URLs more.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import { generalizeUrl } from '../sbi-telemetry.js';

const corpus = JSON.parse(
  fs.readFileSync(new URL('../../../policy/pageurl/testdata/conformance.json', import.meta.url), 'utf8'),
);

describe('URL conformance corpus (policy/pageurl/testdata/conformance.json)', () => {
  it('every case generalizes as in the collector', () => {
    assert.ok(corpus.length >= 100);
    const diffs = [];
    for (const c of corpus) {
      const got = generalizeUrl(c.in) ?? '';
      if (got !== c.want) diffs.push({ name: c.name, in: c.in, want: c.want, got });
    }
    assert.deepEqual(diffs, []);
  });

  it('generalizing is idempotent', () => {
    for (const c of corpus) {
      if (c.want !== '') assert.equal(generalizeUrl(c.want), c.want, c.name);
    }
  });
});
