#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <string>
#include <vector>

#include "database_impl.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;

namespace vanthu::storage {
namespace {

struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;  ///< portable SQL, or SQLite's where the two differ
  /// PostgreSQL's statements where its SQL differs (types, triggers); empty: `statements`.
  std::vector<const char*> postgresql = {};
};

std::vector<const char*> concat(std::vector<const char*> first,
                                std::initializer_list<const char*> second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

// Migration 5's tables: the same SQL on both databases.
std::vector<const char*> workflowTables() {
  return {
      // A template version is never changed: saving makes the next version.
      "CREATE TABLE workflow_templates ("
      " id TEXT NOT NULL, version INTEGER NOT NULL, organisation_id TEXT NOT NULL,"
      " name TEXT NOT NULL, direction TEXT NOT NULL, created_by TEXT NOT NULL,"
      " created_at TEXT NOT NULL, PRIMARY KEY (id, version))",
      "CREATE TABLE workflow_template_levels ("
      " template_id TEXT NOT NULL, template_version INTEGER NOT NULL, number INTEGER NOT NULL,"
      " name TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"
      " optional INTEGER NOT NULL, reviewers TEXT NOT NULL, reviewer_count INTEGER NOT NULL,"
      " approval_signature INTEGER NOT NULL, deadline_days INTEGER NOT NULL,"
      " PRIMARY KEY (template_id, template_version, number),"
      " FOREIGN KEY (template_id, template_version) REFERENCES workflow_templates(id, "
      "version))",
      "CREATE TABLE assignments ("
      " id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),"
      " kind TEXT NOT NULL CHECK (kind IN ('lead_unit', 'supporting_unit', 'specialist')),"
      " unit_id TEXT NOT NULL REFERENCES units(id), user_id TEXT REFERENCES users(id),"
      " assigned_by TEXT NOT NULL, on_behalf_of TEXT NOT NULL, instruction TEXT NOT NULL,"
      " due_date TEXT NOT NULL, status TEXT NOT NULL, result TEXT NOT NULL,"
      " created_at TEXT NOT NULL, completed_at TEXT NOT NULL, revision BIGINT NOT NULL)",
      "CREATE INDEX assignments_by_document ON assignments (document_id)",
      "CREATE INDEX assignments_open_by_unit ON assignments (unit_id, status, due_date)",
      "CREATE INDEX assignments_open_by_user ON assignments (user_id, status, due_date)",
      "CREATE TABLE exchange_outbox ("
      " id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),"
      " recipient_code TEXT NOT NULL, kind TEXT NOT NULL, payload_hash TEXT NOT NULL,"
      " status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL,"
      " last_error TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT NOT NULL,"
      " lease_owner TEXT NOT NULL, lease_until TEXT NOT NULL, lease_claim TEXT NOT NULL)",
      "CREATE INDEX exchange_outbox_due ON exchange_outbox (status, next_attempt_at)",
      "CREATE INDEX exchange_outbox_by_document ON exchange_outbox (document_id)",
      "CREATE TABLE exchange_inbox ("
      " id TEXT PRIMARY KEY, sender_code TEXT NOT NULL,"
      " recipient_organisation_id TEXT NOT NULL REFERENCES organisations(id),"
      " kind TEXT NOT NULL, payload_hash TEXT NOT NULL, status TEXT NOT NULL,"
      " document_id TEXT NOT NULL, note TEXT NOT NULL, received_at TEXT NOT NULL,"
      " processed_at TEXT NOT NULL)",
      "CREATE INDEX exchange_inbox_by_organisation"
      " ON exchange_inbox (recipient_organisation_id, received_at)",
      // The lists: one organisation (one direction, or both), newest change first, a page at a
      // time; a later page continues from the last row seen (keyset), not by OFFSET.
      "CREATE INDEX documents_listing ON documents (organisation_id, direction, updated_at, id)",
      "CREATE INDEX documents_listing_all ON documents (organisation_id, updated_at, id)",
  };
}

// Migration 7's tables: the same SQL on both databases. Times are Unix seconds; 0 = not set.
// Refresh and API tokens are stored only as SHA-256 hex.
std::vector<const char*> authTables() {
  return {
      "CREATE TABLE auth_secrets ("
      " name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL)",
      "CREATE TABLE auth_sessions ("
      " id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),"
      " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL,"
      " revoked_reason TEXT NOT NULL)",
      "CREATE INDEX auth_sessions_by_user ON auth_sessions (user_id, revoked_at)",
      "CREATE TABLE auth_refresh_tokens ("
      " token_hash TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES auth_sessions(id),"
      " created_at BIGINT NOT NULL, used_at BIGINT NOT NULL)",
      "CREATE INDEX auth_refresh_tokens_by_session ON auth_refresh_tokens (session_id)",
      "CREATE TABLE login_failures ("
      " username TEXT PRIMARY KEY, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL,"
      " locked_until BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
      "CREATE TABLE api_tokens ("
      " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
      " organisation_id TEXT NOT NULL REFERENCES organisations(id),"
      " created_by TEXT NOT NULL REFERENCES users(id), scopes TEXT NOT NULL,"
      " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL)",
      "CREATE INDEX api_tokens_by_organisation ON api_tokens (organisation_id, created_at)",
  };
}

// Append only. A released migration is never edited: later ones change what earlier ones made.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       "directory: tiers, organisations, units, users, role grants, key references",
       {
           "CREATE TABLE tiers ("
           " code TEXT PRIMARY KEY, name TEXT NOT NULL, rank INTEGER NOT NULL,"
           " abolished_on TEXT)",
           "CREATE TABLE organisations ("
           " id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
           " abbreviation TEXT NOT NULL, tier_code TEXT NOT NULL REFERENCES tiers(code),"
           " parent_id TEXT REFERENCES organisations(id), endpoint TEXT NOT NULL DEFAULT '',"
           " dissolved_on TEXT)",
           "CREATE TABLE units ("
           " id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " name TEXT NOT NULL, abbreviation TEXT NOT NULL,"
           " UNIQUE (organisation_id, name))",
           "CREATE TABLE users ("
           " id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,"
           " position TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',"
           " organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " unit_id TEXT REFERENCES units(id), password_hash TEXT NOT NULL,"
           " active INTEGER NOT NULL DEFAULT 1)",
           "CREATE TABLE role_grants ("
           " user_id TEXT NOT NULL REFERENCES users(id), role TEXT NOT NULL,"
           " organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " unit_id TEXT REFERENCES units(id),"
           " UNIQUE (user_id, role, organisation_id, unit_id))",
           "CREATE TABLE key_references ("
           " id TEXT PRIMARY KEY, user_id TEXT REFERENCES users(id),"
           " organisation_id TEXT REFERENCES organisations(id), source TEXT NOT NULL,"
           " location TEXT NOT NULL, certificate_subject TEXT NOT NULL,"
           " certificate_serial TEXT NOT NULL, not_after TEXT NOT NULL,"
           " CHECK ((user_id IS NULL) <> (organisation_id IS NULL)))",
       }},
      {2,
       "documents, immutable versions, registers and their yearly counters",
       {
           "CREATE TABLE documents ("
           " id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " direction TEXT NOT NULL, document_type TEXT NOT NULL, subject TEXT NOT NULL,"
           " status TEXT NOT NULL, urgency TEXT NOT NULL, confidentiality TEXT NOT NULL,"
           " created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
           " revision BIGINT NOT NULL, register_id TEXT, register_year INTEGER,"
           " register_number INTEGER, notation TEXT,"
           " UNIQUE (register_id, register_year, register_number))",
           "CREATE INDEX documents_by_organisation ON documents (organisation_id, status)",
           "CREATE TABLE document_versions ("
           " document_id TEXT NOT NULL REFERENCES documents(id), number INTEGER NOT NULL,"
           " blob_hash TEXT NOT NULL, parent_number INTEGER, kind TEXT NOT NULL,"
           " actor TEXT NOT NULL, on_behalf_of TEXT NOT NULL, reason TEXT NOT NULL,"
           " size BIGINT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (document_id, number))",
           "CREATE TABLE registers ("
           " id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " name TEXT NOT NULL, direction TEXT NOT NULL)",
           "CREATE TABLE register_counters ("
           " register_id TEXT NOT NULL REFERENCES registers(id), year INTEGER NOT NULL,"
           " last_number INTEGER NOT NULL, PRIMARY KEY (register_id, year))",
       }},
      {3,
       "audit log: entries (hash chain), Merkle tree nodes, signed checkpoints, signing keys",
       {
           // sequence is the 0-based Merkle leaf index; hashes are lowercase hex.
           "CREATE TABLE audit_entries ("
           " sequence INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL,"
           " organisation_id TEXT NOT NULL, document_id TEXT NOT NULL, action TEXT NOT NULL,"
           " details TEXT NOT NULL, client_address TEXT NOT NULL, previous_hash TEXT NOT NULL,"
           " entry_hash TEXT NOT NULL, leaf_hash TEXT NOT NULL)",
           "CREATE INDEX audit_entries_by_document ON audit_entries (document_id, sequence)",
           // Complete subtrees: (level, idx) covers leaves idx*2^level .. (idx+1)*2^level-1.
           "CREATE TABLE audit_nodes ("
           " level INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL,"
           " PRIMARY KEY (level, idx)) WITHOUT ROWID",
           "CREATE TABLE audit_checkpoints ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, tree_size INTEGER NOT NULL,"
           " root_hash TEXT NOT NULL, timestamp_ms INTEGER NOT NULL, signature TEXT NOT NULL,"
           " key_id TEXT NOT NULL)",
           "CREATE TABLE audit_keys ("
           " key_id TEXT PRIMARY KEY, public_key_pem TEXT NOT NULL, added_at TEXT NOT NULL)",
           // The code never changes these rows; the triggers make a slip loud. Someone with the
           // file can drop them, which is why verification does not rely on them.
           "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries"
           " BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
           "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries"
           " BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
           "CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes"
           " BEGIN SELECT RAISE(ABORT, 'audit tree nodes are append-only'); END",
           "CREATE TRIGGER audit_nodes_no_delete BEFORE DELETE ON audit_nodes"
           " BEGIN SELECT RAISE(ABORT, 'audit tree nodes are append-only'); END",
           "CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
           " BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END",
           "CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
           " BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END",
       },
       {
           "CREATE TABLE audit_entries ("
           " sequence BIGINT PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL,"
           " organisation_id TEXT NOT NULL, document_id TEXT NOT NULL, action TEXT NOT NULL,"
           " details TEXT NOT NULL, client_address TEXT NOT NULL, previous_hash TEXT NOT NULL,"
           " entry_hash TEXT NOT NULL, leaf_hash TEXT NOT NULL)",
           "CREATE INDEX audit_entries_by_document ON audit_entries (document_id, sequence)",
           "CREATE TABLE audit_nodes ("
           " level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL,"
           " PRIMARY KEY (level, idx))",
           "CREATE TABLE audit_checkpoints ("
           " id BIGSERIAL PRIMARY KEY, tree_size BIGINT NOT NULL, root_hash TEXT NOT NULL,"
           " timestamp_ms BIGINT NOT NULL, signature TEXT NOT NULL, key_id TEXT NOT NULL)",
           "CREATE TABLE audit_keys ("
           " key_id TEXT PRIMARY KEY, public_key_pem TEXT NOT NULL, added_at TEXT NOT NULL)",
           // The issue asks PostgreSQL to refuse changes to audit rows too: UPDATE, DELETE and
           // TRUNCATE (which row triggers do not see).
           "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
           " $body$ BEGIN RAISE EXCEPTION 'audit rows are append-only (%)', TG_TABLE_NAME;"
           " END $body$",
           "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries"
           " FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries"
           " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_nodes_append_only BEFORE UPDATE OR DELETE ON audit_nodes"
           " FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_nodes_no_truncate BEFORE TRUNCATE ON audit_nodes"
           " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON"
           " audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints"
           " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
       }},
      {4,
       "audit log: RFC 3161 time-stamp tokens over signed checkpoints",
       {
           // A checkpoint is named by its tree size and its signature (unique: the signed bytes
           // hold the time). The token is lowercase hex DER, the same on both databases.
           "CREATE TABLE audit_checkpoint_timestamps ("
           " id INTEGER PRIMARY KEY AUTOINCREMENT, tree_size INTEGER NOT NULL,"
           " checkpoint_signature TEXT NOT NULL, token TEXT NOT NULL, gen_time TEXT NOT NULL,"
           " authority TEXT NOT NULL)",
           "CREATE INDEX audit_checkpoint_timestamps_by_checkpoint"
           " ON audit_checkpoint_timestamps (tree_size, checkpoint_signature)",
           "CREATE TRIGGER audit_checkpoint_timestamps_no_update BEFORE UPDATE"
           " ON audit_checkpoint_timestamps"
           " BEGIN SELECT RAISE(ABORT, 'audit checkpoint time-stamps are append-only'); END",
           "CREATE TRIGGER audit_checkpoint_timestamps_no_delete BEFORE DELETE"
           " ON audit_checkpoint_timestamps"
           " BEGIN SELECT RAISE(ABORT, 'audit checkpoint time-stamps are append-only'); END",
       },
       {
           "CREATE TABLE audit_checkpoint_timestamps ("
           " id BIGSERIAL PRIMARY KEY, tree_size BIGINT NOT NULL,"
           " checkpoint_signature TEXT NOT NULL, token TEXT NOT NULL, gen_time TEXT NOT NULL,"
           " authority TEXT NOT NULL)",
           "CREATE INDEX audit_checkpoint_timestamps_by_checkpoint"
           " ON audit_checkpoint_timestamps (tree_size, checkpoint_signature)",
           "CREATE TRIGGER audit_checkpoint_timestamps_append_only BEFORE UPDATE OR DELETE ON"
           " audit_checkpoint_timestamps FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
           "CREATE TRIGGER audit_checkpoint_timestamps_no_truncate BEFORE TRUNCATE ON"
           " audit_checkpoint_timestamps FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
       }},
      {5,
       "workflow templates (versioned), assignments, exchange outbox and inbox, document lists;"
       " document versions refuse changes",
       concat(workflowTables(),
              {
                  "CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions"
                  " BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END",
                  "CREATE TRIGGER document_versions_no_delete BEFORE DELETE ON document_versions"
                  " BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END",
              }),
       concat(
           workflowTables(),
           {
               "CREATE FUNCTION immutable_row() RETURNS trigger LANGUAGE plpgsql AS"
               " $body$ BEGIN RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME; END $body$",
               "CREATE TRIGGER document_versions_immutable BEFORE UPDATE OR DELETE ON"
               " document_versions FOR EACH ROW EXECUTE FUNCTION immutable_row()",
               "CREATE TRIGGER document_versions_no_truncate BEFORE TRUNCATE ON document_versions"
               " FOR EACH STATEMENT EXECUTE FUNCTION immutable_row()",
           })},
      {6,
       "blobs in the database: version records and their bytes in chunks (storage.blobs)",
       {
           // One row per version (blob_store.h): its own bytes are the chunks under content_key
           // (all of them for a full blob, the tail for a "parent + tail" version), whose size
           // and SHA-256 are kept to name a damaged part. created_at: Unix seconds.
           "CREATE TABLE blob_records ("
           " hash TEXT PRIMARY KEY, size INTEGER NOT NULL, parent_hash TEXT,"
           " sha256_state TEXT NOT NULL, content_key TEXT NOT NULL UNIQUE,"
           " content_size INTEGER NOT NULL, content_sha256 TEXT NOT NULL,"
           " created_at INTEGER NOT NULL)",
           "CREATE TABLE blob_chunks ("
           " content_key TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL,"
           " PRIMARY KEY (content_key, seq))",
       },
       {
           "CREATE TABLE blob_records ("
           " hash TEXT PRIMARY KEY, size BIGINT NOT NULL, parent_hash TEXT,"
           " sha256_state TEXT NOT NULL, content_key TEXT NOT NULL UNIQUE,"
           " content_size BIGINT NOT NULL, content_sha256 TEXT NOT NULL,"
           " created_at BIGINT NOT NULL)",
           "CREATE TABLE blob_chunks ("
           " content_key TEXT NOT NULL, seq INTEGER NOT NULL, bytes BYTEA NOT NULL,"
           " PRIMARY KEY (content_key, seq))",
           // PDFs are compressed already: out of line, without another compression attempt.
           "ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL",
       }},
      {7,
       "authentication: sessions with rotating refresh tokens, login lock-outs, API tokens,"
       " the shared JWT signing secret",
       authTables()},
      {8,
       "administration: delegations (who acts for whom, from when to when), key references"
       " that can be withdrawn",
       {
           // Times are Unix seconds; revoked_at 0 = in force. Rows are revoked, never deleted.
           "CREATE TABLE delegations ("
           " id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL REFERENCES organisations(id),"
           " from_user_id TEXT NOT NULL REFERENCES users(id),"
           " to_user_id TEXT NOT NULL REFERENCES users(id),"
           " scope TEXT NOT NULL CHECK (scope IN ('sign', 'approve', 'all')),"
           " starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL, reason TEXT NOT NULL,"
           " created_by TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL,"
           " CHECK (ends_at > starts_at), CHECK (from_user_id <> to_user_id))",
           "CREATE INDEX delegations_by_pair ON delegations (from_user_id, to_user_id, starts_at)",
           "CREATE INDEX delegations_by_organisation ON delegations (organisation_id, starts_at)",
           "ALTER TABLE key_references ADD COLUMN active INTEGER NOT NULL DEFAULT 1",
       }},
      {9,
       "outgoing approval flow: where each document is in its template (document_flows) and"
       " the acts that moved it (document_acts)",
       {
           // The template version a document started with stays with it: editing the template
           // never changes a running document. approvals and skipped_levels are JSON arrays.
           "CREATE TABLE document_flows ("
           " document_id TEXT PRIMARY KEY REFERENCES documents(id),"
           " template_id TEXT NOT NULL, template_version INTEGER NOT NULL,"
           " status TEXT NOT NULL, level INTEGER NOT NULL, approvals TEXT NOT NULL,"
           " returned_to INTEGER NOT NULL, skipped_levels TEXT NOT NULL,"
           " drafter_id TEXT NOT NULL, drafter_unit_id TEXT NOT NULL,"
           " FOREIGN KEY (template_id, template_version)"
           " REFERENCES workflow_templates(id, version))",
           // Append only; seq is 1, 2, ... per document. Times are Unix seconds.
           "CREATE TABLE document_acts ("
           " id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),"
           " seq INTEGER NOT NULL, action TEXT NOT NULL, actor_id TEXT NOT NULL,"
           " on_behalf_of TEXT NOT NULL, role TEXT NOT NULL, authority_marker TEXT NOT NULL,"
           " from_level INTEGER NOT NULL, to_level INTEGER NOT NULL, comment TEXT NOT NULL,"
           " at BIGINT NOT NULL)",
           // The timeline's index, and what keeps two acts from taking the same place.
           "CREATE UNIQUE INDEX document_acts_by_document ON document_acts (document_id, seq)",
       }},
      {10,
       "incoming flow: where each received document is (incoming_flows); its acts go to"
       " document_acts with the outgoing ones",
       {
           // supporting_unit_ids is a JSON array; due_date an ISO date ("" = none);
           // verification_report the JSON report of the signatures checked at arrival.
           "CREATE TABLE incoming_flows ("
           " document_id TEXT PRIMARY KEY REFERENCES documents(id),"
           " status TEXT NOT NULL, lead_unit_id TEXT NOT NULL,"
           " supporting_unit_ids TEXT NOT NULL, due_date TEXT NOT NULL,"
           " instruction TEXT NOT NULL, specialist_id TEXT NOT NULL, result TEXT NOT NULL,"
           " reply_document_id TEXT REFERENCES documents(id),"
           " verification_verdict TEXT NOT NULL, verification_report TEXT NOT NULL,"
           " updated_at TEXT NOT NULL)",
           "CREATE INDEX incoming_flows_by_status ON incoming_flows (status, due_date)",
       }},
      {11,
       "attachments: separate files sent with a document (phụ lục), each signed by the"
       " organisation at issuance",
       {
           // number is 1, 2, ... per document. signed_blob_hash is set once, at issuance.
           "CREATE TABLE document_attachments ("
           " document_id TEXT NOT NULL REFERENCES documents(id), number INTEGER NOT NULL,"
           " name TEXT NOT NULL, blob_hash TEXT NOT NULL, size BIGINT NOT NULL,"
           " created_by TEXT NOT NULL, created_at TEXT NOT NULL, signed_blob_hash TEXT,"
           " signed_size BIGINT, PRIMARY KEY (document_id, number))",
       }},
      {12,
       "holiday calendar: national and organisation days off, and weekend days worked in their"
       " place, for counting working days",
       {
           // organisation_id "" = national (no foreign key: it names no organisation).
           // iso_date is YYYY-MM-DD; worked_instead 1 = a weekend day worked, 0 = a day off.
           "CREATE TABLE calendar_days ("
           " organisation_id TEXT NOT NULL, iso_date TEXT NOT NULL, name TEXT NOT NULL,"
           " worked_instead INTEGER NOT NULL CHECK (worked_instead IN (0, 1)),"
           " PRIMARY KEY (organisation_id, iso_date))",
       }},
      {13,
       "workflow templates: where the sign level's signature goes (signature_placement)",
       {
           // "PAGE X Y WIDTH HEIGHT" (page negative from the end, points); "" for none.
           "ALTER TABLE workflow_template_levels ADD COLUMN signature_placement TEXT NOT NULL"
           " DEFAULT ''",
       }},
      {14,
       "pending external signatures: the prepared state of a signature whose key is at the"
       " signer's desk, between handing out the digest and taking back the signature value",
       {
           // prepared is signing::PreparedSignature::serialize(); its work file is the blob
           // work_blob_hash. Times are Unix seconds; completed_at is 0 until completed.
           "CREATE TABLE pending_signatures ("
           " id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),"
           " user_id TEXT NOT NULL, key_id TEXT NOT NULL, action TEXT NOT NULL,"
           " document_revision BIGINT NOT NULL, version_number INTEGER NOT NULL,"
           " prepared TEXT NOT NULL, work_blob_hash TEXT NOT NULL,"
           " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
           " completed_at BIGINT NOT NULL)",
           "CREATE INDEX pending_signatures_by_expiry ON pending_signatures (expires_at)",
       }},
      {15,
       "organisations: the default template of new outgoing documents (outgoing_template_id)",
       {
           // A template id (shipped, or the organisation's own); "" for the product's default,
           // outgoing-4.
           "ALTER TABLE organisations ADD COLUMN outgoing_template_id TEXT NOT NULL DEFAULT ''",
       }},
      {16,
       "exchange between agencies: the recipients of an outgoing document, the credentials of"
       " each peer's endpoint, the edXML identity of what was sent and where an incoming"
       " document came from, and the per-recipient status timeline",
       {
           // position keeps the order the drafter gave (the nơi nhận list as printed).
           "CREATE TABLE document_recipients ("
           " document_id TEXT NOT NULL REFERENCES documents(id),"
           " organisation_code TEXT NOT NULL, position INTEGER NOT NULL,"
           " PRIMARY KEY (document_id, organisation_code))",
           // The token this instance presents to the peer's inbox and the PEM of the CA its TLS
           // certificate must chain to; the endpoint itself is organisations.endpoint.
           "CREATE TABLE exchange_peer_credentials ("
           " organisation_code TEXT PRIMARY KEY, token TEXT NOT NULL, ca_pem TEXT NOT NULL,"
           " updated_at TEXT NOT NULL)",
           // The edXML DocumentId (OrganId,YYYY/MM/DD,Number/Notation) an issued document was
           // sent under: status messages name the document by it.
           "CREATE TABLE exchange_sent_documents ("
           " document_id TEXT PRIMARY KEY REFERENCES documents(id),"
           " edxml_document_id TEXT NOT NULL UNIQUE)",
           "CREATE TABLE exchange_origins ("
           " document_id TEXT PRIMARY KEY REFERENCES documents(id),"
           " sender_code TEXT NOT NULL, sender_name TEXT NOT NULL,"
           " edxml_document_id TEXT NOT NULL, code_number TEXT NOT NULL,"
           " code_notation TEXT NOT NULL, promulgation_date TEXT NOT NULL,"
           " message_id TEXT NOT NULL, recalled_at TEXT NOT NULL)",
           "CREATE INDEX exchange_origins_by_sender ON exchange_origins"
           " (sender_code, edxml_document_id)",
           // One row per event on a recipient's line: a status the recipient reported (its
           // message id keeps a repeated report from counting twice) or our own delivery
           // events ("sent", "delivery_failed").
           "CREATE TABLE exchange_tracking ("
           " id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),"
           " recipient_code TEXT NOT NULL, status_code TEXT NOT NULL,"
           " description TEXT NOT NULL, staff TEXT NOT NULL, reported_at TEXT NOT NULL,"
           " recorded_at TEXT NOT NULL)",
           "CREATE INDEX exchange_tracking_by_document ON exchange_tracking"
           " (document_id, recorded_at)",
       }},
      {17,
       "a received message is recorded once per receiving organisation: one instance may host"
       " several recipients of the same package",
       {
           "UPDATE exchange_inbox SET id = id || ':' || recipient_organisation_id",
       }},
      {18,
       "the units of its own organisation an outgoing document is also addressed to (nơi nhận"
       " within the agency), in order",
       {
           "CREATE TABLE document_unit_recipients ("
           " document_id TEXT NOT NULL REFERENCES documents(id),"
           " unit_id TEXT NOT NULL REFERENCES units(id), position INTEGER NOT NULL,"
           " PRIMARY KEY (document_id, unit_id))",
       }},
  };
  return all;
}

}  // namespace

