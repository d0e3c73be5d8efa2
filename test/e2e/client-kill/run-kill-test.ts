/**
 * The full kill test (issue 26): 100,000 records, sender and dev server each killed several
 * times. Run: node --import tsx test/e2e/client-kill/run-kill-test.ts [cli|library] [records] [sender kills] [server kills]
 */
import { runKillChaos } from './kill-chaos.ts';

const [sender = 'cli', records = '100000', senderKills = '3', serverKills = '3'] = process.argv.slice(2);
if (sender !== 'cli' && sender !== 'library') throw new Error('the sender is cli or library');
const counts = await runKillChaos({
  sender,
  records: Number(records),
  senderKills: Number(senderKills),
  serverKills: Number(serverKills),
  random: Math.random,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ sender, ...counts })}\n`);
process.exitCode = counts.duplicated === 0 && counts.missing === 0 ? 0 : 1;
