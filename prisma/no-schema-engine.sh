#!/bin/sh
# Stand-in for Prisma's native schema engine on machines that cannot download it.
# prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY here for `prisma generate`
# only (generate merely checks that the file exists). Anything that really needs
# the engine must fail loudly rather than succeed having done nothing.
echo "the native schema engine is not available here; Rampart applies migrations itself (see README)" >&2
exit 1
