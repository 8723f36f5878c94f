// `npm run worker`: the worker alone (workflows, activities, the Slack and mail
// connectors), against an existing Temporal (TEMPORAL_ADDRESS) and PostgreSQL
// (DATABASE_URL). On SIGTERM it stops polling and lets running activities
// finish for up to RAMPART_SHUTDOWN_GRACE.
import { launch } from './app/launch';

launch({ run: 'worker', productionCommand: 'npm run worker' });
