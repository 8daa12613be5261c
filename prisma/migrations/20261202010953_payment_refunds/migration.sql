-- Refunds of online payments when a paid order is cancelled or returned (ADR 0007).
-- AlterEnum (PostgreSQL 12+ adds several values in one transaction; they are not used here)
ALTER TYPE "PaymentStatus" ADD VALUE 'refund_pending';
ALTER TYPE "PaymentStatus" ADD VALUE 'refund_failed';

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "refund_attempted_at" TIMESTAMPTZ(3),
ADD COLUMN     "refund_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refund_error" TEXT,
ADD COLUMN     "refund_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "payments_refund_id_key" ON "payments"("refund_id");
