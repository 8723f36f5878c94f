// With RAMPART_API_TOKEN set, the API refuses callers without it (healthz stays open).
import { call, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ apiToken: 's3cret-token' });
});
afterAll(async () => {
  await t?.stop();
});

test('API token is enforced', async () => {
  const body = { title: 'x', severity: 'SEV4', declaredBy: 'U-a' };
  expect((await call(t.url, 'POST', '/incidents', body)).status).toBe(401);
  expect((await call(t.url, 'POST', '/incidents', body, { authorization: 'Bearer wrong-token!' })).status).toBe(401);
  expect((await call(t.url, 'POST', '/incidents', body, { authorization: 'Bearer s3cret-token' })).status).toBe(201);
  expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);
});
