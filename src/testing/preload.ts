// Loaded before every test file (bunfig.toml): nothing global beyond a quieter default log level.
process.env.BREEZE_LOG_LEVEL ??= 'error'
