// `npm run api`: the HTTP API, the Alertmanager webhook and the Slack bot,
// against an existing Temporal (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL);
// a worker process (`npm run worker`) executes what they start. On SIGTERM it
// stops accepting and finishes requests in flight for up to RAMPART_SHUTDOWN_GRACE.
import { launch } from './app/launch';

launch({ run: 'api', productionCommand: 'npm run api' });
