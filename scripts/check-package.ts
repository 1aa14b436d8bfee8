// Run after `npx serverless package`: the template deploys what the README promises, and holds no secret. The stage
// it was packaged for is the first argument (scripts/package.ts passes it): the secrets' names carry it.
import { readFileSync } from 'node:fs';

const stageName = process.argv[2] || 'dev';

const template = JSON.parse(readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'));
/** The properties this check reads, of the resource types it looks at. */
interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  Properties: {
    Runtime?: string;
    Architectures?: string[];
    ReservedConcurrentExecutions?: number;
    Handler?: string;
    Environment?: { Variables?: Record<string, string> };
    RouteKey?: string;
    AuthorizationType?: string;
    DefaultRouteSettings?: { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number };
    RetentionInDays?: number;
    BillingMode?: string;
    TimeToLiveSpecification?: { AttributeName?: string; Enabled?: boolean };
    Policies?: {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] };
    }[];
    RouteSettings?: Record<string, unknown>;
    Role?: unknown;
    Principal?: string;
    SourceAccount?: unknown;
    RotationLambdaARN?: unknown;
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    AlarmActions?: unknown[];
    EventPattern?: { detail?: { eventName?: string[] } };
    ScheduleExpression?: string;
    Targets?: { Arn: unknown }[];
  };
}
const resources: Record<string, Resource> = template.Resources;
const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

