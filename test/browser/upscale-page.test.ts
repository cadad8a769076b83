import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../src/http/http-server.js';
import type { JobDirectory } from '../../src/http/job-routes.js';
import { inlineJobRunner } from '../../src/image/image-job-runner.js';
import type { JobRecord } from '../../src/jobs/job-record.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { UpscaleStudio } from '../../src/studio/upscale-studio.js';

const CHROMIUM = process.env['UPREZ_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts');
const TOKEN = 'browser-upscale-token-0123456789';

/** A file-job directory double: a job is done (with an MP4 link) the second time it is read. */
class FakeJobs implements JobDirectory {
  readonly created: JobSpec[] = [];
  private readonly reads = new Map<string, number>();
  private readonly jobs = new Map<string, JobRecord>();
  async create(spec: JobSpec): Promise<JobRecord> {
    this.created.push(spec);
    const rec: JobRecord = {
      id: '00000000000000a1',
      spec,
      state: 'running',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      attempts: 1,
      progress: { done: 10, total: 40, unit: 'frames', rate: 5, etaSeconds: 6 },
      error: null,
      result: null,
    };
    this.jobs.set(rec.id, rec);
    return rec;
  }
  list(): JobRecord[] {
    return [...this.jobs.values()];
  }
  get(id: string): JobRecord | undefined {
    const rec = this.jobs.get(id);
    const n = (this.reads.get(id) ?? 0) + 1;
    this.reads.set(id, n);
    if (!rec || n < 2) return rec;
    return {
      ...rec,
      state: 'done',
      progress: { done: 40, total: 40, unit: 'frames', rate: 5, etaSeconds: 0 },
      result: { mp4Url: `/vod/${id}/out.mp4` },
    };
  }
  async cancel(): Promise<JobRecord | undefined> {
    return undefined;
  }
}

