/**
 * Tenant job slots in the synthesized stack: the table, the grants, the ASL of the slot states
 * (asl-validator, and a walk of every path proving that each submit holds a slot and no path ends
 * a job while holding one, for every JobPoller variant), cdk-nag, and the deployed cleaner
 * releasing an ended execution's slots in a real DynamoDB (dynalite).
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../lambdas/cleanup/stop-unfinished-jobs';
import { buildApp } from '../lib/app';
import { pollingSchema, retrySchema } from '../lib/config/common';
import { parseConfig } from '../lib/config/load';
import { slotPoolSchema } from '../lib/config/slot-pools';
import { JobPoller } from '../lib/constructs/job-poller';
import { JobSlotTable } from '../lib/constructs/job-slots';
import { createLocalTable, LocalDynamoDb, localDynamoDbClient, readLocalSlotPool } from '../lib/local/dynamodb';
import { flatten, pipelinesOf, slotTableOf, type AslDefinition, type AslState, type CfnTemplate } from '../lib/local/synthesized';
import { handlerRef, type JobSpec } from '../lib/providers/job-spec';

const pipelineYaml = (name: string, pool?: string) => `
  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
${pool ? `    slotPool: ${pool}\n` : ''}    steps:
      - kind: refreshUnifiedDataset
        project: "1"
      - kind: populateRecipe
        recipeId: "2"
      - kind: refreshRecordPairs
        project: "1"
`;
const pooledConfig = () =>
  parseConfig(`slotPools:\n  - name: acme-tenant\n    limit: 5\npipelines:${pipelineYaml('orders', 'acme-tenant')}${pipelineYaml('customers', 'acme-tenant')}${pipelineYaml('ad-hoc')}`, 'pooled.yaml');

describe('slot pools in the config', () => {
  it('take defaults (Tamr Cloud\'s limit of 5, 60 s waits, 4 hours at most) and are named by pipelines of any system', () => {
    const config = parseConfig(`slotPools:\n  - name: acme-tenant\n  - { name: other, limit: 2, waitSeconds: 10, maxWaitMinutes: 15 }\npipelines:${pipelineYaml('orders', 'acme-tenant')}${pipelineYaml('ad-hoc')}`, 'pools.yaml');
    expect(config.slotPools).toEqual([
      { name: 'acme-tenant', limit: 5, waitSeconds: 60, maxWaitMinutes: 240 },
      { name: 'other', limit: 2, waitSeconds: 10, maxWaitMinutes: 15 },
    ]);
    expect(config.pipelines.map((p) => p.slotPool)).toEqual(['acme-tenant', undefined]);
  });

  it('are optional', () => {
    expect(parseConfig(`pipelines:${pipelineYaml('solo')}`, 'solo.yaml').slotPools).toEqual([]);
  });
});

describe('the slot table and its grants', () => {
  let template: Template;
  let raw: CfnTemplate;
  beforeAll(() => {
    template = Template.fromStack(buildApp({ config: pooledConfig(), bundle: false }).stack);
    raw = template.toJSON() as CfnTemplate;
  });
  // The slot table (the stack may also have the StepDurations table of learned polling).
  const slotTables = (t: CfnTemplate) => Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table' && JSON.stringify(r.Metadata ?? {}).includes('continuum:job-slots'));
  const tableId = () => slotTables(raw)[0][0];
  const policiesOf = (roleIdPart: string) =>
    Object.values(raw.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties!.Roles).includes(roleIdPart))
      .flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement);

  it('is one on-demand table keyed by pool, with point-in-time recovery and KMS encryption, deleted with the stack', () => {
    expect(slotTables(raw)).toHaveLength(1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'pool', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pool', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Delete',
      Metadata: Match.objectLike({ 'continuum:job-slots': { pools: ['acme-tenant'] } }),
    });
    expect(slotTableOf(raw)).toMatchObject({ tableName: tableId(), pools: ['acme-tenant'] });
  });

  it('lets a pooled pipeline update the table (nothing else on it), and an unpooled one not touch it', () => {
    for (const [pipeline, pooled] of [['Orders', true], ['Customers', true], ['AdHoc', false]] as const) {
      const dynamo = policiesOf(`${pipeline}StateMachineRole`).filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')) && JSON.stringify(s.Resource).includes(tableId()));
      if (!pooled) {
        expect(dynamo).toEqual([]);
        continue;
      }
      expect(dynamo).toHaveLength(1);
      expect(dynamo[0].Action).toBe('dynamodb:UpdateItem');
      // arn:<partition>:dynamodb:<region>:<account>:table/<the slot table>, nothing wider.
      const resource = JSON.stringify(dynamo[0].Resource);
      expect(resource).toContain(`":table/",{"Ref":"${tableId()}"}`);
      expect(resource).not.toContain('*');
    }
  });

  it('has the cleaner run on every early end, knowing the table and pools, allowed GetItem and UpdateItem on the table only', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: Match.anyValue() } }),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ExecutionCleanupStopUnfinishedJobs'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JOB_SLOTS_TABLE: { Ref: tableId() }, JOB_SLOT_POOLS: 'acme-tenant' }) },
    });
    const dynamo = policiesOf('ExecutionCleanupStopUnfinishedJobsRole').filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [{ 'Fn::GetAtt': [tableId(), 'Arn'] }] }]);
  });

  it('is absent when no pipeline names a pool', () => {
    const plain = Template.fromStack(buildApp({ config: parseConfig(`slotPools: [{ name: unused }]\npipelines:${pipelineYaml('solo')}`, 'plain.yaml'), bundle: false }).stack);
    expect(slotTables(plain.toJSON() as CfnTemplate)).toEqual([]);
  });

  it('writes the acquire, check and release updates the design describes', () => {
    const definition = pipelinesOf(raw, pooledConfig()).get('orders')!.definition;
    const holder = "States.Format('{}#refreshRecordPairs', $$.Execution.Id)";
    expect(definition.States['Acquire tenant job slot for record pairs']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:updateItem',
      Parameters: {
        TableName: tableId(),
        Key: { pool: { S: 'acme-tenant' } },
        UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #limit = :limit, #holder = :now',
        ConditionExpression: 'attribute_not_exists(#holder) AND (attribute_not_exists(#count) OR #count < :limit)',
        ExpressionAttributeNames: { '#count': 'count', '#limit': 'limit', '#holder.$': holder },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':limit': { N: '5' }, ':now': { 'S.$': '$$.State.EnteredTime' } },
      },
      Next: 'Refresh record pairs',
    });
    // Not retried: a failed condition means the pool is full (back to waiting, no check); any
    // other error may hide a write, so the check (which is retried) finds out.
    const acquire = definition.States['Acquire tenant job slot for record pairs'];
    expect(acquire.Retry).toBeUndefined();
    expect(acquire.Catch).toEqual([
      { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'Keep waiting for a slot for record pairs' },
      { ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Check tenant job slot for record pairs' },
    ]);
    expect(definition.States['Check tenant job slot for record pairs']).toMatchObject({
      Parameters: { UpdateExpression: 'SET #holder = #holder', ConditionExpression: 'attribute_exists(#holder)', ExpressionAttributeNames: { '#holder.$': holder } },
      Retry: [
        { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 },
        expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 4 }),
      ],
      Catch: [
        expect.objectContaining({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'Keep waiting for a slot for record pairs' }),
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Release tenant job slot (Record pairs request failed)' },
      ],
      Next: 'Refresh record pairs',
    });
    expect(definition.States['Waiting for a tenant job slot for record pairs']).toMatchObject({ Type: 'Wait', SecondsPath: '$.slot.wait', Next: 'Acquire tenant job slot for record pairs' });
    expect(definition.States['No tenant job slot for record pairs']).toMatchObject({ Type: 'Fail', Error: 'SlotWaitTimedOut' });
    expect(definition.States['Release tenant job slot (Record pairs done)']).toMatchObject({
      Parameters: {
        UpdateExpression: 'SET #count = #count - :one REMOVE #holder',
        ConditionExpression: 'attribute_exists(#holder)',
        ExpressionAttributeNames: { '#count': 'count', '#holder.$': holder },
      },
      Catch: [
        { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'Record pairs done' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.slotFailure', Next: 'Tenant job slot not released for record pairs' },
      ],
      Next: 'Record pairs done',
    });
    // After a failure a release error does not hide the job's own error.
    expect(definition.States['Release tenant job slot (Record pairs failed)']).toMatchObject({ Catch: [expect.anything(), expect.objectContaining({ Next: 'Record pairs failed' })] });
  });

  it('adds the longest slot wait to the execution timeout', () => {
    const definitions = pipelinesOf(raw, pooledConfig());
    // Default pool: 240 minutes in waits of 30-45 s → 480 waits of at most 45 s, per pooled job.
    expect(definitions.get('orders')!.definition.TimeoutSeconds! - definitions.get('ad-hoc')!.definition.TimeoutSeconds!).toBe(3 * 480 * 45);
  });
});

describe('cdk-nag on a stack with slot pools', () => {
  it('finds nothing unacknowledged', () => {
    const { app } = buildApp({ config: pooledConfig(), bundle: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Every JobPoller variant, with a slot: the ASL is valid and no path leaks or skips a slot.

const POOL = slotPoolSchema.parse({ name: 'acme-tenant' });
const call = { handler: handlerRef('tamr-mastering/get-operation'), payload: {} };
const BASE: JobSpec = { key: 'load', title: 'Load source', subject: 'source load', submit: call, status: call };

const VARIANTS: Record<string, JobSpec> = {
  'polled job': BASE,
  'synchronous job, run only when asked': { ...BASE, status: undefined, runIf: { inputFlag: 'loadSources' } },
  'job with a post-terminal report whose status checks rename it': { ...BASE, report: { ...call, title: 'Get load report' }, statusUpdatesId: true },
  'stoppable job per Map item, waiting for a conflicting job first': {
    ...BASE,
    stop: call,
    forEach: { title: 'Load sources', items: ['a', 'b', 'c'], payloadField: 'sourceId', maxConcurrency: 2 },
    existingJob: { find: call, trigger: 'beforeSubmit', policy: 'wait' },
  },
  ...Object.fromEntries(
    (['attach', 'wait', 'skip', 'fail'] as const).flatMap((policy) => [
      [`conflict found before submit → ${policy}`, { ...BASE, existingJob: { find: call, trigger: 'beforeSubmit' as const, policy } }],
      [`conflict reported by the submit → ${policy}`, { ...BASE, stop: call, existingJob: { find: call, trigger: { submitError: 'AlreadyRunning' }, policy } }],
    ]),
  ),
};

function definitionOf(job: JobSpec): AslDefinition {
  const stack = new Stack(new App(), 'Variant');
  const slots = new JobSlotTable(stack, 'Slots', { pools: [POOL] });
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const poller = new JobPoller(stack, 'Job', {
    job,
    pipelineName: 'variant',
    functionFor: () => fn,
    timeoutFor: () => Duration.seconds(30),
    polling: pollingSchema.parse({}),
    retry: retrySchema.parse({}),
    slot: { table: slots.table, pool: POOL },
  });
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(poller) });
  const resources = Template.fromStack(stack).toJSON().Resources as CfnTemplate['Resources'];
  const machine = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  return JSON.parse(flatten(machine.Properties!.DefinitionString)) as AslDefinition;
}

/**
 * Walks every path of a definition (Map iterations included), tracking whether the job holds a
 * slot: an acquire or a check that succeeds takes it (their error paths are treated as holding
 * it: they may have written), a release gives it back on every path. Reports a submit entered
 * without a slot, and any end (Fail, Succeed, End) reached while holding one.
 */
