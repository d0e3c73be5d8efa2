/** Prints one line per check and the verdict of `sluice verify` and its preflight. */
import type { CliIo } from '../cli-io.ts';
import type { CheckResult } from './verify-checks.ts';

const SYMBOLS: Record<CheckResult['outcome'], string> = { pass: '✔', fail: '✘', skip: '–' };

/** Prints check lines and counts them; masks the token should any answer echo it. */
export function checkReporter(io: CliIo, title = 'verify') {
  const counts = { pass: 0, fail: 0, skip: 0 };
  let secret: string | undefined;
  return {
    hide(token: string) {
      secret = token;
    },
    report(result: CheckResult) {
      counts[result.outcome] += 1;
      const detail = secret ? result.detail.replaceAll(secret, '<token>') : result.detail;
      io.stdout(`${SYMBOLS[result.outcome]} ${result.name.padEnd(16)} ${detail}\n`);
    },
    verdict(): number {
      const total = counts.pass + counts.fail;
      const skipped = counts.skip > 0 ? ` (${counts.skip} skipped)` : '';
      io.stdout(
        counts.fail === 0
          ? `\n${title}: PASS, ${total} of ${total} checks passed${skipped}\n`
          : `\n${title}: FAIL, ${counts.fail} of ${total} checks failed${skipped}\n`,
      );
      return counts.fail === 0 ? 0 : 1;
    },
  };
}
