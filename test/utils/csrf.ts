import { createHmac } from 'node:crypto';
import type { Agent } from './app.js';

/**
 * The CSRF token of a signed-in agent's page forms: loads a page (which sets the CSRF cookie in
 * the agent's jar) and computes the token as the server does (HMAC of the cookie with the test
 * SESSION_SECRET of testConfig()).
 */
export async function csrfOf(agent: Agent, secret = 'test-secret-test-secret-test-secret-1234'): Promise<string> {
  const res = await agent.get('/');
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const seed = cookies.map((c) => /^dengbao_csrf=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (!seed) throw new Error(`no CSRF cookie from GET / (${res.status})`);
  return createHmac('sha256', secret).update(decodeURIComponent(seed)).digest('base64url');
}
