// What every Slack command and interaction handler is given: the services
// behind the bot, its database and the policy.
import type { BreachService } from '../breach/breach-service';
import type { Db } from '../db/client';
import type { IncidentService } from '../incidents/incident-service';
import type { Policy } from '../policy/schema';

export interface BotDeps {
  incidents: IncidentService;
  breaches: BreachService;
  db: Db;
  policy: Policy;
}
