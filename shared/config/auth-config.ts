/**
 * Who may post: the stack's own token issuer (`issuer: 'self'`, with its key lifetimes and key
 * readers) or an external OIDC issuer with its audiences.
 */
import * as v from 'valibot';
import { positiveInteger } from './positive-integer.ts';
import { strictEntries } from './strict-entries.ts';

/** IAM role and user ARNs, as `aws:PrincipalArn` names a role session's role or a user. */
export const IAM_PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(?:role|user)\/[\w+=,.@/-]{1,512}$/;

/**
 * Key readers given on a command line (`<arn>,<arn>`, or a list from cdk.json): trimmed, empty
 * entries dropped, duplicates removed, and each one that is not an IAM role or user ARN named in
 * `problems` under `flag`, the way the command line spelled it.
 */
export function parseKeyReaderList(
  value: string | readonly unknown[],
  flag: string,
): { readonly arns: string[]; readonly problems: string[] } {
  const listed = typeof value === 'string' ? value.split(',') : value;
  const arns = [...new Set(listed.map((arn) => String(arn).trim()).filter((arn) => arn.length > 0))];
  const problems = arns
    .filter((arn) => !IAM_PRINCIPAL_ARN_PATTERN.test(arn))
    .map(
      (arn) =>
        `${flag}: ${JSON.stringify(arn.slice(0, 200))} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)`,
    );
  return { arns, problems };
}
export const SelfIssuerSchema = strictEntries(
  {
    issuer: v.literal('self'),
    /** Longest lifetime of a token the CLI will sign; old public keys stay this long after a rotation. */
    maxTokenDays: v.optional(positiveInteger(365, 'maxTokenDays'), 30),
    /** Days between signing-key rotations. */
    rotationDays: v.optional(positiveInteger(365, 'rotationDays'), 90),
    /**
     * IAM role or user ARNs that may read the signing keys besides the issuer's own functions, such as
     * the role that runs `sluice token create --stack`. Everyone else is denied (ADR 0005).
     */
    keyReaders: v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.string(),
            v.regex(
              IAM_PRINCIPAL_ARN_PATTERN,
              'a key reader must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)',
            ),
          ),
        ),
        v.readonly(),
      ),
      [],
    ),
  },
  'auth',
);

const ExternalIssuerSchema = strictEntries(
  {
    issuer: v.pipe(
      v.string(),
      v.url('issuer must be "self" or an https URL'),
      v.startsWith('https://', 'issuer must be "self" or an https URL'),
    ),
    audience: v.pipe(
      v.array(v.pipe(v.string(), v.nonEmpty('an audience must not be empty'))),
      v.minLength(1, 'audience needs at least one value'),
      v.readonly(),
    ),
  },
  'auth',
);

export const AuthSchema = v.variant(
  'issuer',
  [v.pipe(SelfIssuerSchema, v.readonly()), v.pipe(ExternalIssuerSchema, v.readonly())],
  'auth must be { issuer: "self" } or { issuer: "https://…", audience: [...] }',
);
