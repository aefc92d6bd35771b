// The TypeScript types (sbi-telemetry.d.ts, unions generated from the policy)
// compile a typical use under --strict and reject out-of-vocabulary values
// (each @ts-expect-error in test/types/usage.ts must find an error).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';

import { clientDir } from './harness.mjs';

it('sbi-telemetry.d.ts type-checks the API and rejects values outside the vocabulary', async () => {
  const tsc = path.join(clientDir, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--skipLibCheck', 'false', path.join(clientDir, 'test', 'types', 'usage.ts')];
  const r = await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: clientDir }).then(
    (x) => ({ code: 0, out: x.stdout + x.stderr }),
    (e) => ({ code: e.code, out: (e.stdout || '') + (e.stderr || '') }),
  );
  assert.equal(r.code, 0, r.out);
});
