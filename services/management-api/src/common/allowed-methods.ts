import type { Application } from 'express';

interface RouteLayer {
  route?: { path: string; _methods(): string[] };
  match(path: string): boolean;
}

/** Where Nest mounts middleware for every route (forRoutes('*')): it answers all methods but is no endpoint. */
const MIDDLEWARE_PATH = '/{*path}';

/**
 * The methods the application answers on a path (from Express's route table), so a request
 * with another method is 405 with `Allow`, not 404: HEAD goes with GET. Empty when no route
 * has the path at all.
 */
export function allowedMethodsOf(app: Application): (path: string) => string[] {
  return (path) => {
    const router = (app as unknown as { router?: { stack: RouteLayer[] } }).router;
    const methods = new Set<string>();
    for (const layer of router?.stack ?? []) {
      if (!layer.route || layer.route.path === MIDDLEWARE_PATH || !layer.match(path)) continue;
      for (const method of layer.route._methods()) methods.add(method.toUpperCase());
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
