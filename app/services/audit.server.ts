/** Audit log: who changed what (before and after), written inside the change's own transaction. */
import type { Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'

type Tx = Prisma.TransactionClient

export interface AuditEntryInput {
  actorId: string | null
  action: string
  entityType: string
  entityId: string
  before?: Prisma.InputJsonValue | null
  after?: Prisma.InputJsonValue | null
  requestId?: string | null
}

export interface AuditEntry {
  id: string
  action: string
  entityType: string
  entityId: string
  before: unknown
  after: unknown
  requestId: string | null
  createdAt: Date
  actor: { id: string; name: string; role: string } | null
}

/** Writes one entry with the caller's transaction, so the entry and the change commit together. */
export async function recordAudit(tx: Tx, entry: AuditEntryInput): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: entry.before ?? undefined,
      after: entry.after ?? undefined,
      requestId: entry.requestId ?? null,
    },
  })
}

export interface AuditFilter {
  entityType?: string
  entityId?: string
  actorId?: string
  action?: string
  limit?: number
}

/** Newest first. */
export async function listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const rows = await getDb().auditLog.findMany({
    where: { entityType: filter.entityType, entityId: filter.entityId, actorId: filter.actorId, action: filter.action },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: Math.min(Math.max(filter.limit ?? 20, 1), 200),
    select: {
      id: true,
      action: true,
      entityType: true,
      entityId: true,
      before: true,
      after: true,
      requestId: true,
      createdAt: true,
      actor: { select: { id: true, name: true, role: true } },
    },
  })
  return rows
}
