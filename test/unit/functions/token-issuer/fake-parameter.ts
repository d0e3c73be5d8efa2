/** An in-memory SSM parameter store behind aws-sdk-client-mock. */
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** Parameter name → value. */
export type ParameterValues = Map<string, string>;

/** Points a test file's SSM mock at `parameters`, answering PutParameter and GetParameter. */
export function fakeParameters(stub: AwsClientStub<SSMClient>, parameters: ParameterValues): void {
  stub.on(PutParameterCommand).callsFake((input: { Name?: string; Value?: string; Overwrite?: boolean }) => {
    const name = input.Name ?? '';
    if (parameters.has(name) && !input.Overwrite) throw new Error(`parameter ${name} exists`);
    parameters.set(name, input.Value ?? '');
    return { Version: 1, Tier: 'Standard' };
  });
  stub.on(GetParameterCommand).callsFake((input: { Name?: string }) => {
    const value = parameters.get(input.Name ?? '');
    if (value === undefined) throw new ParameterNotFound({ message: `${input.Name} not found`, $metadata: {} });
    return { Parameter: { Name: input.Name, Type: 'String', Value: value } };
  });
}