function slotProblems(definition: AslDefinition, submit: string): string[] {
  const problems = new Set<string>();
  const walk = (graph: AslDefinition) => {
    const seen = new Set<string>();
    const queue: Array<[string, boolean]> = [[graph.StartAt, false]];
    while (queue.length > 0) {
      const [name, held] = queue.shift()!;
      if (seen.has(`${name}|${held}`)) continue;
      seen.add(`${name}|${held}`);
      const state = graph.States[name] as AslState & { Next?: string; Default?: string; End?: boolean; Choices?: Array<{ Next: string }>; Catch?: Array<{ ErrorEquals: string[]; Next: string }> };
      if (name === submit && !held) problems.add(`'${name}' can be entered without a slot`);
      if (state.Type === 'Map') walk((state.ItemProcessor ?? state.Iterator) as AslDefinition);
      const takes = name.startsWith('Acquire tenant job slot') || name.startsWith('Check tenant job slot');
      const gives = name.startsWith('Release tenant job slot');
      if (state.Type === 'Fail' || state.Type === 'Succeed' || state.End) {
        if (held) problems.add(`'${name}' can be reached holding a slot`);
        continue;
      }
      const after = gives ? false : takes ? true : held;
      if (state.Next) queue.push([state.Next, after]);
      for (const choice of state.Choices ?? []) queue.push([choice.Next, held]);
      if (state.Default) queue.push([state.Default, held]);
      for (const catcher of state.Catch ?? []) {
        const conditionFailed = catcher.ErrorEquals.includes('DynamoDB.ConditionalCheckFailedException');
        queue.push([catcher.Next, gives ? false : takes ? !conditionFailed : held]);
      }
    }
  };
  walk(definition);
  return [...problems];
}

