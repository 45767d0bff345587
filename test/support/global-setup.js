// Build the generated schema validators once before any test worker starts (npx jest on a fresh clone).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'ensure-generated.mjs')], { stdio: 'inherit' });
};
