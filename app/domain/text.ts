/* eslint-disable no-control-regex -- finding control characters is what these patterns are for */
/**
 * What text the store accepts from people and clients. Control characters are never part of
 * what someone types (and PostgreSQL cannot store NUL at all), so every free-text field refuses
 * them with a 400 rather than letting the database fail; multi-line fields keep tab and line
 * breaks. Shared by the zod schemas, the API's JSON body check and the server's URL check.
 */
import { z } from 'zod'

const CONTROL = /[\u0000-\u001f\u007f]/
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/
const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/

export const PLAIN_TEXT_MESSAGE = 'Use plain text: no control characters.'

/** True when `value` holds a control character (C0 or DEL); with `multiline`, tab, LF and CR are allowed. */
export function hasControlChars(value: string, { multiline = false } = {}): boolean {
  return (multiline ? CONTROL_BUT_WHITESPACE : CONTROL).test(value)
}

/** One trimmed line of text (a name, a city, a brand): no control characters, tabs and line breaks included. */
export const lineText = (params?: { error: string }) => z.string(params).trim().regex(SINGLE_LINE, PLAIN_TEXT_MESSAGE)

/** Trimmed text that may run over several lines (a description, a note): tab and line breaks allowed, other control characters not. */
export const multilineText = (params?: { error: string }) => z.string(params).trim().regex(MULTI_LINE, PLAIN_TEXT_MESSAGE)

/** A size as staff name it ("M", "Free Size", "10-11Y", "32"): letters, digits, spaces and . / + -, at most 10 characters. */
export const SIZE_RE = /^[A-Za-z0-9 ./+-]{1,10}$/
export const SIZE_MESSAGE = 'Use at most 10 letters, digits, spaces or . / + -'

/** A size field: trimmed, `required` when empty, else SIZE_RE. */
export const sizeText = (required: string) => z.string({ error: required }).trim().min(1, required).regex(SIZE_RE, SIZE_MESSAGE)
