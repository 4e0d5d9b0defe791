// Once per jest run, before any test file: a tag for the run that every test prefix carries
// (uniquePrefix, libs/testing/src/servers.ts), so the run's teardown can delete the topics it
// made. The workers inherit the environment set here.
const { randomBytes } = require('node:crypto');

module.exports = async () => {
  process.env.CALLHOOKS_TEST_RUN = `r${randomBytes(3).toString('hex')}`;
};
