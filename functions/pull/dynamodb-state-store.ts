/**
 * Placeholder of engineer K2's DynamoDB state store (the lead replaces this file with K2's at
 * merge); only its constructor is relied on by the pull handler.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PullStateStore, RunProgress, RunSummary, SourceState } from '#shared/pull-run';

const missing = (): never => {
  throw new Error('DynamoDbStateStore is a placeholder: the DynamoDB store arrives with the merge');
};

/** The pull state in a DynamoDB table (partition key `source`), every write conditional. */
export class DynamoDbStateStore implements PullStateStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}
  read(_source: string): Promise<SourceState | undefined> {
    return missing();
  }
  list(): Promise<SourceState[]> {
    return missing();
  }
  acquireLease(_source: string, _owner: string, _until: Date): Promise<SourceState> {
    return missing();
  }
  renewLease(_source: string, _owner: string, _until: Date): Promise<void> {
    return missing();
  }
  saveProgress(_source: string, _owner: string, _version: number, _run: RunProgress): Promise<SourceState> {
    return missing();
  }
  finishRun(_source: string, _owner: string, _version: number, _summary: RunSummary, _cursor?: string): Promise<void> {
    return missing();
  }
}
