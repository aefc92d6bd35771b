// Reads a JSON array of URLs on stdin and writes the client's generalization
// of each (null when dropped) as a JSON array: the JS half of the Go
// differential test (cmd/sbiclientgen). With --suffix it writes icannSuffix
// of each host instead.
import { generalizeUrl, icannSuffix } from '../../sbi-telemetry.js';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const inputs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const f = process.argv.includes('--suffix') ? icannSuffix : generalizeUrl;
process.stdout.write(JSON.stringify(inputs.map((s) => f(s))));
