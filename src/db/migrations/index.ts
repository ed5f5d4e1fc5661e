import { Migration20261121000000_initial } from './Migration20261121000000_initial.js';

/** Migrations in the order they run; `npm run migration:create` writes new ones to this folder. */
export const migrationsList = [
  { name: 'Migration20261121000000_initial', class: Migration20261121000000_initial },
];
