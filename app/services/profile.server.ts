/** The signed-in user's own profile: what they may change about themselves. */
import { z } from 'zod'
import { lineText } from '#app/domain/text.ts'
import { getDb } from '#app/utils/db.server.ts'

export const ProfileSchema = z.object({
  name: lineText({ error: 'Enter your name.' }).min(1, 'Enter your name.').max(80, 'Use at most 80 characters.'),
})
export type ProfileInput = z.infer<typeof ProfileSchema>

export async function updateProfile(userId: string, input: ProfileInput): Promise<{ name: string }> {
  return getDb().user.update({ where: { id: userId }, data: { name: input.name }, select: { name: true } })
}
