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
  };
}
const resources: Record<string, Resource> = template.Resources;
const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

const [rotate] = ofType('AWS::Lambda::Function').map(({ Properties }) => Properties);
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

if (failures.length > 0) {
  console.error(
    `The packaged template is missing:\n${failures.map((failure) => `  - ${failure}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  'The packaged template has the runtime, the route, the Function URL, the ledger table with least privilege, and no secret values.',
);
