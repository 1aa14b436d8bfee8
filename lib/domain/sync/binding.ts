// docs/contract.md §8: a binding says "zone Z's gateway key is the secret S in manager M".

export type SecretLocation =
  /** The secret's SecretString, or one field of it as JSON. */
  | { readonly kind: 'aws-secrets-manager'; readonly secretArn: string; readonly field?: string | undefined }
  | {
      readonly kind: 'doppler';
      readonly apiUrl: string;
      readonly project: string;
      readonly config: string;
      readonly name: string;
    }
  | {
      readonly kind: 'infisical';
      readonly siteUrl: string;
      readonly projectId: string;
      readonly environment: string;
      readonly secretPath: string;
      readonly name: string;
    };

export interface Binding {
  /** The binding's name in audit lines: the zone it keeps. */
  readonly zoneId: string;
  readonly source: SecretLocation;
}
