// The HTML report of samples/001 (the vGIC lock-order cycle) in a real browser: Debian's
// chromium driven by puppeteer-core. Skipped, with the reason printed, where chromium is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { main } from '../../src/cli/main.js';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
const chromium = CANDIDATES.find((p) => existsSync(p));
if (!chromium) console.warn(`html-browser.test: skipped: no Chromium at ${CANDIDATES.join(', ')} (install Debian's chromium package, or set CHROMIUM_PATH)`);

const OUT = resolve('test/output/html-browser');
const REPORT = join(OUT, 'r.html');

describe.skipIf(!chromium)('HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const code = await main(['node', 'lockcheck', '--no-progress', '--jobs', '1', '--format', 'html', '-o', REPORT, 'samples/001-vgic-rank-inversion/pre'], { stdout: () => {}, stderr: () => {} });
    expect(code).toBe(1);
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({ executablePath: chromium!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(pathToFileURL(REPORT).href, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws the cycle: both locks as graph nodes, both edges red and visible on screen', async () => {
    const g = await page.$eval('section[data-rule="lock-inversion"] figure.graph svg', (svg) => ({
      nodes: [...svg.querySelectorAll('g.node text')].map((t) => t.textContent),
      cycle: [...svg.querySelectorAll('g.edge.cycle path')].map((p) => ({ stroke: getComputedStyle(p).stroke, w: p.getBoundingClientRect().width })),
      labels: [...svg.querySelectorAll('g.edge.cycle text')].map((t) => t.textContent).join(' | '),
    }));
    expect(g.nodes.sort()).toEqual(['vcpu.arch.vgic.lock', 'vgic_irq_rank.lock']);
    expect(g.cycle).toHaveLength(2);
    for (const e of g.cycle) {
      expect(e.stroke).toBe('rgb(214, 47, 47)');
      expect(e.w).toBeGreaterThan(50);
    }
    expect(g.labels).toContain('CPU0: gic_clear_lrs');
    expect(g.labels).toContain('CPU1: vgic_v2_distr_mmio_write');
  });

  it('draws every trace step in its CPU lane, CPU1 to the right of CPU0, the blocked ones red', async () => {
    const t = await page.$eval('section[data-rule="lock-inversion"] svg.trace', (svg) => [...svg.querySelectorAll('g.step')].map((g) => ({ cpu: (g as SVGGElement).dataset.cpu, x: g.getBoundingClientRect().x, blocked: g.classList.contains('blocked'), fill: getComputedStyle(g.querySelector('rect')!).fill })));
    expect(t.length).toBeGreaterThanOrEqual(4);
    const x0 = t.filter((s) => s.cpu === '0').map((s) => s.x);
    const x1 = t.filter((s) => s.cpu === '1').map((s) => s.x);
    expect(Math.max(...x0)).toBeLessThan(Math.min(...x1));
    expect(t.filter((s) => s.blocked).map((s) => s.fill)).toEqual(['rgb(253, 228, 228)', 'rgb(253, 228, 228)']);
  });

  it('a click on a trace step shows its source line', async () => {
    await page.click('section[data-rule="lock-inversion"] svg.trace a');
    const target = await page.evaluate(() => {
      const el = document.querySelector(':target');
      return el ? { line: el.querySelector('.ln')!.textContent, code: el.querySelector('.code')!.textContent!.trim(), top: el.getBoundingClientRect().top } : undefined;
    });
    expect(target).toMatchObject({ line: '156', code: 'spin_lock_irqsave(&v->arch.vgic.lock, flags);' });
    expect(target!.top).toBeGreaterThan(-2); // scrolled to it (sub-pixel rounding aside)
    expect(target!.top).toBeLessThan(1000);
  });

  it('filters by rule and by search text', async () => {
    await page.select('#f-rule', 'lock-inversion');
    expect(await page.$eval('#shown', (e) => e.textContent)).toBe('1 of 3 findings shown');
    expect(await page.$$eval('section.finding', (s) => s.filter((x) => getComputedStyle(x).display !== 'none').map((x) => (x as HTMLElement).dataset.rule))).toEqual(['lock-inversion']);
    await page.select('#f-rule', '');
    await page.type('#f-search', 'do_irq');
    expect(await page.$eval('#shown', (e) => e.textContent)).toBe('2 of 3 findings shown');
    await page.$eval('#f-search', (e) => {
      (e as HTMLInputElement).value = '';
      e.dispatchEvent(new Event('input'));
    });
    expect(await page.$eval('#shown', (e) => e.textContent)).toBe('3 of 3 findings shown');
  });

  it('logs no console errors, loads nothing from the network, and leaves a screenshot', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const section = (await page.$('section[data-rule="lock-inversion"]'))!;
    const shot = join(OUT, 'lock-inversion.png');
    await section.screenshot({ path: shot });
    await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(problems).toEqual([]);
  });
});
