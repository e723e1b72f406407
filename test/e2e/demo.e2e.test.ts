/**
 * The web demo end to end in headless Chromium, against the real token server in development mode
 * with the sandbox mounted: join, watch renewals, turn renewal off to see did-expire and the
 * rejoin, inspect and mint tokens. Screenshots go to test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { buildRtcToken } from '../../src/token/index.js'
import { MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'
import { waitForEvents as waitForCount, withDemoPage } from './demo-browser.js'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

const count = (page: Page, event: string): Promise<number> =>
  page.locator(`#timeline li[data-event="${event}"]`).count()

test(
  'the demo in Chromium: join, two renewals, renewal off, did-expire and rejoin, inspector, mint',
  { timeout: 180_000 },
  async (t) => {
    const executable = requireChromium()
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    await mkdir(ARTIFACTS, { recursive: true })
    await withDemoPage(executable, { viewport: { width: 1280, height: 1000 } }, async ({ server, page, problems }) => {
      // 8x: a 40 s token lives 5 s, so will-expire comes 1.25 s after each token is issued.
      await page.goto(`${server.url}/?speed=8`)
      await page.waitForSelector('body[data-ready="true"]')
      assert.match(await page.locator('#mode-banner').innerText(), /Development mode/)

      // Every form control has a label; the timeline is a polite live region.
      const unlabelled = await page.$$eval('input, select, textarea', (elements) =>
        elements
          .filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label'))
          .map((e) => e.id),
      )
      assert.deepEqual(unlabelled, [])
      assert.equal(await page.getAttribute('#timeline', 'aria-live'), 'polite')
      assert.equal(await page.getAttribute('#auto-renew', 'role'), 'switch')

      // Join from the keyboard.
      await page.focus('#join')
      await page.keyboard.press('Enter')
      await page.waitForSelector('#timeline li[data-event="joined"]')
      assert.equal(await page.locator('#connection').innerText(), 'CONNECTED')
      await waitForCount(page, 'renewed', 2)
      assert.equal(await count(page, 'error'), 0, await page.locator('#timeline').innerText())
      assert.ok(Number(await page.locator('#renewals').innerText()) >= 2)
      assert.notEqual(await page.locator('#countdown').innerText(), '–')
      await page.screenshot({ path: join(ARTIFACTS, 'demo-1-renewing.png'), fullPage: true })

      // Renewal off (with the keyboard): the token runs out, the helper joins again.
      await page.focus('#auto-renew')
      await page.keyboard.press('Space')
      assert.equal(await page.isChecked('#auto-renew'), false)
      await page.waitForSelector('#timeline li[data-event="rejoined"]', { timeout: 30_000 })
      const order = await page.$$eval('#timeline li', (items) => items.map((item) => item.getAttribute('data-event')))
      const off = order.indexOf('switch')
      const expired = order.indexOf('did-expire', off)
      assert.ok(off >= 0 && expired > off, order.join(' '))
      assert.ok(
        order.indexOf('will-expire', off) > off && order.indexOf('will-expire', off) < expired,
        'will-expire (ignored) came before did-expire',
      )
      assert.ok(order.indexOf('rejoined', expired) > expired)
      // In words, with the SDK event's name kept visible.
      assert.equal(
        await page.locator('#timeline li[data-event="did-expire"] .detail').first().innerText(),
        'The token ran out and the client was removed from the channel; joining again with a fresh token. token-privilege-did-expire',
      )
      assert.equal(await count(page, 'error'), 0)
      await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'CONNECTED')
      await page.screenshot({ path: join(ARTIFACTS, 'demo-2-expired-and-rejoined.png'), fullPage: true })

      // The inspector decodes the session's token in the browser and the sandbox vouches for its signature.
      await page.click('#inspect-current')
      await page.waitForSelector('#inspect-output [data-signature="valid"]')
      const appId = server.config.apps[0]!.appId
      assert.equal(await page.locator('#inspect-output [data-field="appId"]').innerText(), appId)
      assert.match(
        await page.locator('#inspect-output tr[data-service="rtc"]').innerText(),
        /channel "ChannelA", uid \d+/,
      )
      assert.equal(await page.locator('#inspect-output [data-privilege="joinChannel"]').count(), 1)
      await page.locator('#inspector').screenshot({ path: join(ARTIFACTS, 'demo-3-inspector.png') })

      // A token signed with another certificate is decoded but not vouched for; text that is no token is said so.
      const forged = buildRtcToken({
        appId,
        appCertificate: 'ffffeeeeddddccccbbbbaaaa99998888',
        channelName: 'ChannelA',
        uid: 1,
      })
      await page.fill('#inspect-token', forged)
      await page.click('#inspect-form button[type="submit"]')
      await page.waitForSelector('#inspect-output [data-signature="invalid"]')
      await page.fill('#inspect-token', 'not a token')
      await page.click('#inspect-form button[type="submit"]')
      await page.waitForSelector('#inspect-output .error')
      assert.match(await page.locator('#inspect-output .error').innerText(), /ERR_TOKEN_UNSUPPORTED_VERSION/)

      // Mint with POST /v1/tokens (a 006 token, whose signature check needs the channel and uid).
      await page.fill('#mint-user', '4242')
      await page.fill('#mint-expire', '600')
      await page.selectOption('#mint-version', '006')
      await page.click('#mint-form button[type="submit"]')
      await page.waitForSelector('#mint-token')
      await page.click('#mint-output button')
      await page.waitForSelector('#inspect-output [data-signature="needs-claims"]')
      await page.fill('#inspect-channel', 'ChannelA')
      await page.fill('#inspect-uid', '4242')
      await page.click('#inspect-form button[type="submit"]')
      await page.waitForSelector('#inspect-output [data-signature="valid"]')
      assert.equal(await page.locator('#inspect-output .result').getAttribute('data-version'), '006')
      // One meaning of "expires": the mint result and the inspector both say joining stops when the
      // 600 s join privilege ends, and show the message ts, a day after the build, as the token's end.
      const time = (selector: string): Promise<number> => page.locator(selector).getAttribute('data-time').then(Number)
      const usable = await time('#inspect-output [data-field="usable-until"]')
      assert.equal(await time('#mint-expiry [data-field="usable-until"]'), usable)
      assert.equal(await time('#inspect-output [data-field="token-expires"]'), usable - 600 + 86_400)
      assert.equal(await time('#mint-expiry [data-field="token-expires"]'), usable - 600 + 86_400)
      assert.match(
        await page.locator('#inspect-output dl').innerText(),
        /Usable until\s[^\n]*ends in 9 min 5\d s; the joinChannel privilege ends first/,
      )
      await page.locator('#mint').screenshot({ path: join(ARTIFACTS, 'demo-4-mint.png') })

      // Leaving stops the helper, and the timeline says why in words, with the code.
      await page.click('#leave')
      await page.waitForSelector('#timeline li[data-event="stopped"]')
      // The helper stops as the leave begins; the label passes DISCONNECTING on its way.
      await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'DISCONNECTED (LEAVE)')
      assert.equal(await page.locator('#connection').innerText(), 'DISCONNECTED (LEAVE)')
      assert.match(
        await page.locator('#timeline li[data-event="stopped"] .detail').innerText(),
        /^You left the channel, so the helper stopped renewing the token\. left$/,
      )
      assert.equal(await page.isEnabled('#join'), true)
      assert.deepEqual(problems, [])
    })
  },
)

test(
  "the docs' contract endpoint at 1x: 40 s tokens, so a renewal shows within a minute",
  { timeout: 120_000 },
  async (t) => {
    const executable = requireChromium()
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    // /fetch_rtc_token carries no lifetime: the server picks it, 40 s in development as the docs' sample server.
    await withDemoPage(executable, { viewport: { width: 1280, height: 1000 } }, async ({ server, page, problems }) => {
      await page.goto(`${server.url}/?speed=1`)
      await page.waitForSelector('body[data-ready="true"]')
      await page.selectOption('#endpoint', 'fetch-rtc-token')
      await page.click('#join')
      await page.waitForSelector('#timeline li[data-event="joined"]')
      assert.match(
        await page.locator('#timeline li[data-event="fetched"]').first().innerText(),
        /with (39|40) s to live/,
      )
      // At 1x a 40 s token's will-expire comes 10 s after it was issued.
      await waitForCount(page, 'renewed', 1, 60_000)
      assert.equal(await count(page, 'error'), 0, await page.locator('#timeline').innerText())
      assert.deepEqual(problems, [])
    })
  },
)

test(
  "with a real App ID the page offers the real SDK, whose browser build loads under the page's policy",
  { timeout: 120_000 },
  async (t) => {
    const executable = requireChromium()
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    // Credentials that look real to the server (no network is used: nothing joins Agora here).
    const settings = {
      AGORA_APP_ID: '0123456789abcdef0123456789abcdef',
      AGORA_APP_CERTIFICATE: '5cfd2fd1755d40ecb72977518be15d3b',
    }
    await withDemoPage(executable, { viewport: { width: 1280, height: 720 }, settings }, async ({ server, page }) => {
      await page.goto(`${server.url}/demo/`)
      await page.waitForSelector('body[data-ready="true"]')
      assert.deepEqual(
        await page.$$eval('#mode option', (options) => options.map((o) => (o as HTMLOptionElement).value)),
        ['sandbox', 'real'],
      )
      assert.match(await page.locator('#mode-banner').innerText(), /real App ID/)
      await page.addScriptTag({ url: '/demo/vendor/agora-rtc-sdk-ng.js' })
      const surface = await page.evaluate(() => {
        const sdk = (window as unknown as { AgoraRTC: { createClient(config: object): Record<string, unknown> } })
          .AgoraRTC
        const client = sdk.createClient({ mode: 'rtc', codec: 'vp8' })
        return ['join', 'leave', 'renewToken', 'publish', 'on', 'off'].filter(
          (name) => typeof client[name] === 'function',
        )
      })
      assert.deepEqual(surface, ['join', 'leave', 'renewToken', 'publish', 'on', 'off'])
    })
  },
)
