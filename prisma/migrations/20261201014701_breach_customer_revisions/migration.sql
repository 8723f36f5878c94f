-- AlterTable
ALTER TABLE "breach_deliveries" ADD COLUMN     "late" BOOLEAN,
ADD COLUMN     "revision_id" INTEGER,
ADD COLUMN     "seq" INTEGER;

-- CreateTable
CREATE TABLE "breach_customer_revisions" (
    "id" SERIAL NOT NULL,
    "breach_id" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "contacts" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "breach_customer_revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "breach_customers" (
    "revision_id" INTEGER NOT NULL,
    "customer_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "contacts" TEXT[],
    "data_affected" TEXT NOT NULL,

    CONSTRAINT "breach_customers_pkey" PRIMARY KEY ("revision_id","customer_id")
);

-- CreateIndex
CREATE INDEX "breach_customer_revisions_breach_id_idx" ON "breach_customer_revisions"("breach_id");

-- CreateIndex
CREATE INDEX "breach_deliveries_breach_id_status_idx" ON "breach_deliveries"("breach_id", "status");

-- AddForeignKey
ALTER TABLE "breach_customers" ADD CONSTRAINT "breach_customers_revision_id_fkey" FOREIGN KEY ("revision_id") REFERENCES "breach_customer_revisions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