const FUNCTIONS = [
  'RotateLambdaFunction',
  'SyncLambdaFunction',
  'SecretsManagerRotationLambdaFunction',
  'TencentKeyRotationLambdaFunction',
];
check(
  ofType('AWS::Lambda::Function').length === FUNCTIONS.length &&
    FUNCTIONS.every((name) => resources[name]?.Type === 'AWS::Lambda::Function'),
  `its four functions: ${FUNCTIONS.join(', ')}`,
);
const rotate = resources.RotateLambdaFunction?.Properties;
check(rotate?.Runtime === 'nodejs24.x', 'the function runs on nodejs24.x');
check(rotate?.Architectures?.[0] === 'arm64', 'the function runs on arm64');
check(Number.isInteger(rotate?.ReservedConcurrentExecutions), 'the function has reserved concurrency');
check(rotate?.Handler === 'functions/rotate.handler', 'the handler is functions/rotate.handler');
const environment: Record<string, unknown> = rotate?.Environment?.Variables ?? {};
const smRotation = resources.SecretsManagerRotationLambdaFunction?.Properties;
const everyEnvironment = JSON.stringify(
  ofType('AWS::Lambda::Function').map(({ Properties }) => Properties.Environment?.Variables ?? {}),
);
check(
  !/TENCENTCLOUD_|ROTATOR_CLIENTS|\{\{resolve:/.test(everyEnvironment),
  "no function's configuration holds a secret, nor a dynamic reference that CloudFormation would resolve into it",
);
const statementsOf = (resource: Resource | undefined) =>
  resource?.Properties.Policies?.flatMap(({ PolicyDocument }) => PolicyDocument.Statement) ?? [];
// Least privilege: each function reads a secret of its own, and its role reads that one and no other function's.
const ownSecrets: [string, string, string][] = [
  ['RotateLambdaFunction', 'RotateRole', `teo-key-rotator/${stageName}`],
  ['SyncLambdaFunction', 'SyncRole', `teo-key-rotator/${stageName}/sync`],
  [
    'SecretsManagerRotationLambdaFunction',
    'SecretsManagerRotationRole',
    `teo-key-rotator/${stageName}/secrets-manager-rotation`,
  ],
];
for (const [fn, role, secret] of ownSecrets) {
  const reads = JSON.stringify(
    statementsOf(resources[role])
      .filter(({ Action }) => [Action].flat().includes('secretsmanager:GetSecretValue'))
      .map(({ Resource }) => Resource),
  );
  const others = ownSecrets
    .filter(([, , name]) => name !== secret)
    .map(([, , name]) => `:secret:${name}-??????`);
  check(
    resources[fn]?.Properties.Environment?.Variables?.ROTATOR_SECRET_ID === secret &&
      JSON.stringify(resources[fn]?.Properties.Role) === `{"Fn::GetAtt":["${role}","Arn"]}` &&
      reads.includes(`:secret:${secret}-??????`) &&
      others.every((other) => !reads.includes(other)),
    `${fn} reads its own secret (${secret}) through its own role, and no other function's`,
  );
}
// Every DynamoDB action the ledger's code calls is granted to the functions that read zone statuses and sync
// health (the list is the code's, so that a new call cannot ship without its grant), and sync may read its bound
// secrets in batches.
const ledgerActions = [
  ...readFileSync('lib/adapters/aws/dynamodb-ledger.ts', 'utf8').matchAll(/client\.call\('(\w+)'/g),
].map(([, action]) => `dynamodb:${action}`);
for (const role of ['RotateRole', 'SyncRole']) {
  const granted = statementsOf(resources[role]).flatMap(({ Action }) => [Action].flat());
  const missing = [...new Set(ledgerActions)].filter((action) => !granted.includes(action));
  check(missing.length === 0, `${role} may call every DynamoDB action the ledger does (missing: ${missing})`);
}
check(
  statementsOf(resources.SyncRole).some(
    ({ Action, Resource }) =>
      [Action].flat().includes('secretsmanager:BatchGetSecretValue') && Resource === '*',
  ),
  'SyncRole may read its bound secrets 20 to a BatchGetSecretValue call',
);
// docs/contract.md §3, keyless: only when the deployment asks for it, each function's role may mint web identity
// tokens, and only for the one audience, RS256, 60 seconds at most.
const keyless = resources.KeylessTokenPolicy as
  | (Resource & {
      Properties: { Roles?: unknown[]; PolicyDocument?: { Statement: { Condition?: unknown }[] } };
    })
  | undefined;
const keylessConditions = JSON.stringify(keyless?.Properties.PolicyDocument?.Statement[0]?.Condition ?? {});
check(
  keyless?.Condition === 'Keyless' &&
    JSON.stringify(keyless.Properties.Roles) ===
      '[{"Ref":"RotateRole"},{"Ref":"SyncRole"},{"Ref":"SecretsManagerRotationRole"}]' &&
    ['"sts:IdentityTokenAudience"', '"sts:DurationSeconds":60', '"sts:SigningAlgorithm":"RS256"'].every(
      (part) => keylessConditions.includes(part),
    ) &&
    JSON.stringify(template.Conditions?.Keyless) === '{"Fn::Equals":[{"Ref":"TencentAuth"},"oidc"]}',
  'keyless: sts:GetWebIdentityToken only with TENCENT_AUTH=oidc, for its audience, RS256 and 60 s at most, to the three roles',
);
// The Tencent key's own rotation: only the three functions' secrets, and a schedule on each only when asked for.
const keyRotationSecrets = JSON.stringify(
  statementsOf(resources.TencentKeyRotationRole)
    .filter(({ Action }) => [Action].flat().includes('secretsmanager:PutSecretValue'))
    .map(({ Resource }) => Resource),
);
check(
  [
    `teo-key-rotator/${stageName}-`,
    `teo-key-rotator/${stageName}/sync-`,
    `teo-key-rotator/${stageName}/secrets-manager-rotation-`,
  ].every((name) => keyRotationSecrets.includes(`:secret:${name}??????`)) &&
    (keyRotationSecrets.match(/:secret:/g) ?? []).length === 3 &&
    ['RotateKeySchedule', 'SyncKeySchedule', 'SecretsManagerRotationKeySchedule'].every(
      (name) => resources[name]?.Condition === 'RotateTencentKeys',
    ),
  "the Tencent key rotation touches the three functions' secrets only, each on a schedule only when one is set",
);
// Operations: a dashboard of the metrics and alarms, and the saved audit-line queries.
const dashboard = JSON.stringify(resources.OperationsDashboard?.Properties ?? {});
const dashboardBody = (
  resources.OperationsDashboard?.Properties as { DashboardBody?: { 'Fn::Sub'?: [string] } }
)?.DashboardBody?.['Fn::Sub']?.[0];
const parses = (text: string | undefined) => {
  try {
    return typeof JSON.parse(text ?? '') === 'object';
  } catch {
    return false;
  }
};
check(parses(dashboardBody?.replace(/\$\{[^}]+\}/g, 'x')), 'the dashboard body is JSON once its ARNs are in');
check(
  [
    'Rotations',
    'TeoLatency',
    'SyncDrift',
    'SyncNeedsAttention',
    'SyncDeferred',
    'LedgerFailures',
    'KeylessUnhealthy',
  ].every((metric) => dashboard.includes(metric)),
  'a dashboard of rotations by outcome, TEO latency, sync and keyless health',
);
// Each as the body's ARN variables name it: {"Fn::GetAtt": [alarm, "Arn"]}.
const onDashboard = (alarm: string) => dashboard.includes(JSON.stringify({ 'Fn::GetAtt': [alarm, 'Arn'] }));
const unconditionedAlarms = Object.entries(resources)
  .filter(([, { Type, Condition }]) => Type === 'AWS::CloudWatch::Alarm' && Condition === undefined)
  .map(([name]) => name);
check(
  unconditionedAlarms.length > 0 && unconditionedAlarms.every(onDashboard),
  `every alarm's state on the dashboard (missing: ${unconditionedAlarms.filter((alarm) => !onDashboard(alarm)).join(', ') || 'none'})`,
);
check(
  ofType('AWS::Logs::QueryDefinition').length === 2,
  'saved Logs Insights queries: who rotated a zone, every failed rotation',
);
// docs/contract.md §6: one fingerprint key per deployment, generated by the template and read by every function.
const fingerprintSecret = resources.FingerprintKeySecret;
const generated = (fingerprintSecret?.Properties as { GenerateSecretString?: { PasswordLength?: number } })
  ?.GenerateSecretString;
check(
  fingerprintSecret?.Type === 'AWS::SecretsManager::Secret' &&
    (generated?.PasswordLength ?? 0) >= 32 &&
    fingerprintSecret.DeletionPolicy === 'Retain',
  'the fingerprint key is generated by the template (at least 32 characters) and kept with the ledger',
);
for (const [fn, role] of ownSecrets) {
  check(
    JSON.stringify(resources[fn]?.Properties.Environment?.Variables?.ROTATOR_FINGERPRINT_SECRET_ID) ===
      '{"Ref":"FingerprintKeySecret"}' &&
      statementsOf(resources[role]).some(
        ({ Action, Resource }) =>
          [Action].flat().includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(Resource).includes('{"Ref":"FingerprintKeySecret"}'),
      ),
    `${fn} reads the deployment's fingerprint key through its own role`,
  );
}
// docs/contract.md §4: whoever may invoke the function directly can claim any IAM principal in a hand-written
// event. So no caller is ever granted lambda:InvokeFunction: no Function URL, and only AWS services may invoke.
check(
  ofType('AWS::Lambda::Url').length === 0,
  'no Function URL (its callers would need lambda:InvokeFunction)',
);
check(
  ofType('AWS::Lambda::Permission').every(({ Properties }) =>
    ['apigateway.amazonaws.com', 'secretsmanager.amazonaws.com', 'events.amazonaws.com'].includes(
      Properties.Principal ?? '',
    ),
  ),
  'only API Gateway, Secrets Manager and EventBridge may invoke the functions',
);
const routes = ofType('AWS::ApiGatewayV2::Route').map(({ Properties }) => Properties);
check(
  routes.some((route) => route.RouteKey === 'POST /rotate' && route.AuthorizationType === undefined),
  'an HTTP API route POST /rotate for bearer and webhook callers',
);
check(
  routes.some((route) => route.RouteKey === 'POST /iam/rotate' && route.AuthorizationType === 'AWS_IAM'),
  'an HTTP API route POST /iam/rotate with AWS_IAM auth for IAM callers',
);
const stage = resources.HttpApiStage?.Properties.DefaultRouteSettings;
check(
  Number.isInteger(stage?.ThrottlingRateLimit) && Number.isInteger(stage?.ThrottlingBurstLimit),
  'the HTTP API stage throttles requests (rate and burst)',
);
const [table] = ofType('AWS::DynamoDB::Table').map(({ Properties }) => Properties);
check(table?.BillingMode === 'PAY_PER_REQUEST', 'a DynamoDB ledger table with on-demand billing');
check(table?.TimeToLiveSpecification?.AttributeName === 'expiresAt', 'TTL on the ledger table (expiresAt)');
check(
  JSON.stringify(environment.ROTATOR_TABLE) === '{"Ref":"RotationLedger"}',
  'ROTATOR_TABLE names the ledger table',
);
const dynamoActions = ofType('AWS::IAM::Role')
  .flatMap(statementsOf)
  .filter(({ Action }) => [Action].flat().some((action) => action.startsWith('dynamodb:')));
check(
  dynamoActions.length > 0 &&
    dynamoActions.every(
      ({ Action, Resource }) =>
        [Action].flat().every((action) => ledgerActions.includes(action)) &&
        JSON.stringify(Resource).includes('RotationLedger'),
    ),
  'DynamoDB permissions limited to the calls the ledger makes (no DeleteItem), on its table',
);
check(
  ofType('AWS::Logs::LogGroup').every(({ Properties }) => Number.isInteger(Properties.RetentionInDays)),
  'every log group has a retention period',
);

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
check(
  statementsOf(resources.SecretsManagerRotationRole).some(
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

// docs/contract.md §6: who is told, and of what.
check(
  resources.AlarmTopic?.Type === 'AWS::SNS::Topic' && resources.AlarmTopic.Condition === 'CreateAlarmTopic',
  'an SNS topic for the alarms (unless a topic ARN is given)',
);
const alarms = ofType('AWS::CloudWatch::Alarm').map(({ Properties }) => Properties);
const alarmOn = (namespace: string, metric: string, dimension: string) =>
  alarms.some(
    (alarm) =>
      alarm.Namespace === namespace &&
      alarm.MetricName === metric &&
      JSON.stringify(alarm.Dimensions).includes(dimension) &&
      JSON.stringify(alarm.AlarmActions).includes('AlarmTopic'),
  );
check(alarmOn('TeoKeyRotator', 'Rotations', '"failed"'), 'an alarm on failed rotations and syncs');
check(
  alarmOn('TeoKeyRotator', 'Rotations', '"invalid-value"'),
  'an alarm on invalid values in bound secrets',
);
for (const metric of ['LedgerFailures', 'SyncDrift', 'SyncNeedsAttention', 'KeylessUnhealthy']) {
  check(alarmOn('TeoKeyRotator', metric, '"service"'), `an alarm on ${metric}`);
}
for (const fn of ['RotateLambdaFunction', 'SecretsManagerRotationLambdaFunction']) {
  for (const metric of ['Errors', 'Throttles']) {
    check(alarmOn('AWS/Lambda', metric, fn), `an alarm on the ${metric.toLowerCase()} of ${fn}`);
  }
}
check(
  ofType('AWS::Events::Rule').some(
    ({ Properties }) =>
      Properties.EventPattern?.detail?.eventName?.includes('RotationFailed') === true &&
      JSON.stringify(Properties.Targets).includes('AlarmTopic'),
  ),
  'a notification of failed Secrets Manager rotations',
);
const putEvents = ofType('AWS::IAM::Role')
  .flatMap(statementsOf)
  .filter(({ Action }) => [Action].flat().includes('events:PutEvents'));
check(
  putEvents.length === 3 &&
    putEvents.every(
      ({ Resource, Condition }) =>
        JSON.stringify(Resource).endsWith(':event-bus/default"}') &&
        JSON.stringify(Condition) ===
          '{"StringEquals":{"events:source":"teo-key-rotator","events:detail-type":"Gateway Key Rotated"}}',
    ),
  "the three roles may put events on the default bus, and only the rotator's own",
);
const logWrites = ofType('AWS::IAM::Role')
  .flatMap(statementsOf)
  .filter(({ Action }) => [Action].flat().some((action) => action.startsWith('logs:')));
check(
  logWrites.length === ofType('AWS::Lambda::Function').length &&
    logWrites.every(({ Resource }) => !JSON.stringify(Resource).includes(`${stageName}*`)),
  "each role writes only its own function's log group",
);
const routeSettings = JSON.stringify(resources.HttpApiStage?.Properties.RouteSettings ?? {});
check(
  [
    'POST /rotate',
    'POST /iam/rotate',
    'GET /zones/{zoneId}',
    'POST /sync/doppler',
    'POST /sync/infisical',
  ].every((route) => routeSettings.includes(`"${route}":{"ThrottlingRateLimit"`)),
  'each route has a throttle of its own',
);
const asyncInvoke = ofType('AWS::Lambda::EventInvokeConfig').map(({ Properties }) =>
  JSON.stringify(Properties),
);
check(
  asyncInvoke.some(
    (config) =>
      config.includes('SyncLambdaFunction') &&
      config.includes('"MaximumRetryAttempts":2') &&
      config.includes('"OnFailure":{"Destination":{"Fn::GetAtt":["SyncDeadLetterQueue","Arn"]}}'),
  ) &&
    statementsOf(resources.SyncRole).some(
      ({ Action, Resource }) =>
        Action === 'sqs:SendMessage' && JSON.stringify(Resource).includes('SyncDeadLetterQueue'),
    ),
  "a sync run that fails Lambda's asynchronous retries goes to the dead-letter queue (its on-failure destination)",
);
check(
  environment.ROTATOR_EVENT_BUS === 'default' &&
    smRotation?.Environment?.Variables?.ROTATOR_EVENT_BUS === 'default',
  'both functions announce rotations on the default bus',
);
check(
  routes.some((route) => route.RouteKey === 'GET /zones/{zoneId}' && route.AuthorizationType === undefined) &&
    routes.some(
      (route) => route.RouteKey === 'GET /iam/zones/{zoneId}' && route.AuthorizationType === 'AWS_IAM',
    ),
  'the zone status routes, GET /zones/{zoneId} and its AWS_IAM twin',
);
for (const name of [
  'RotationLedger',
  'RotateLogGroup',
  'SecretsManagerRotationLogGroup',
  'ExampleGatewayKeySecret',
]) {
  check(resources[name]?.DeletionPolicy === 'Retain', `${name} is kept when the stack is removed`);
}

// docs/contract.md §8: sync's triggers, retried and dead-lettered, and watched.
check(resources.SyncLambdaFunction?.Properties.Handler === 'functions/sync.handler', 'the sync function');
check(
  routes.some((route) => route.RouteKey === 'POST /sync/doppler') &&
    routes.some((route) => route.RouteKey === 'POST /sync/infisical'),
  'the sync webhooks, POST /sync/doppler and POST /sync/infisical',
);
const rules = ofType('AWS::Events::Rule').map(({ Properties }) => JSON.stringify(Properties));
check(
  rules.some(
    (rule) =>
      rule.includes('Secret Label Updated') &&
      rule.includes('RetryPolicy') &&
      rule.includes('SyncDeadLetterQueue'),
  ),
  'an EventBridge rule for bound secrets changing, with a retry policy and a dead-letter queue',
);
check(
  rules.some((rule) => rule.includes('ScheduleExpression') && rule.includes('Scheduled Event')),
  'the reconcile schedule',
);
check(
  alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'SyncDeadLetterQueue'),
  'an alarm on the sync dead-letter queue',
);
check(alarmOn('AWS/Lambda', 'Errors', 'SyncLambdaFunction'), 'an alarm on the errors of the sync function');

if (failures.length > 0) {
  console.error(
    `The packaged template is missing:\n${failures.map((failure) => `  - ${failure}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `The packaged template (stage ${stageName}) has its four functions, their routes (IAM callers behind AWS_IAM), no Function URL, the ledger table, the Secrets Manager rotations, the alarms and their topic, the dashboard and queries, with least privilege, retained state and no secret values.`,
);
