// The embedded DynamoDB's thread: dynalite and its LevelDB run here, so that the Idempotency-Key
// and pull state calls (parsing, validating and storing each item) do not hold up the gateway's
// requests on the main thread. Plain JavaScript: on Node 20 a worker thread cannot load
// TypeScript through tsx's hooks.
// workerData: { directory, port }. Posts { port } once dynalite listens, or { error } when it
// cannot. Besides its port, it takes requests by message ({ type: 'request', id, method, url,
// headers, body }, answered with { type: 'response', id, statusCode, headers, body }; see
// in-thread-dynamodb-handler.ts), handed to dynalite's own request handler without a socket.
// The message 'close' closes dynalite (and its database) and ends the thread.
import { EventEmitter, once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const { directory, port } = workerData;
const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const [handleRequest] = server.listeners('request');

// dynalite reads a request's method, url, headers and its data and end events, and answers
// through statusCode, setHeader and end: just that is given here.
function answerByMessage({ id, method, url, headers, body }) {
  const request = Object.assign(new EventEmitter(), { method, url, headers });
  const responseHeaders = {};
  const response = {
    statusCode: 200,
    setHeader(name, value) {
      responseHeaders[String(name).toLowerCase()] = String(value);
    },
    end(text) {
      const answer = text === undefined ? '' : String(text);
      parentPort.postMessage({
        type: 'response',
        id,
        statusCode: response.statusCode,
        headers: responseHeaders,
        body: answer,
      });
    },
  };
  handleRequest(request, response);
  if (body.length > 0) request.emit('data', Buffer.from(body, 'utf8'));
  request.emit('end');
}

try {
  server.listen(port, '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  parentPort.postMessage({ port: server.address().port });
} catch (error) {
  parentPort.postMessage({ error: { message: error.message, code: error.code } });
  parentPort.close();
}
parentPort.on('message', (message) => {
  if (message?.type === 'request') {
    answerByMessage(message);
    return;
  }
  if (message !== 'close') return;
  // Keep-alive sockets of clients that were not destroyed would hold close() open.
  server.closeIdleConnections();
  server.close(() => parentPort.close());
});
