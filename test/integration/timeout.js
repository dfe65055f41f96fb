// Real services under load can be slow; this guards against hangs only.
jest.setTimeout(120_000);
