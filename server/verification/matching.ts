/**
 * Which assessed object a scanned host is. Several objects may share an IP (virtual hosts,
 * a load balancer): the host name decides first, then a unique IP; anything else stays unmatched
 * with the reason, never guessed.
 */
export interface MatchableObject {
  id: string;
  name: string;
  ip: string | null;
}
export type HostMatch = { objectId: string; by: 'hostname' | 'ip' } | { objectId: null; reason: 'no_object' | 'ambiguous' };

const ips = (s: string | null) => (s ?? '').split(/[\s,;，；、/]+/).filter(Boolean);
const tokens = (name: string) => name.toLowerCase().split(/[\s（）()【】\[\]，,、:：]+/).filter(Boolean);

function nameMatches(o: MatchableObject, hostname: string): boolean {
  const h = hostname.trim().toLowerCase();
  if (!h) return false;
  if (o.name.trim().toLowerCase() === h) return true;
  const label = h.split('.')[0]!; // app-01.city.local → app-01
  return tokens(o.name).includes(h) || tokens(o.name).includes(label);
}

export function matchHost(objects: readonly MatchableObject[], host: string | null, hostname: string | null): HostMatch {
  const byIp = host ? objects.filter((o) => ips(o.ip).includes(host.trim())) : [];
  if (hostname) {
    const byName = (byIp.length ? byIp : objects).filter((o) => nameMatches(o, hostname));
    if (byName.length === 1) return { objectId: byName[0]!.id, by: 'hostname' };
  }
  if (byIp.length === 1) return { objectId: byIp[0]!.id, by: 'ip' };
  return { objectId: null, reason: byIp.length > 1 ? 'ambiguous' : 'no_object' };
}
