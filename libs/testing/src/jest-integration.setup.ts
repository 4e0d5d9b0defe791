// Integration tests talk to real servers: give each test and hook two minutes
// (jest ignores testTimeout inside a project's config).
jest.setTimeout(120_000);
