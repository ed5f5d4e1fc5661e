import { Migration20261121000000_initial } from './Migration20261121000000_initial.js';
import { Migration20261121000100_status_rank } from './Migration20261121000100_status_rank.js';
import { Migration20261121000200_uploads } from './Migration20261121000200_uploads.js';
import { Migration20261121000300_webhook_content_type } from './Migration20261121000300_webhook_content_type.js';
import { Migration20261201001000_message_metadata_objects } from './Migration20261201001000_message_metadata_objects.js';
import { Migration20261201004000_accounts } from './Migration20261201004000_accounts.js';
import { Migration20261201201500_agent_tools } from './Migration20261201201500_agent_tools.js';
import { Migration20261201211500_notes_notifications } from './Migration20261201211500_notes_notifications.js';
import { Migration20261201213000_whatsapp_web_sessions } from './Migration20261201213000_whatsapp_web_sessions.js';
import { Migration20261201214000_widget_visitors } from './Migration20261201214000_widget_visitors.js';
import { Migration20261202010000_quote_totals } from './Migration20261202010000_quote_totals.js';
import { Migration20261202160000_duplicate_indexes } from './Migration20261202160000_duplicate_indexes.js';

/** Migrations in the order they run; `npm run migration:create` writes new ones to this folder. */
export const migrationsList = [
  { name: 'Migration20261121000000_initial', class: Migration20261121000000_initial },
  { name: 'Migration20261121000100_status_rank', class: Migration20261121000100_status_rank },
  { name: 'Migration20261121000200_uploads', class: Migration20261121000200_uploads },
  { name: 'Migration20261121000300_webhook_content_type', class: Migration20261121000300_webhook_content_type },
  { name: 'Migration20261201001000_message_metadata_objects', class: Migration20261201001000_message_metadata_objects },
  { name: 'Migration20261201004000_accounts', class: Migration20261201004000_accounts },
  { name: 'Migration20261201201500_agent_tools', class: Migration20261201201500_agent_tools },
  { name: 'Migration20261201211500_notes_notifications', class: Migration20261201211500_notes_notifications },
  { name: 'Migration20261201213000_whatsapp_web_sessions', class: Migration20261201213000_whatsapp_web_sessions },
  { name: 'Migration20261201214000_widget_visitors', class: Migration20261201214000_widget_visitors },
  { name: 'Migration20261202010000_quote_totals', class: Migration20261202010000_quote_totals },
  { name: 'Migration20261202160000_duplicate_indexes', class: Migration20261202160000_duplicate_indexes },
];
