// `npm start`: Rampart with everything it needs. Without DATABASE_URL and
// TEMPORAL_ADDRESS it runs an embedded PostgreSQL and a Temporal dev server,
// both keeping their data under RAMPART_DATA_DIR (default ./.rampart).
// RAMPART_RUN=worker|api runs one part (`npm run worker`, `npm run api` are the
// production processes: src/worker-main.ts, src/api-main.ts).
import { launch } from './app/launch';

launch();
