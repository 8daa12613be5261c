-- The delivery option chosen at checkout (standard or express). Orders placed before it
-- existed were all standard; a constant default adds the column without rewriting the table.
-- CreateEnum
CREATE TYPE "ShippingMethod" AS ENUM ('standard', 'express');

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "shipping_method" "ShippingMethod" NOT NULL DEFAULT 'standard';
