-- CreateTable
CREATE TABLE "breaches" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL,
    "verified_by" TEXT NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "authority_deadline" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "approved_by" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "missed_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "authority_notified_at" TIMESTAMPTZ(3),
    "authority_reference" TEXT,
    "notice" JSONB,
    "customers" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "breaches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "breach_deliveries" (
    "key" TEXT NOT NULL,
    "breach_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "customer_name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "message_id" TEXT,
    "smtp_response" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "breach_deliveries_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "breaches_incident_id_key" ON "breaches"("incident_id");

-- CreateIndex
CREATE INDEX "breach_deliveries_breach_id_idx" ON "breach_deliveries"("breach_id");

-- AddForeignKey
ALTER TABLE "breaches" ADD CONSTRAINT "breaches_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "breach_deliveries" ADD CONSTRAINT "breach_deliveries_breach_id_fkey" FOREIGN KEY ("breach_id") REFERENCES "breaches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
