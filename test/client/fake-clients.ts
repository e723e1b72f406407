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
  /**
   * Set to make join() stay CONNECTING, as the SDK does offline, until {@link connect} or a leave
   * (which, like the SDK, reports DISCONNECTING then DISCONNECTED without a reason and makes the join
   * reject with OPERATION_ABORTED).
   */
  hangJoins = false
  #pending: { resolve: (uid: number) => void; reject: (error: Error) => void; uid: number } | undefined

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
    const joinedUid = typeof uid === 'number' ? uid : 1
    if (this.hangJoins) {
      this.state('CONNECTING')
      return new Promise((resolve, reject) => (this.#pending = { resolve, reject, uid: joinedUid }))
    }
    this.state('CONNECTED')
    return joinedUid
  }

  /** Lets a hanging join connect. */
  connect(): void {
    const pending = this.#pending
    this.#pending = undefined
    this.state('CONNECTED')
    pending?.resolve(pending.uid)
  }

  async leave(): Promise<void> {
    this.leaves++
    if (this.connectionState === 'DISCONNECTED') return
    const pending = this.#pending
    this.#pending = undefined
    if (pending !== undefined) {
      this.state('DISCONNECTING')
      this.state('DISCONNECTED')
      pending.reject(
        Object.assign(new Error('cancel token canceled'), { name: 'AgoraRTCException', code: 'OPERATION_ABORTED' }),
      )
      return
    }
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
  logouts = 0
  /** Set to make login() stay CONNECTING until a logout (which rejects it, as the SDK does). */
  hangLogins = false
  /** Set to make login() reject with this error, as the SDK does when Agora refuses the login. */
  failLogins: Error | undefined = undefined
  #pendingLogin: ((error: Error) => void) | undefined

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
    this.link('CONNECTING', 'LOGIN')
    if (this.hangLogins) return new Promise((_resolve, reject) => (this.#pendingLogin = reject))
    if (this.failLogins !== undefined) throw this.failLogins
    this.link('CONNECTED', 'LOGIN_SUCCESS')
    return { timestamp: Date.now() }
  }

  async logout(): Promise<{ timestamp: number }> {
    this.logouts++
    const pending = this.#pendingLogin
    this.#pendingLogin = undefined
    // As the SDK does: the pending login rejects first, the link goes IDLE after.
    pending?.(Object.assign(new Error('Login RTM service was canceled by user.'), { code: -10023 }))
    await new Promise((resolve) => setImmediate(resolve))
    this.link('IDLE', 'LOGOUT')
    return { timestamp: Date.now() }
  }

  /** Raises linkState as the SDK does. */
  link(currentState: string, reasonCode: string): void {
    this.emit('linkState', { currentState, reasonCode })
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
