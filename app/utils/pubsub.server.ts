/** Publish/subscribe between instances (Redis) or within this process. Messages are JSON. */
import { EventEmitter } from 'node:events'
import type { Redis } from './redis.server.ts'

export type Unsubscribe = () => Promise<void>

export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Unsubscribe>
  close(): Promise<void>
}

export class MemoryPubSub implements PubSub {
  private emitter = new EventEmitter().setMaxListeners(0)

  async publish(channel: string, message: unknown) {
    // Deliver asynchronously and as a copy, like a real broker would.
    const copy = JSON.parse(JSON.stringify(message)) as unknown
    queueMicrotask(() => this.emitter.emit(channel, copy))
  }

  async subscribe(channel: string, handler: (message: unknown) => void) {
    this.emitter.on(channel, handler)
    return async () => {
      this.emitter.off(channel, handler)
    }
  }

  async close() {
    this.emitter.removeAllListeners()
  }
}

export class RedisPubSub implements PubSub {
  private handlers = new Map<string, Set<(message: unknown) => void>>()

  /** `sub` must be a dedicated connection: a subscribed client can do nothing else. */
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix = 'ps:',
  ) {
    sub.on('message', (ch: string, raw: string) => {
      const set = this.handlers.get(ch.slice(this.prefix.length))
      if (!set) return
      let msg: unknown
      try {
        msg = JSON.parse(raw)
      } catch {
        return
      }
      for (const h of set) h(msg)
    })
  }

  async publish(channel: string, message: unknown) {
    await this.pub.publish(this.prefix + channel, JSON.stringify(message))
  }

  async subscribe(channel: string, handler: (message: unknown) => void) {
    let set = this.handlers.get(channel)
    if (!set) {
      this.handlers.set(channel, (set = new Set()))
      await this.sub.subscribe(this.prefix + channel)
    }
    set.add(handler)
    return async () => {
      set.delete(handler)
      if (set.size === 0) {
        this.handlers.delete(channel)
        await this.sub.unsubscribe(this.prefix + channel).catch(() => undefined)
      }
    }
  }

  async close() {
    this.handlers.clear()
    this.sub.disconnect()
  }
}
