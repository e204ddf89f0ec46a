import { createHmac } from 'node:crypto';
import type { Agent } from './app.js';

/**
 * The CSRF token of a signed-in agent's page forms: loads a page (which sets the CSRF cookie in
 * the agent's jar) and computes the token as the server does (HMAC of the cookie with the test
 * SESSION_SECRET of testConfig()).
 */
const tokens = new WeakMap<Agent, string>();

export async function csrfOf(agent: Agent, secret = 'test-secret-test-secret-test-secret-1234'): Promise<string> {
  const known = tokens.get(agent);
  if (known) return known; // the cookie is set once per agent
  const res = await agent.get('/');
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const seed = cookies.map((c) => /^dengbao_csrf=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (!seed) throw new Error(`no CSRF cookie from GET / (${res.status})`);
  const token = createHmac('sha256', secret).update(decodeURIComponent(seed)).digest('base64url');
  tokens.set(agent, token);
  return token;
}
