/**
 * The preflight's resource-count check: the synthesized template fits CloudFormation's
 * resource limit. It reads what `npm run synth` wrote (`cdk.out/<stack>.template.json`), since
 * the CLI never builds the stack itself (DESIGN.md §5); the synth refuses a stack past the limit too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLOUDFORMATION_MAX_RESOURCES } from '#shared/contract/contract';
import type { CheckResult } from './verify-checks.ts';

/** Where `cdk synth` writes the templates (cdk.json's default output folder). */
export const CDK_OUT = 'cdk.out';

/** Reads a synthesized template's text; undefined when there is none. */
export type TemplateReader = (stackName: string) => Promise<string | undefined>;

/** Reads `cdk.out/<stack>.template.json` under the current folder. */
export const readSynthesizedTemplate: TemplateReader = async (stackName) => {
  try {
    return await readFile(join(CDK_OUT, `${stackName}.template.json`), 'utf8');
  } catch {
    return undefined;
  }
};

/** The synthesized stack has at most {@link CLOUDFORMATION_MAX_RESOURCES} resources. */
export async function checkResourceCount(
  read: TemplateReader,
  stackName: string,
  tenant: string,
): Promise<CheckResult> {
  const name = 'resource count';
  const synth = `npm run synth -- -c tenant=${tenant}`;
  const text = await read(stackName);
  if (text === undefined) return { name, outcome: 'skip', detail: `no synthesized ${stackName}: run ${synth} first` };
  let count: number;
  try {
    count = Object.keys((JSON.parse(text) as { Resources?: object }).Resources ?? {}).length;
  } catch {
    return { name, outcome: 'fail', detail: `${CDK_OUT}/${stackName}.template.json is not JSON: run ${synth} again` };
  }
  return count <= CLOUDFORMATION_MAX_RESOURCES
    ? { name, outcome: 'pass', detail: `${count} of CloudFormation's ${CLOUDFORMATION_MAX_RESOURCES} resources` }
    : {
        name,
        outcome: 'fail',
        detail: `${count} resources, over CloudFormation's ${CLOUDFORMATION_MAX_RESOURCES}: remove streams or sources, or split the tenant (docs/capacity.md)`,
      };
}
