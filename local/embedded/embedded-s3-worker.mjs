// The embedded S3's thread: s3rver runs here, so that receiving, hashing and writing each
// batch object does not hold up the gateway's requests on the main thread. Plain JavaScript:
// on Node 20 a worker thread cannot load TypeScript through tsx's hooks.
// workerData: { directory, port, bucket }. Posts { port } once s3rver listens; the message
// 'close' closes s3rver and ends the thread.
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';
import { addConditionalWrites } from './s3rver-conditional-writes.mjs';
import { fixDelimiterListing } from './s3rver-delimiter-listing.mjs';

const { directory, port, bucket } = workerData;
const server = new S3rver({
  address: '127.0.0.1',
  port,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
fixDelimiterListing(server.store);
addConditionalWrites(server, directory);
const address = await server.run();
parentPort.postMessage({ port: address.port });
parentPort.on('message', async (message) => {
  if (message !== 'close') return;
  await server.close();
  parentPort.close();
});
