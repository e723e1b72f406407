/**
 * Scripted stand-ins for the Agora SDK clients: they record calls and let a test raise the SDK's
 * events, so every path of the renewal helpers can be driven without a network.
 * @module
 */

type Listener = (...args: any[]) => unknown

/** A fake `IAgoraRTCClient` for what the helper uses. */
export class FakeRtcClient {
  connectionState: 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'DISCONNECTING' | 'RECONNECTING' = 'DISCONNECTED'
  readonly listeners = new Map<string, Set<Listener>>()
  readonly joins: { appId: string; channel: string; token: string | null; uid: unknown }[] = []
  readonly renewals: string[] = []
  leaves = 0
  /** Set to make the next join / renewToken reject. */
  joinError: Error | undefined
  renewError: Error | undefined

  on(event: string, listener: Listener): void {
    let set = this.listeners.get(event)
    if (set === undefined) this.listeners.set(event, (set = new Set()))
    set.add(listener)
  }

  off(event: string, listener: Listener): void {
    this.listeners.get(event)?.delete(listener)
  }

  /** How many listeners are registered, over every event. */
  listenerCount(): number {
    let count = 0
    for (const set of this.listeners.values()) count += set.size
    return count
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args)
  }

  async join(appId: string, channel: string, token: string | null, uid?: unknown): Promise<number> {
    this.joins.push({ appId, channel, token, uid })
    if (this.joinError !== undefined) {
      const error = this.joinError
      this.joinError = undefined
      throw error
    }
    this.state('CONNECTED')
    return typeof uid === 'number' ? uid : 1
  }

  async leave(): Promise<void> {
    this.leaves++
    this.state('DISCONNECTED', 'LEAVE')
  }

  async renewToken(token: string): Promise<void> {
    if (this.renewError !== undefined) {
      const error = this.renewError
      this.renewError = undefined
      throw error
    }
    this.renewals.push(token)
  }

  /** What the SDK does on did-expire: it leaves (reason TOKEN_EXPIRE), then reports it. */
  expire(): void {
    this.state('DISCONNECTED', 'TOKEN_EXPIRE')
    this.emit('token-privilege-did-expire')
  }

  state(next: FakeRtcClient['connectionState'], reason?: string): void {
    const previous = this.connectionState
    this.connectionState = next
    this.emit('connection-state-change', next, previous, reason)
  }
}

/** A fake RTM 2.x `RTMClient` for what the helper uses. */
export class FakeRtmClient {
  readonly listeners = new Map<string, Set<Listener>>()
  readonly logins: (string | undefined)[] = []
  readonly renewals: { token: string; channelName: string | undefined }[] = []

  addEventListener(event: string, listener: Listener): void {
    let set = this.listeners.get(event)
    if (set === undefined) this.listeners.set(event, (set = new Set()))
    set.add(listener)
  }

  removeEventListener(event: string, listener: Listener): void {
    this.listeners.get(event)?.delete(listener)
  }

  listenerCount(): number {
    let count = 0
    for (const set of this.listeners.values()) count += set.size
    return count
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args)
  }

  async login(options?: { token?: string }): Promise<{ timestamp: number }> {
    this.logins.push(options?.token)
    return { timestamp: Date.now() }
  }

  async renewToken(token: string, options?: { channelName?: string }): Promise<{ timestamp: number }> {
    this.renewals.push({ token, channelName: options?.channelName })
    return { timestamp: Date.now() }
  }
}

/** Lets pending promise callbacks run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}
