// The URL conformance corpus (testdata/pageurl-corpus.json, written by
// cmd/sbiclientgen with the collector's policy/pageurl) run against the
// client's port: every input must generalize to the collector's output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

import { POLICY_VERSION, generalizeUrl } from '../sbi-telemetry.js';

const corpus = JSON.parse(fs.readFileSync(new URL('../testdata/pageurl-corpus.json', import.meta.url), 'utf8'));

describe('URL conformance corpus', () => {
  it('was generated from the same policy as the client', () => {
    assert.equal(corpus.policyVersion, POLICY_VERSION);
    assert.ok(corpus.cases.length >= 500);
  });

  it('every case generalizes as in the collector', () => {
    const diffs = [];
    for (const c of corpus.cases) {
      const got = generalizeUrl(c.in);
      if (got !== c.out) diffs.push({ in: c.in, want: c.out, got });
    }
    assert.deepEqual(diffs, []);
  });

  it('generalizing is idempotent', () => {
    for (const c of corpus.cases) {
      if (c.out !== null) assert.equal(generalizeUrl(c.out), c.out, c.in);
    }
  });
});
