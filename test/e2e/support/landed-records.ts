/** Reads back every record of a stream from the local bucket, as the CLI does. */

import { listBatches, readBatchRecords, streamPrefix } from '#cli/batches/batch-reader';
import { createS3Client, startEmbeddedS3 } from '#local/embedded/embedded-s3';

/** Every landed record (one JSON line each) of a stream, oldest first. */
export async function landedRecords(
  s3: { endpoint: string; bucket: string },
  streamId: string,
  deadLetter = false,
): Promise<string[]> {
  const client = createS3Client(s3.endpoint);
  const records: string[] = [];
  for (const object of await listBatches(client, s3.bucket, streamPrefix(streamId, deadLetter))) {
    records.push(...(await readBatchRecords(client, s3.bucket, object.key)));
  }
  return records;
}

/** The same, from a data folder whose server has stopped (an embedded S3 is started for the read). */
export async function landedRecordsIn(s3Directory: string, streamId: string, deadLetter = false): Promise<string[]> {
  const embedded = await startEmbeddedS3(s3Directory);
  try {
    return await landedRecords(embedded, streamId, deadLetter);
  } finally {
    await embedded.close();
  }
}
