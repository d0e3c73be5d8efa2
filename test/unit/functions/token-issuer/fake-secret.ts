/** An in-memory Secrets Manager secret with versions and staging labels, behind aws-sdk-client-mock. */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * The secret's versions: id → value and staging labels. A version without a value is one
 * that Secrets Manager announced as AWSPENDING before createSecret wrote it.
 */
export type SecretVersions = Map<string, { value: string | undefined; stages: string[] }>;

const notFound = (what: string) => new ResourceNotFoundException({ message: `${what} not found`, $metadata: {} });

/** Points a test file's Secrets Manager mock at `versions`, answering the calls the issuer functions make. */
export function fakeSecret(
  stub: AwsClientStub<SecretsManagerClient>,
  versions: SecretVersions,
  options: { rotationEnabled?: boolean } = {},
): void {
  stub.on(GetSecretValueCommand).callsFake((input: { VersionId?: string; VersionStage?: string }) => {
    const entry = [...versions.entries()].find(
      ([id, version]) =>
        version.value !== undefined &&
        (input.VersionId === undefined || input.VersionId === id) &&
        version.stages.includes(input.VersionStage ?? 'AWSCURRENT'),
    );
    if (!entry) throw notFound(`version ${input.VersionId ?? input.VersionStage}`);
    return { VersionId: entry[0], SecretString: entry[1].value };
  });
  stub
    .on(PutSecretValueCommand)
    .callsFake((input: { ClientRequestToken?: string; SecretString?: string; VersionStages?: string[] }) => {
      const id = input.ClientRequestToken ?? `v${versions.size + 1}`;
      const stages = input.VersionStages ?? ['AWSCURRENT'];
      for (const version of versions.values()) {
        version.stages = version.stages.filter((stage) => !stages.includes(stage));
        if (stages.includes('AWSCURRENT') && version.stages.length === 0) version.stages = ['AWSPREVIOUS'];
      }
      versions.set(id, { value: input.SecretString ?? '', stages });
      return { VersionId: id };
    });
  stub.on(DescribeSecretCommand).callsFake(() => ({
    RotationEnabled: options.rotationEnabled ?? true,
    VersionIdsToStages: Object.fromEntries([...versions.entries()].map(([id, version]) => [id, [...version.stages]])),
  }));
  stub
    .on(UpdateSecretVersionStageCommand)
    .callsFake((input: { VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) => {
      const from = input.RemoveFromVersionId ? versions.get(input.RemoveFromVersionId) : undefined;
      if (from) from.stages = [...from.stages.filter((stage) => stage !== input.VersionStage), 'AWSPREVIOUS'];
      const to = input.MoveToVersionId ? versions.get(input.MoveToVersionId) : undefined;
      if (!to) throw notFound(`version ${input.MoveToVersionId}`);
      to.stages = [...to.stages.filter((stage) => stage !== 'AWSPENDING'), input.VersionStage];
      return {};
    });
}
