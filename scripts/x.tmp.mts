import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/chromium.ts';
const srv = createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(readFileSync('/tmp/gc/index.html')); }).listen(0);
const port = (srv.address() as any).port;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const ctx = await browser.newContext();
const page = await ctx.newPage();
await page.goto(`http://localhost:${port}/`);
await page.waitForFunction(() => (window as any).ready);
const p2 = await ctx.newPage();
try { await p2.goto('chrome://gpucrash', { timeout: 5000 }); } catch (e) { console.log('goto', String(e).split('\n')[0]); }
await new Promise((r) => setTimeout(r, 3000));
console.log(await page.evaluate(() => (window as any).log));
console.log(await page.evaluate(() => (window as any).again2()));
await browser.close(); srv.close();
