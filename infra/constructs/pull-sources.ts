/**
 * The pull side of one tenant on AWS, made only when the tenant has sources: a state table
 * in DynamoDB, the pull function, one Step Functions Standard state machine that runs a
 * source's run as a loop of slices, and one EventBridge Scheduler schedule per source.
 *
 * How a scheduled start becomes one run, however often it is delivered: Scheduler cannot
 * name the execution it starts (its templated Step Functions target takes only the input),
 * and its universal target `aws-sdk:sfn:startExecution` could set `Name` only to a raw
 * context attribute, whose scheduled time holds ':', which execution names may not. So the
 * schedule starts the state machine with `{ source, scheduledTime }`, and that launch
 * execution starts the run as a second execution of the same machine, named by the run id
 * (`<source>-<scheduled time in UTC to the second, without ':'>`, shared/pull/run-id.ts,
 * which local mode uses too). Step Functions refuses a
 * second execution of a name for 90 days, so a retried or duplicated tick ends in
 * "Duplicate start refused" instead of a second run. The run execution carries `runId`
 * (its own name, also the lease owner) and loops the function until the run is done,
 * waiting in a Wait state when the API asked to wait past a slice; a run that finds its
 * source busy ends "Skipped: busy". A manual start may omit `scheduledTime` (the execution's
 * start time names the run) or give it with an offset; anything else ends "Start refused".
 */
