// Incident channel names: #inc-<date>-<slug>-<id suffix>. The suffix keeps the
// name unique to the incident, so a retried create that finds the name taken
// knows the channel is its own.

export function incidentChannelName(prefix: string, incidentId: string, title: string): string {
  const [, day, suffix] = /^INC-(\d{8})-([a-z0-9]+)$/.exec(incidentId) ?? [];
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const parts = [prefix, day ?? '', slug || 'incident', suffix ?? incidentId.toLowerCase()].filter(Boolean);
  return parts.join('-').slice(0, 80);
}
