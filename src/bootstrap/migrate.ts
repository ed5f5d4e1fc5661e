export { migrateAndSeed } from '../db/migrate.js';
