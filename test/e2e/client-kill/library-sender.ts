/**
 * A tenant's script using the client library with a spool: sends records 0..count-1 of the kill
 * test, resuming after the last record its spool holds. Run: node --import tsx library-sender.ts <url> <token> <spool> <count>
 */
import { FileSpool } from '#clients/typescript/src/file-spool';
import { SluiceClient } from '#clients/typescript/src/index';
import { chaosRecord } from './kill-chaos.ts';

const [url = '', token = '', spool = '', total = '0'] = process.argv.slice(2);
const count = Number(total);
const client = new SluiceClient({
  url,
  token,
  streams: { events: { batch: true } },
  spool: new FileSpool(spool),
  maxAttempts: 30,
});
let next = Number((await client.resumeCursor()) ?? 0);
while (next < count) {
  const end = Math.min(count, next + 500);
  const records = Array.from({ length: end - next }, (_, offset) => chaosRecord(next + offset));
  await client.sendMany('events', records, { cursor: String(end) });
  next = end;
  process.stderr.write(`buffered ${next}\n`);
}
const result = await client.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.failed > 0 ? 1 : 0;