int knownSchemaVersion() {
  return migrations().back().version;
}

int appliedSchemaVersion(Poco::Data::Session& session) {
  int version = 0;
  session << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
  return version;
}

void applyMigrations(Poco::Data::Session& session, Dialect dialect, int upTo) {
  session << "CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      now;
  int current = appliedSchemaVersion(session);
  if (current > knownSchemaVersion()) {
    throw Error(ErrorCode::DatabaseUnavailable,
                "the database has schema version " + std::to_string(current) +
                    " but this build knows only up to " + std::to_string(knownSchemaVersion()) +
                    "; run a newer vanthu");
  }
  for (const auto& migration : migrations()) {
    if (migration.version <= current || migration.version > upTo) continue;
    try {
      session.begin();
      const auto& statements = dialect == Dialect::Postgresql && !migration.postgresql.empty()
                                   ? migration.postgresql
                                   : migration.statements;
      for (const char* statement : statements) {
        session << adaptSql(statement, dialect), now;
      }
      int version = migration.version;
      std::string name = migration.name;
      session << adaptSql(
          "INSERT INTO schema_migrations (version, name, applied_at)"
          " VALUES (?, ?, CURRENT_TIMESTAMP)",
          dialect),
          use(version), use(name), now;
      session.commit();
    } catch (const Poco::Exception& e) {
      if (session.isTransaction()) sql::rollbackQuietly(session);
      throw Error(ErrorCode::DatabaseUnavailable, "migration " + std::to_string(migration.version) +
                                                      " (" + migration.name +
                                                      ") failed: " + e.displayText());
    }
  }
}

}  // namespace vanthu::storage
