/** CloudFormation output keys of a tenant stack; the CLI reads them to reach a deployed stack. */
export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  bucket: 'LandingBucketName',
  signingKeySecret: 'SigningKeySecretName',
  issuer: 'TokenIssuer',
} as const;

/** Output key of one stream's delivery stream name. */
export function deliveryStreamOutput(streamId: string): string {
  return `DeliveryStream${streamId.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** The stack name of a tenant: `Sluice-<tenant>`. */
export function tenantStackName(tenant: string): string {
  return `Sluice-${tenant}`;
}