import { ArnFormat, type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { type SourceConfig, sourceSecretNames } from '#shared/config/source-config';
import { ENV } from '#shared/contract/environment';
import { PULL_STATE_PARTITION_KEY } from '#shared/pull/pull-run';
import { acknowledgeWildcardResources, nagAttributeRef } from '../nag-findings.ts';
import { type DeliveryBindable, HouseFunction } from './house-function.ts';
import { HOUSE_LOG_RETENTION } from './house-function-defaults.ts';
import {
  EXECUTION_EXISTS_ERRORS,
  isLocalOnlySource,
  LAMBDA_RETRY,
  LAMBDA_SERVICE_ERRORS,
  PULL_FUNCTION_TIMEOUT,
  PULL_RUN_FAILED_ERROR,
  PULL_START_REFUSED_ERROR,
  PULL_STATE_ACTIONS,
  pullExecutionTimeout,
  pullFunctionMemoryMb,
  pullLogGroupName,
  pullStateMachineName,
  SCHEDULE_RETRY,
  SLICE_OUTPUT,
  START_RUN_ID,
  START_SCHEDULED_TIME,
  VALID_START_CONDITION,
  WAIT_CONDITION,
} from './pull-sources-defaults.ts';

/** A stream's delivery as the pull function binds it: records, and dead letters when the stream has them. */
export interface PullStreamDelivery {
  readonly records: DeliveryBindable;
  readonly deadLetter?: DeliveryBindable | undefined;
}

/** Props of {@link PullSources}. */
export interface PullSourcesProps {
  readonly tenant: string;
  /** The tenant's sources by name (at least one). */
  readonly sources: Readonly<Record<string, SourceConfig>>;
  /** The tenant's stream deliveries by stream id; only the sources' streams are bound. */
  readonly deliveries: Readonly<Record<string, PullStreamDelivery>>;
  /** Absolute path of the pull function's entry. */
  readonly entry: string;
  /** esbuild aliases that bind the entry to the tenant (infra/function-bundling.ts). */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** The pull side of one tenant: state table, function, state machine and schedules. */
export class PullSources extends Construct {
  /** Each source's state (cursor, run progress, lease), one item per source. */
  public readonly table: dynamodb.Table;
  /** Runs one slice of a run. */
  public readonly pullFunction: HouseFunction;
  /** Launches runs and loops their slices. */
  public readonly stateMachine: sfn.StateMachine;
  /** The role Scheduler assumes: it may only start executions of {@link stateMachine}. */
  public readonly schedulerRole: iam.Role;
  /** One schedule per source, by source name. */
  public readonly schedules: Readonly<Record<string, scheduler.Schedule>>;

  constructor(scope: Construct, id: string, props: PullSourcesProps) {
    super(scope, id);
    const sources = Object.values(props.sources);
    if (sources.length === 0) throw new Error('PullSources needs at least one source; make none when there are none');

    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: PULL_STATE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The AWS managed key (aws/dynamodb): the rows hold cursors, page positions and run
      // summaries, never a secret or a record, so a key policy of our own would guard nothing
      // more and bill per call; the landing data keeps its customer-managed key.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The cursors say what was already pulled; losing them with the stack re-pulls everything.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.pullFunction = new HouseFunction(this, 'Function', {
      entry: props.entry,
      ...(props.aliases ? { aliases: props.aliases } : {}),
      description: `Sluice ${props.tenant}: pull sources`,
      timeout: PULL_FUNCTION_TIMEOUT,
      memorySize: pullFunctionMemoryMb(sources),
      environment: { [ENV.tenant]: props.tenant, [ENV.pullStateTable]: this.table.tableName },
    });
    this.table.grant(this.pullFunction, ...PULL_STATE_ACTIONS);
    this.bindStreams(props);
    this.pullFunction.grantSecretsRead(sources.flatMap(sourceSecretNames));

    this.stateMachine = this.runStateMachine(props.tenant, sources);

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `Sluice ${props.tenant}: EventBridge Scheduler starts pull runs`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    const schedules: Record<string, scheduler.Schedule> = {};
    for (const source of sources) {
      schedules[source.name] = new scheduler.Schedule(this, `Schedule-${source.name}`, {
        description: `Sluice ${props.tenant}: pull source ${source.name}`,
        schedule: scheduler.ScheduleExpression.expression(source.schedule),
        timeWindow: scheduler.TimeWindow.off(),
        // A local-only URL (the example tenant's sample API) fails every tick on AWS: deployed, not run.
        enabled: !isLocalOnlySource(source),
        target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
          role: this.schedulerRole,
          input: scheduler.ScheduleTargetInput.fromObject({
            source: source.name,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          ...SCHEDULE_RETRY,
        }),
      });
    }
    this.schedules = schedules;
  }

  /** The delivery bindings of the streams the sources land in (records and dead letters), nothing else. */
  private bindStreams(props: PullSourcesProps): void {
    const streams = [...new Set(Object.values(props.sources).map((source) => source.stream))].sort();
    for (const stream of streams) {
      const delivery = Object.hasOwn(props.deliveries, stream) ? props.deliveries[stream] : undefined;
      if (delivery === undefined) {
        const names = Object.values(props.sources).filter((source) => source.stream === stream);
        throw new Error(
          `source "${names[0]?.name}": stream "${stream}" is not a stream of tenant ${props.tenant}; sources land in one of its streams`,
        );
      }
      this.pullFunction.bindDeliveryStream(stream, delivery.records, delivery.deadLetter);
    }
  }

  /** The state machine: a launch path that names the run, and the run's loop of slices. */
  private runStateMachine(tenant: string, sources: readonly SourceConfig[]): sfn.StateMachine {
    const name = pullStateMachineName(tenant);
    const itself = sfn.StateMachine.fromStateMachineArn(
      this,
      'Itself',
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );

    const slice = tasks.LambdaInvoke.jsonata(this, 'Pull slice', {
      lambdaFunction: this.pullFunction,
      payload: sfn.TaskInput.fromObject({
        source: '{% $states.input.source %}',
        scheduledTime: '{% $states.input.scheduledTime %}',
        runId: '{% $states.input.runId %}',
      }),
      outputs: `{% ${SLICE_OUTPUT} %}`,
      // Replaced by the explicit retry below, which adds throttles to the service errors.
      retryOnServiceExceptions: false,
    });
    // Only the Lambda service's errors: a slice that ran and threw fails the execution, visibly.
    slice.addRetry({ errors: [...LAMBDA_SERVICE_ERRORS], ...LAMBDA_RETRY, jitterStrategy: sfn.JitterType.FULL });

    // Anything but a summary that says succeeded or partial fails the execution: a `failed`
    // run, and an answer that is not one the runner gives, must both reach the alarms.
    const failed = sfn.Fail.jsonata(this, 'Run failed', {
      error: PULL_RUN_FAILED_ERROR,
      cause:
        "{% $exists($states.input.summary.reason) ? $string($states.input.summary.reason) : 'the pull function answered without a summary' %}",
    });
    // A wait the API asked for past the slice's end is waited here, not by invoking slices
    // that return at once: each costs history events, and a run has 25,000.
    const waitForApi = sfn.Wait.jsonata(this, 'Wait as the API asked', {
      time: sfn.WaitTime.timestamp('{% $states.input.resumeAt %}'),
    });
    waitForApi.next(slice);
    slice.next(
      sfn.Choice.jsonata(this, 'Run done?')
        .when(sfn.Condition.jsonata(`{% ${WAIT_CONDITION} %}`), waitForApi)
        .when(sfn.Condition.jsonata('{% $states.input.done = false %}'), slice)
        // Another run holds the source: a normal end, counted by PullSkippedBusy, not a failure.
        .when(
          sfn.Condition.jsonata("{% $states.input.done = true and $states.input.skipped = 'busy' %}"),
          new sfn.Succeed(this, 'Skipped: busy'),
        )
        .when(
          sfn.Condition.jsonata(
            "{% $states.input.done = true and $states.input.summary.status in ['succeeded', 'partial'] %}",
          ),
          new sfn.Succeed(this, 'Run ended'),
        )
        .otherwise(failed),
    );

    const startRun = tasks.StepFunctionsStartExecution.jsonata(this, 'Start run', {
      stateMachine: itself,
      name: `{% ${START_RUN_ID} %}`,
      input: sfn.TaskInput.fromObject({
        source: '{% $states.input.source %}',
        scheduledTime: `{% ${START_SCHEDULED_TIME} %}`,
        runId: `{% ${START_RUN_ID} %}`,
      }),
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    });
    startRun.addCatch(new sfn.Succeed(this, 'Duplicate start refused'), { errors: [...EXECUTION_EXISTS_ERRORS] });
    startRun.next(new sfn.Succeed(this, 'Run started'));

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: pullLogGroupName(tenant),
      retention: HOUSE_LOG_RETENTION,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: `Sluice ${tenant}: starts one run per source and scheduled time, then pulls it slice by slice`,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(
        sfn.Choice.jsonata(this, 'Run named?')
          .when(sfn.Condition.jsonata('{% $exists($states.input.runId) %}'), slice)
          .when(sfn.Condition.jsonata(`{% ${VALID_START_CONDITION} %}`), startRun)
          // A manual start without a source or with a time it cannot read fails saying so.
          .otherwise(
            sfn.Fail.jsonata(this, 'Start refused', {
              error: PULL_START_REFUSED_ERROR,
              cause:
                'a start needs {"source": "<name>"} and optionally "scheduledTime" as RFC 3339 with a zone (2025-01-01T10:15:00Z or +01:00); without it the run is named from the start time',
            }),
          ),
      ),
      timeout: pullExecutionTimeout(sources),
      tracingEnabled: true,
      // Inputs and outputs hold source names, times, counts and cursors; never a secret (DESIGN.md §3).
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      // Step Functions' own key: executions carry no secret, and a customer key would have to
      // be granted to Scheduler and to every reader of the history and logs.
      encryptionConfiguration: new sfn.AwsOwnedEncryptionConfiguration(),
    });
    acknowledgeWildcardResources(
      stateMachine.role,
      [`${nagAttributeRef(this.pullFunction.node.defaultChild as CfnElement, 'Arn')}:*`],
      'Step Functions grants invoking every version and alias of the pull function; it is the one function it calls.',
    );
    acknowledgeWildcardResources(
      stateMachine.role,
      ['*'],
      'CloudWatch Logs vended delivery and X-Ray accept no resource narrower than "*" for these actions.',
    );
    return stateMachine;
  }
}
