// Run after `npx serverless package`: the template deploys what the README promises, and holds no secret.
import { readFileSync } from 'node:fs';

const template = JSON.parse(readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'));
/** The properties this check reads, of the resource types it looks at. */
interface Resource {
  Type: string;
  Properties: {
    Runtime?: string;
    Architectures?: string[];
    ReservedConcurrentExecutions?: number;
    Handler?: string;
    Environment?: { Variables?: Record<string, string> };
    AuthType?: string;
    RouteKey?: string;
    RetentionInDays?: number;
    BillingMode?: string;
    TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
    Policies?: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[];
    Role?: unknown;
    Principal?: string;
    SourceAccount?: unknown;
    RotationLambdaARN?: unknown;
  };
}
const resources: Record<string, Resource> = template.Resources;
const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

const rotate = resources.RotateLambdaFunction?.Properties;
check(rotate?.Runtime === 'nodejs24.x', 'the function runs on nodejs24.x');
check(rotate?.Architectures?.[0] === 'arm64', 'the function runs on arm64');
check(Number.isInteger(rotate?.ReservedConcurrentExecutions), 'the function has reserved concurrency');
check(rotate?.Handler === 'functions/rotate.handler', 'the handler is functions/rotate.handler');
const environment: Record<string, unknown> = rotate?.Environment?.Variables ?? {};
for (const name of ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY', 'ROTATOR_CLIENTS']) {
  check(
    /^\{\{resolve:secretsmanager:[^}]+\}\}$/.test(String(environment[name])),
    `${name} is a Secrets Manager dynamic reference, not a value`,
  );
}
check(
  ofType('AWS::Lambda::Url').some(({ Properties }) => Properties.AuthType === 'AWS_IAM'),
  'a Function URL with AWS_IAM auth',
);
check(
  ofType('AWS::ApiGatewayV2::Route').some(({ Properties }) => Properties.RouteKey === 'POST /rotate'),
  'an HTTP API route POST /rotate',
);
const [table] = ofType('AWS::DynamoDB::Table').map(({ Properties }) => Properties);
check(table?.BillingMode === 'PAY_PER_REQUEST', 'a DynamoDB ledger table with on-demand billing');
check(table?.TimeToLiveSpecification?.AttributeName === 'expiresAt', 'TTL on the ledger table (expiresAt)');
check(
  JSON.stringify(environment.ROTATOR_TABLE) === '{"Ref":"RotationLedger"}',
  'ROTATOR_TABLE names the ledger table',
);
const dynamoActions = ofType('AWS::IAM::Role')
  .flatMap(({ Properties }) => Properties.Policies ?? [])
  .flatMap(({ PolicyDocument }) => PolicyDocument.Statement)
  .filter(({ Action }) => [Action].flat().some((action) => action.startsWith('dynamodb:')));
check(
  dynamoActions.length > 0 &&
    dynamoActions.every(
      ({ Action, Resource }) =>
        [Action].flat().every((action) => /^dynamodb:(Get|Put|Update|Delete)Item$/.test(action)) &&
        JSON.stringify(Resource).includes('RotationLedger'),
    ),
  'DynamoDB permissions limited to item reads and writes on the ledger table',
);
check(
  ofType('AWS::Logs::LogGroup').every(({ Properties }) => Number.isInteger(Properties.RetentionInDays)),
  'every log group has a retention period',
);

const smRotation = resources.SecretsManagerRotationLambdaFunction?.Properties;
check(smRotation?.Runtime === 'nodejs24.x', 'the Secrets Manager rotation function runs on nodejs24.x');
check(
  JSON.stringify(smRotation?.Role) === '{"Fn::GetAtt":["SecretsManagerRotationRole","Arn"]}',
  'the Secrets Manager rotation function has a role of its own',
);
check(
  smRotation?.Environment?.Variables?.ROTATOR_CLIENTS === undefined &&
    'ROTATOR_SM_ZONES' in (smRotation?.Environment?.Variables ?? {}) &&
    smRotation?.Environment?.Variables?.ROTATOR_SM_SECRET_PREFIX === 'teo-key-rotator/zones/',
  "the Secrets Manager rotation function gets ROTATOR_SM_ZONES and the secret prefix that binds a secret to its zone, and never the callers' credentials",
);
const smStatements =
  resources.SecretsManagerRotationRole?.Properties.Policies?.flatMap(
    ({ PolicyDocument }) => PolicyDocument.Statement,
  ) ?? [];
check(
  smStatements.some(
    ({ Action, Resource }) =>
      [Action].flat().join() ===
        'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue,secretsmanager:PutSecretValue,secretsmanager:UpdateSecretVersionStage' &&
      JSON.stringify(Resource).includes(':secret:teo-key-rotator/zones/*'),
  ),
  'the rotation role reaches only the rotation actions on secrets under the prefix',
);
check(
  ofType('AWS::Lambda::Permission').some(
    ({ Properties }) =>
      Properties.Principal === 'secretsmanager.amazonaws.com' &&
      JSON.stringify(Properties.SourceAccount) === '{"Ref":"AWS::AccountId"}',
  ),
  "an invoke permission for Secrets Manager, limited to this account's secrets",
);
check(
  ofType('AWS::SecretsManager::RotationSchedule').some(({ Properties }) =>
    JSON.stringify(Properties.RotationLambdaARN).includes('SecretsManagerRotationLambdaFunction'),
  ),
  'an example secret rotated on a schedule by the function',
);

if (failures.length > 0) {
  console.error(
    `The packaged template is missing:\n${failures.map((failure) => `  - ${failure}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  'The packaged template has both functions, the route, the Function URL, the ledger table and the Secrets Manager rotation, with least privilege and no secret values.',
);