describe.each(Object.entries(VARIANTS))('a %s with a slot', (_, job) => {
  let definition: AslDefinition;
  beforeAll(() => {
    definition = definitionOf(job);
  });

  it('is valid ASL (paths and ARNs checked)', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(definition) as never, { checkPaths: true, checkArn: true });
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('submits only while holding a slot and never ends holding one', () => {
    expect(slotProblems(definition, job.title)).toEqual([]);
  });

  it('names each item its own holder in a fan-out', () => {
    const text = JSON.stringify(definition);
    if (!job.forEach) {
      expect(text).toContain("States.Format('{}#load', $$.Execution.Id)");
      return;
    }
    const map = definition.States['Load sources'] as AslState & { ItemSelector: Record<string, string> };
    expect(map.ItemSelector).toMatchObject({ 'itemIndex.$': '$$.Map.Item.Index' });
    expect(text).toContain("States.Format('{}#load#{}', $$.Execution.Id, $.itemIndex)");
  });
});

it('the walk finds a leak: a done state reached without its release', () => {
  const definition = definitionOf(BASE);
  const states = definition.States as Record<string, AslState & { Choices?: Array<{ Next: string }> }>;
  for (const choice of states['Source load status'].Choices!) if (choice.Next === 'Release tenant job slot (Source load done)') choice.Next = 'Source load done';
  expect(slotProblems(definition, 'Load source')).toContain("'Source load done' can be reached holding a slot");
});

