/**
 * The API page at `/`: Swagger UI (swagger-ui-dist, served from this server: no CDN) rendering
 * /fhir/openapi.json, with "try it" calling this server. The initializer is a file, not an inline
 * script, so a strict Content-Security-Policy holds.
 */
import express, { type Express, type Request, type Response } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>PRSS FHIR Server API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/fhir/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  docExpansion: 'none',
  defaultModelsExpandDepth: -1,
  displayRequestDuration: true,
  filter: true,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function mountApiPage(app: Express): void {
  const dist = path.dirname(createRequire(__filename).resolve('swagger-ui-dist/package.json'));
  app.get('/', (_req: Request, res: Response) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(PAGE);
  });
  app.get('/docs/init.js', (_req: Request, res: Response) => {
    res.type('application/javascript').send(INIT);
  });
  const assets = express.static(dist, { index: false, maxAge: '1h', fallthrough: true });
  app.use('/docs', (req, res, next) => (ASSETS.includes(req.path.slice(1)) ? assets(req, res, next) : next()));
}
