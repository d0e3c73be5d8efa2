import { describe, expect, it } from 'vitest';
import { ownSampleApi, routeSampleApi, SAMPLE_API_ORIGIN } from '#local/pull/sample-api-route';

function recordingFetch() {
  const urls: string[] = [];
  const fetcher: typeof fetch = async (input) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return new Response('{}');
  };
  return { urls, fetcher };
}

describe('routeSampleApi', () => {
  it("sends the sample API's origin to the server's sample API, keeping path and query", async () => {
    const { urls, fetcher } = recordingFetch();
    const route = routeSampleApi(async () => 'http://127.0.0.1:4321', fetcher);
    await route(`${SAMPLE_API_ORIGIN}/v1/events?limit=10&after=abc`);
    await route(new Request(`${SAMPLE_API_ORIGIN}/v1/events`));
    expect(urls).toEqual([
      'http://127.0.0.1:4321/sample-api/v1/events?limit=10&after=abc',
      'http://127.0.0.1:4321/sample-api/v1/events',
    ]);
  });

  it('leaves every other URL alone, a look-alike host and port included', async () => {
    const { urls, fetcher } = recordingFetch();
    const route = routeSampleApi(() => Promise.reject(new Error('not asked')), fetcher);
    const others = [
      'https://api.github.com/repos/o/r/issues',
      'http://sample-api.sluice.localhost:8080/v1/events',
      'https://sample-api.sluice.localhost/v1/events',
    ];
    for (const url of others) await route(url);
    expect(urls).toEqual(others);
  });
});

describe('ownSampleApi', () => {
  it('serves the sample records on loopback once asked, and closes', async () => {
    const own = ownSampleApi();
    try {
      const response = await routeSampleApi(own.base)(`${SAMPLE_API_ORIGIN}/v1/events?limit=2`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: unknown[] }).data).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});
