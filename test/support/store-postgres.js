process.env.TEST_STORE = 'postgres';
process.env.TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
