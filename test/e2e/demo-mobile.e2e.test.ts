/**
 * The web demo on a phone (390x844) in headless Chromium: after a join with renewals, an inspected
 * token and a minted one, nothing is wider than the screen and nothing is clipped; disabled fields
 * look disabled. Screenshots at 390 px and at desktop width go to test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'
import { waitForEvents, withDemoPage } from './demo-browser.js'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const PHONE = { width: 390, height: 844 }

/** Elements that must show all of their content at the page's width (each selector must match). */
const MUST_FIT = [
  '#timeline li .detail',
  '#inspect-output table',
  '#inspect-output dd',
  '#mint-summary',
  '#mint-expiry dd',
  '#mint-token',
  'select',
  'input:not([type="checkbox"])',
  'textarea',
  'button',
]

/** What overflows: elements whose content is wider than their box, or whose box leaves its card. */
function overflows(page: Page): Promise<{ pageWidth: number; clipped: string[]; missing: string[] }> {
  return page.evaluate((selectors) => {
    const clipped: string[] = []
    const missing: string[] = []
    for (const selector of selectors) {
      const elements = Array.from(document.querySelectorAll<HTMLElement>(selector)).filter(
        (element) => element.getClientRects().length > 0,
      )
      if (elements.length === 0) missing.push(selector)
      for (const element of elements) {
        const name = `${selector} #${element.id || element.textContent?.slice(0, 30)}`
        if (element.scrollWidth > element.clientWidth + 1)
          clipped.push(`${name}: content ${element.scrollWidth} px in ${element.clientWidth} px`)
        const card = element.closest('.card')
        if (card === null) continue
        const box = element.getBoundingClientRect()
        const bounds = card.getBoundingClientRect()
        if (box.left < bounds.left - 1 || box.right > bounds.right + 1)
          clipped.push(`${name}: ${box.left}..${box.right} outside its card ${bounds.left}..${bounds.right}`)
      }
    }
    // A select's text never scrolls, it is cut: measure the chosen option's text against the room
    // inside the padding, less about 20 px for Chromium's arrow.
    const canvas = document.createElement('canvas').getContext('2d')!
    for (const select of Array.from(document.querySelectorAll('select'))) {
      const style = getComputedStyle(select)
      canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`
      const text = select.selectedOptions[0]?.text ?? ''
      const room =
        select.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight) - 20
      const width = canvas.measureText(text).width
      if (width > room)
        clipped.push(`select #${select.id}: "${text}" needs ${Math.ceil(width)} px, has ${Math.floor(room)} px`)
    }
    return { pageWidth: document.documentElement.scrollWidth, clipped, missing }
  }, MUST_FIT)
}

test(
  'the demo on a 390 px phone: no horizontal overflow, nothing clipped, disabled fields look disabled',
  { timeout: 180_000 },
  async (t) => {
    const executable = requireChromium()
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    await mkdir(ARTIFACTS, { recursive: true })
    await withDemoPage(executable, { viewport: PHONE }, async ({ server, page, problems }) => {
      // 8x: a 40 s token lives 5 s, so renewals come every few seconds.
      await page.goto(`${server.url}/?speed=8`)
      await page.waitForSelector('body[data-ready="true"]')
      const before = await overflows(page)
      assert.ok(before.pageWidth <= PHONE.width, `the page is ${before.pageWidth} px wide before a join`)

      await page.click('#join')
      await waitForEvents(page, 'renewed', 2)
      // Disabled while joined, and visibly so: not the enabled fields' white, and a not-allowed cursor.
      // (No named functions inside evaluate: tsx's name helper does not exist in the page.)
      const looks = await page.evaluate(() =>
        Object.fromEntries(
          ['channel', 'mint-channel', 'endpoint'].map((id) => {
            const element = document.getElementById(id) as HTMLInputElement
            const style = getComputedStyle(element)
            return [
              id,
              {
                disabled: element.disabled,
                background: style.backgroundColor,
                border: style.borderStyle,
                cursor: style.cursor,
              },
            ]
          }),
        ),
      )
      const joined = looks.channel!
      const free = looks['mint-channel']!
      assert.equal(joined.disabled, true)
      assert.equal(free.disabled, false)
      assert.notEqual(joined.background, free.background)
      assert.notEqual(joined.border, free.border)
      assert.equal(joined.cursor, 'not-allowed')
      assert.equal(looks.endpoint!.cursor, 'not-allowed')

      // The session's (007) token in the inspector: its privilege table.
      await page.click('#inspect-current')
      await page.waitForSelector('#inspect-output [data-signature="valid"]')
      // A minted token, with its summary.
      await page.fill('#mint-user', '4242')
      await page.click('#mint-form button[type="submit"]')
      await page.waitForSelector('#mint-summary')

      const after = await overflows(page)
      assert.deepEqual(after.missing, [], 'every checked element is on the page')
      assert.deepEqual(after.clipped, [])
      assert.ok(after.pageWidth <= PHONE.width, `the page is ${after.pageWidth} px wide`)
      // The timeline's sentence takes the row's full width on a phone (it was 69 px).
      const detail = await page
        .locator('#timeline li[data-event="renewed"] .detail')
        .first()
        .evaluate((element) => element.clientWidth)
      assert.ok(detail >= 250, `the timeline detail is ${detail} px wide`)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-mobile-390.png'), fullPage: true })

      // A 006 token, minted and inspected: its two expiry rows fit as well.
      await page.selectOption('#mint-version', '006')
      await page.click('#mint-form button[type="submit"]')
      await page.waitForSelector('#mint-expiry [data-field="usable-until"]')
      await page.click('#mint-output button')
      await page.waitForSelector('#inspect-output [data-field="usable-until"]')
      const with006 = await overflows(page)
      assert.deepEqual(with006.clipped, [])
      assert.ok(with006.pageWidth <= PHONE.width, `the page is ${with006.pageWidth} px wide with a 006 token`)
      await page.locator('#inspector').screenshot({ path: join(ARTIFACTS, 'demo-mobile-390-inspector-006.png') })

      // The same page at desktop width.
      await page.setViewportSize({ width: 1280, height: 1000 })
      const desktop = await overflows(page)
      assert.deepEqual(desktop.clipped, [])
      assert.ok(desktop.pageWidth <= 1280)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-desktop-1280.png'), fullPage: true })
      assert.deepEqual(problems, [])
    })
  },
)
