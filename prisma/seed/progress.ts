/** A progress reporter for the command line: a bar on a terminal, a line every ~5% otherwise. */

export interface ProgressReporter {
  update(done: number, total: number, phase: string): void
  /** Ends the current bar line (call before printing anything else). */
  done(): void
}

const fmt = new Intl.NumberFormat('en-US')

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, width = 30): ProgressReporter {
  const tty = Boolean(stream.isTTY)
  const started = Date.now()
  let phase = ''
  let phaseStarted = started
  let lastStep = -1
  let lastDraw = 0
  let open = false

  const line = (done: number, total: number) => {
    const f = total > 0 ? Math.min(1, done / total) : 1
    const pct = `${Math.floor(f * 100)}%`.padStart(4)
    const elapsed = Date.now() - phaseStarted
    const eta = f > 0.02 && f < 1 ? ` eta ${clock((elapsed / f) * (1 - f))}` : ''
    return { f, pct, text: `${fmt.format(done)}/${fmt.format(total)}  ${clock(Date.now() - started)}${eta}` }
  }

  return {
    update(done, total, p) {
      if (p !== phase) {
        if (open && tty) stream.write('\n')
        open = false
        phase = p
        phaseStarted = Date.now()
        lastStep = -1
        lastDraw = tty ? 0 : phaseStarted
      }
      const { f, pct, text } = line(done, total)
      if (tty) {
        const now = Date.now()
        if (now - lastDraw < 80 && f < 1) return
        lastDraw = now
        const filled = Math.round(f * width)
        stream.write(`\r${phase.padEnd(10)} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${pct}  ${text}\x1b[K`)
        open = true
      } else {
        // A line every 5%, but quick phases only report that they finished.
        const step = Math.floor(f * 20)
        const now = Date.now()
        if (step === lastStep || (f < 1 && now - lastDraw < 1000)) return
        lastStep = step
        lastDraw = now
        stream.write(`${phase.padEnd(10)} ${pct}  ${text}\n`)
      }
    },
    done() {
      if (open && tty) stream.write('\n')
      open = false
    },
  }
}
