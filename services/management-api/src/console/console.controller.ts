import { Controller, Get, Inject, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NotFoundError } from '@callhooks/contracts';
import { resolveConsoleAsset } from './console-assets';
import { CONSOLE_ROOT } from './console.tokens';

/**
 * The pages only talk to the public REST API on the same origin, so the policy can be
 * strict: no inline script or style, no other origin, not framed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the admin console (static ES modules and one stylesheet, no build step) at /console/. */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  constructor(@Inject(CONSOLE_ROOT) private readonly root: string | null) {}

  @Get()
  @Redirect('/console/', 302)
  home(): void {}

  @Get(['console', 'console/*asset'])
  asset(@Req() req: Request, @Res() res: Response): void {
    // relative links in the pages need the trailing slash (express matches /console and /console/ alike)
    if (req.path === '/console') return res.redirect(301, '/console/');
    const requested = req.path.replace(/^\/console\/?/, '');
    const asset = this.root === null ? null : resolveConsoleAsset(this.root, requested);
    if (!asset)
      throw new NotFoundError(this.root === null ? 'the console is not installed (services/management-api/console is missing)' : `no console file ${req.path}`);
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    // revalidate every time (ETag): a new release is picked up without a hard reload
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(asset.path, { dotfiles: 'deny', etag: true, lastModified: true });
  }
}
