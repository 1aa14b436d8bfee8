// AWS IAM callers (docs/contract.md §4): AWS has verified the SigV4 signature; this decides whether the ARN is listed.

/** A principal from ROTATOR_CLIENTS: a role (matching its sessions) or a user (matching exactly). */
export interface IamPrincipal {
  readonly kind: 'role' | 'user';
  readonly partition: string;
  readonly account: string;
  /** For a role, its name (the last segment: sessions carry no path); for a user, the path and name. */
  readonly name: string;
}

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const ACCOUNT = '([0-9]{12})';
// IAM names: letters, digits and +=,.@_- ; paths: /segment/ of the same, plus the slashes.
const NAME = '[A-Za-z0-9+=,.@_-]{1,64}';
const CONFIGURED = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:(role|user)/((?:${NAME}/)*)(${NAME})$`);
const ASSUMED_ROLE_SESSION = new RegExp(
  `^arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/(${NAME})/[A-Za-z0-9+=,.@_-]{2,64}$`,
);
const USER = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:user/((?:${NAME}/)*${NAME})$`);

export function parseIamPrincipal(arn: string): IamPrincipal | undefined {
  const match = CONFIGURED.exec(arn);
  if (!match) return undefined;
  // Every group takes part in a match: the defaults are for the type checker, and no input reaches them.
  // Stryker disable next-line StringLiteral: see above
  const [, partition = '', account = '', kind, path = '', name = ''] = match;
  return kind === 'role'
    ? { kind: 'role', partition, account, name }
    : { kind: 'user', partition, account, name: `${path}${name}` };
}

/** The principal a caller's ARN (as API Gateway or the Function URL reports it) is, if it is one of these. */
export function matchesIamPrincipal(callerArn: string, principal: IamPrincipal): boolean {
  const match = (principal.kind === 'role' ? ASSUMED_ROLE_SESSION : USER).exec(callerArn);
  if (!match) return false;
  const [, partition, account, name] = match;
  return partition === principal.partition && account === principal.account && name === principal.name;
}