// ---------------------------------------------------------------------------------------------
// The deployed cleaner, against a real DynamoDB (dynalite); history and Lambda mocked.

describe('the deployed cleaner releases the slots of an ended execution', () => {
  const sfnMock = mockClient(SFNClient);
  const lambdaMock = mockClient(LambdaClient);
  const TABLE = { tableName: 'JobSlotsTable', pools: ['acme-tenant', 'other'], keySchema: [{ AttributeName: 'pool', KeyType: 'HASH' as const }], attributeDefinitions: [{ AttributeName: 'pool', AttributeType: 'S' as const }] };
  const machine = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-orders';
  const aborted = `${machine}:run-1`;
  let db: LocalDynamoDb;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    db = await LocalDynamoDb.start();
    await createLocalTable(db.endpoint, TABLE);
    dynamodb = localDynamoDbClient(db.endpoint);
  });
  afterAll(async () => {
    sfnMock.restore();
    lambdaMock.restore();
    await db.stop();
  });

  /** Take a slot exactly as the state machine's acquire does. */
  const acquire = (pool: string, holder: string) =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: TABLE.tableName,
        Key: { pool: { S: pool } },
        UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #limit = :limit, #holder = :now',
        ConditionExpression: 'attribute_not_exists(#holder) AND (attribute_not_exists(#count) OR #count < :limit)',
        ExpressionAttributeNames: { '#count': 'count', '#limit': 'limit', '#holder': holder },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':limit': { N: '5' }, ':now': { S: '2030-01-01T00:00:00Z' } },
      }),
    );
  const event = (executionArn: string, status = 'ABORTED') => ({ detail: { executionArn, stateMachineArn: machine, status } }) as never;
  const cleaner = () =>
    createHandler({ sfn: sfnMock as unknown as SFNClient, lambda: lambdaMock as unknown as LambdaClient, dynamodb }, { JOB_SLOTS_TABLE: TABLE.tableName, JOB_SLOT_POOLS: TABLE.pools.join(',') });

  it('removes every holder of that execution in every pool and nobody else’s, once', async () => {
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    await acquire('acme-tenant', `${aborted}#load#0`);
    await acquire('acme-tenant', `${aborted}#load#1`);
    await acquire('acme-tenant', `${machine}:run-10#load#0`); // another run whose ARN starts alike
    await acquire('other', `${aborted}#publish`);

    const result = await cleaner()(event(aborted));
    expect(result.releasedSlots!.sort()).toEqual([`${aborted}#load#0`, `${aborted}#load#1`, `${aborted}#publish`]);
    expect(await readLocalSlotPool(db.endpoint, TABLE.tableName, 'acme-tenant')).toMatchObject({ count: 1, holders: { [`${machine}:run-10#load#0`]: '2030-01-01T00:00:00Z' } });
    expect(await readLocalSlotPool(db.endpoint, TABLE.tableName, 'other')).toMatchObject({ count: 0, holders: {} });

    // EventBridge may deliver the event twice: the second delivery changes nothing.
    expect((await cleaner()(event(aborted))).releasedSlots).toEqual([]);
    expect((await readLocalSlotPool(db.endpoint, TABLE.tableName, 'acme-tenant')).count).toBe(1);
    await cleaner()(event(`${machine}:run-10`, 'TIMED_OUT'));
    const item = await dynamodb.send(new GetItemCommand({ TableName: TABLE.tableName, Key: { pool: { S: 'acme-tenant' } }, ConsistentRead: true }));
    expect(item.Item).toEqual({ pool: { S: 'acme-tenant' }, count: { N: '0' }, limit: { N: '5' } });
  });

  it('releases the slots even when the history cannot be read, then fails so EventBridge retries the stops', async () => {
    sfnMock.reset();
    lambdaMock.reset();
    sfnMock.on(GetExecutionHistoryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await acquire('acme-tenant', `${machine}:run-2#load#0`);

    await expect(cleaner()(event(`${machine}:run-2`, 'FAILED'))).rejects.toThrow('Rate exceeded');
    expect(await readLocalSlotPool(db.endpoint, TABLE.tableName, 'acme-tenant')).toMatchObject({ count: 0 });
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