describe('the /upscale page in headless Chromium', () => {
  let root: string;
  let studio: UpscaleStudio;
  let server: HttpServer;
  let base: string;
  let browser: Browser;
  const jobs = new FakeJobs();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; set UPREZ_CHROMIUM`);
    root = await mkdtemp(path.join(os.tmpdir(), 'uprez-upscale-page-'));
    await mkdir(path.join(root, 'videos'));
    await writeFile(path.join(root, 'videos', 'talk.mp4'), 'not really a video');
    // A transparent logo and a phone photo stored on its side.
    const px = Buffer.alloc(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) {
      const x = i % 64;
      const y = Math.floor(i / 64);
      px.set((x - 32) ** 2 + (y - 24) ** 2 < 300 ? [220, 30, 30, 255] : [0, 255, 0, 0], i * 4);
    }
    await sharp(px, { raw: { width: 64, height: 48, channels: 4 } })
      .png()
      .toFile(path.join(root, 'logo.png'));
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#3366cc' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toFile(path.join(root, 'phone.jpg'));
    studio = new UpscaleStudio({
      dataDir: path.join(root, 'data'),
      videoDir: path.join(root, 'videos'),
      provider: 'cpu',
      runner: inlineJobRunner,
      log: silentLogger,
    });
    await studio.start();
    server = new HttpServer({
      hlsRoot: path.join(root, 'hls'),
      streams: { list: () => [], get: () => undefined },
      metrics: createMetrics({ collectDefault: false }),
      readiness: () => ({ ready: true }),
      log: silentLogger,
      apiToken: TOKEN,
      jobs,
      upscale: studio,
    });
    base = `http://127.0.0.1:${await server.start(0, '127.0.0.1')}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await studio?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ acceptDownloads: true });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`http ${r.status()}: ${new URL(r.url()).pathname}`);
    });
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
    await page.goto(`${base}/upscale#token=${TOKEN}`);
    return { page, problems };
  }

  it('uploads, shows progress, compares before/after with the split and zoom, and downloads a file and a zip', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#model option[value="uprez-x2"]').waitFor({ state: 'attached' });
      expect(await page.locator('#model').inputValue()).toBe('uprez-x2');
      // The token was taken out of the address bar.
      expect(new URL(page.url()).hash).toBe('');

      await page.locator('#files').setInputFiles([path.join(root, 'logo.png'), path.join(root, 'phone.jpg')]);
      await expect.poll(() => page.locator('#results li[data-state="uploaded"]').count(), { timeout: 10_000 }).toBe(2);
      await page.locator('#start:not([disabled])').click();
      await page.locator('#batch[data-state="done"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#results li[data-state="done"]').count()).toBe(2);
      expect(await page.locator('#batch-progress').evaluate((p) => (p as unknown as { value: number }).value)).toBe(1);
      expect(await page.locator('#status').textContent()).toMatch(/Batch done: 2 of 2 done/);
      expect(await page.locator('#results li').nth(1).textContent()).toContain('turned upright (EXIF orientation 6)');

      // Compare: both pictures load; the after one has twice the pixels of the before one.
      await page.locator('#results li').first().locator('.compare-button').click();
      await page.locator('#compare-after[data-loaded="true"]').waitFor();
      await page.locator('#compare-before[data-loaded="true"]').waitFor();
      const sizes = await page.evaluate(
        `['compare-before', 'compare-after'].map((id) => [document.getElementById(id).naturalWidth, document.getElementById(id).naturalHeight])`,
      );
      expect(sizes).toEqual([
        [64, 48],
        [128, 96],
      ]);
      // Drag the divider to a quarter of the picture; the slider follows.
      const stage = await page.locator('#compare-stage').boundingBox();
      const divider = await page.locator('#compare-divider').boundingBox();
      if (!stage || !divider) throw new Error('no stage');
      await page.mouse.move(divider.x + divider.width / 2, divider.y + divider.height / 2);
      await page.mouse.down();
      await page.mouse.move(stage.x + stage.width / 4, divider.y + divider.height / 2, { steps: 5 });
      await page.mouse.up();
      expect(Number(await page.locator('#compare-split').inputValue())).toBeGreaterThanOrEqual(23);
      expect(Number(await page.locator('#compare-split').inputValue())).toBeLessThanOrEqual(27);
      await page.locator('#compare-zoom').selectOption('4');
      const transforms = await page.evaluate(`[...document.querySelectorAll('#compare-stage img')].map((i) => i.style.transform)`);
      expect(transforms).toEqual(['scale(4)', 'scale(4)']);
      await page.locator('#compare-bar [data-layout="side"]').click();
      expect(await page.locator('#compare-stage').getAttribute('data-layout')).toBe('side');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'upscale-compare.png'), fullPage: true });

      // One file, then the batch as a zip.
      const [one] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#results li').first().locator('.download-button').click(),
      ]);
      expect(one.suggestedFilename()).toBe('logo-x2.png');
      const onePath = path.join(root, 'one.png');
      await one.saveAs(onePath);
      const m = await sharp(await readFile(onePath)).metadata();
      expect([m.format, m.width, m.height, m.hasAlpha]).toEqual(['png', 128, 96, true]);
      const [zip] = await Promise.all([page.waitForEvent('download'), page.locator('#download-zip').click()]);
      const zipPath = path.join(root, 'all.zip');
      await zip.saveAs(zipPath);
      const names = execFileSync(
        'python3',
        ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(",".join(z.namelist()))', zipPath],
        { encoding: 'utf8' },
      ).trim();
      expect(names).toBe('logo-x2.png,phone-x2.jpg');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("refuses a file that is not an image, with the server's reason on its row", async () => {
    const { page, problems } = await open();
    try {
      await writeFile(path.join(root, 'notes.png'), 'just text');
      await page.locator('#model option').first().waitFor({ state: 'attached' });
      await page.locator('#files').setInputFiles(path.join(root, 'notes.png'));
      await page.locator('#results li[data-state="failed"]').waitFor();
      expect(await page.locator('#results li').textContent()).toMatch(/not an image uprez reads/);
      expect(await page.locator('#start').isDisabled()).toBe(true);
      // The refused upload itself is the only failed request.
      expect(problems.sort()).toEqual([
        'console: Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)',
        'http 415: /api/upscale/uploads',
      ]);
    } finally {
      await page.close();
    }
  });

  it('starts a file job for a video of the jobs input folder and offers its MP4', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#video option[value="talk.mp4"]').waitFor({ state: 'attached' });
      await page.locator('#denoise').selectOption('2');
      await page.locator('#video-start:not([disabled])').click();
      await page.locator('#video-download:not([hidden])').waitFor({ timeout: 10_000 });
      expect(await page.locator('#video-download').getAttribute('href')).toBe('/vod/00000000000000a1/out.mp4');
      expect(await page.locator('#video-status').textContent()).toContain('talk.mp4: done');
      expect(jobs.created).toEqual([{ type: 'file', input: 'talk.mp4', scale: 2, mp4: true, x4: 'auto', model: 'uprez-x2', denoise: 2 }]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
