import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StreamDelivery } from '#infra/constructs/delivery/delivery-stream';
import { TenantMonitoring } from '#infra/constructs/tenant-monitoring';
import { MAX_ALARMS_PER_STATUS_WIDGET } from '#infra/constructs/tenant-monitoring-defaults';
import { defineTenant } from '#shared/config/tenant-config';

// Twelve streams with dead letters and many sources: more alarms than one widget may list.
const streams = Object.fromEntries(
  Array.from({ length: 12 }, (_, index) => [`s${index}`, { payload: 'json', deadLetter: true } as const]),
);
const sources = Object.fromEntries(
  Array.from({ length: 20 }, (_, index) => [
    `src${index}`,
    { stream: 's0', schedule: 'rate(1 hour)', request: { url: `https://api.example.com/${index}` } },
  ]),
);
const tenant = defineTenant({ tenant: 'big', auth: { issuer: 'self' }, streams, sources });

/** Only what the monitoring reads of a delivery: its name and whether Kinesis feeds it. */
const delivery = (name: string) => ({ deliveryStreamName: name, source: undefined }) as unknown as StreamDelivery;

function synthMonitoring(): Template {
  const stack = new Stack();
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  new TenantMonitoring(stack, 'Monitoring', {
    tenant,
    api: new apigw.HttpApi(stack, 'Api'),
    ingestFunction: fn,
    streams: Object.values(tenant.streams).map((stream) => ({
      stream,
      records: delivery(`sluice.big.${stream.id}`),
      deadLetter: delivery(`sluice.big.${stream.id}.dlq`),
    })),
  });
  return Template.fromStack(stack);
}

describe('the dashboard of a tenant with more alarms than a widget may list', () => {
  it('lists every alarm across alarm-status widgets of at most 100 each', () => {
    const template = synthMonitoring();
    const alarmCount = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length;
    expect(alarmCount).toBeGreaterThan(MAX_ALARMS_PER_STATUS_WIDGET);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown };
    }[];
    // The body is a Fn::Join of text and alarm ARNs; each alarm widget's ARNs sit between its
    // "alarms":[ and the next ]. Count the ARN references per widget.
    const joined = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] } | undefined;
    const parts = joined?.['Fn::Join'][1] ?? [];
    const body = parts.map((part) => (typeof part === 'string' ? part : '<ARN>')).join('');
    const widgets = [...body.matchAll(/"alarms":\[([^\]]*)\]/g)].map(
      (match) => (match[1] ?? '').split('<ARN>').length - 1,
    );
    expect(widgets.length).toBeGreaterThan(1);
    for (const count of widgets) expect(count).toBeLessThanOrEqual(MAX_ALARMS_PER_STATUS_WIDGET);
    expect(widgets.reduce((sum, count) => sum + count, 0)).toBe(alarmCount);
    // Synthesizing 100+ alarms takes tens of seconds on a busy machine.
  }, 120_000);
});
