-- AlterTable
ALTER TABLE "breach_deliveries" ADD COLUMN     "claimed_at" TIMESTAMPTZ(3);
