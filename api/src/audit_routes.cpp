#include "audit_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "action_requests.h"
#include "http_support.h"
#include "outgoing_flow_service.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
// Sequences and tree sizes are SQL integers: a larger number names nothing and is refused as such.
constexpr uint64_t kMaxNumber = static_cast<uint64_t>(INT64_MAX);

constexpr const char* kEntrySchema = R"json({"type":"object","properties":{
"sequence":{"type":"integer","minimum":0,"description":"position in the log, the Merkle leaf index; GET /api/v1/audit/proof/{sequence} proves it"},
"time":{"type":"string","format":"date-time"},
"actor_id":{"type":"string","description":"a user id, or system"},
"actor_username":{"type":["string","null"],"description":"null when the actor is not a user of the directory"},
"actor_name":{"type":["string","null"],"description":"the actor's full name; null when the actor is not a user of the directory"},
"on_behalf_of_name":{"type":["string","null"],"description":"the full name of details.on_behalf_of, the user whose delegated authority the act used; null when there is none"},
"action":{"type":"string"},
"details":{"type":"object","description":"what the entry recorded; free text comes as {\"text\": ...}"},
"client_address":{"type":"string","description":"empty for local commands"},
"hash":{"type":"string","pattern":"^[0-9a-f]{64}$"},
"previous_hash":{"type":"string","pattern":"^[0-9a-f]{64}$"}},
"required":["sequence","time","actor_id","actor_username","actor_name","on_behalf_of_name","action","details","client_address","hash","previous_hash"]})json";

constexpr const char* kListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/AuditEntry"}},
"limit":{"type":"integer","minimum":1,"maximum":200},
"offset":{"type":"integer","minimum":0},
"total":{"type":"integer","minimum":0}},"required":["items","limit","offset","total"]})json";

constexpr const char* kCheckpointSchema = R"json({"type":"object","properties":{
"tree_size":{"type":"integer","minimum":1},
"root_hash":{"type":"string","pattern":"^[0-9a-f]{64}$"},
"timestamp_ms":{"type":"integer","description":"milliseconds since the Unix epoch, as signed"},
"timestamp":{"type":"string","format":"date-time"},
"key_id":{"type":"string","pattern":"^[0-9a-f]{64}$","description":"hex SHA-256 of the key's DER SubjectPublicKeyInfo"},
"signature":{"type":"string","pattern":"^[0-9a-f]{128}$","description":"Ed25519 (RFC 8032) over signed_bytes_b64"},
"public_key_pem":{"type":["string","null"],"description":"the instance's public key when it is the one that signed (key_id matches); null after a key rotation"},
"signed_bytes_b64":{"type":"string","description":"the 51 signed bytes: uint64 timestamp_ms, uint64 tree_size, uint8 32, root_hash, uint16 0 (big-endian)"},
"timestamp_token_b64":{"type":["string","null"],"description":"an RFC 3161 token over the signed bytes followed by the raw signature, when a TSA stamped it"}},
"required":["tree_size","root_hash","timestamp_ms","timestamp","key_id","signature","public_key_pem","signed_bytes_b64","timestamp_token_b64"]})json";

constexpr const char* kProofSchema = R"json({"type":"object","properties":{
"sequence":{"type":"integer","minimum":0},
"leaf_index":{"type":"integer","minimum":0},
"leaf_hash":{"type":"string","pattern":"^[0-9a-f]{64}$","description":"SHA-256(0x00 || canonical entry)"},
"tree_size":{"type":"integer","minimum":1},
"root_hash":{"type":"string","pattern":"^[0-9a-f]{64}$","description":"the checkpoint's root for tree_size"},
"audit_path":{"type":"array","items":{"type":"string","pattern":"^[0-9a-f]{64}$"},"description":"RFC 9162 section 2.1.3 inclusion path, bottom up"}},
"required":["sequence","leaf_index","leaf_hash","tree_size","root_hash","audit_path"]})json";

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? alphabet[n & 63] : '=');
  }
  return out;
}

// Milliseconds since the epoch as "2026-11-29T04:00:00.123Z".
std::string isoTimeMs(uint64_t milliseconds) {
  std::string seconds = isoTime(static_cast<int64_t>(milliseconds / 1000));
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03u", static_cast<unsigned>(milliseconds % 1000));
  return seconds.substr(0, seconds.size() - 1) + fraction + "Z";
}

// A whole number 0..max written in decimal digits only (no sign, no spaces); nullopt otherwise.
std::optional<uint64_t> wholeNumber(const std::string& text, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t value = std::stoull(text);
  if (value > max) return std::nullopt;
  return value;
}

// The entry's details as an object: JSON objects as they are, anything else as {"text": ...}.
Object::Ptr detailsJson(const std::string& details) {
  if (!details.empty() && details.front() == '{') {
    try {
      auto parsed = Poco::JSON::Parser().parse(details);
      if (parsed.type() == typeid(Object::Ptr)) return parsed.extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
      // Not JSON after all: served as text below.
    }
  }
  Object::Ptr object = new Object;
  if (!details.empty()) object->set("text", details);
  return object;
}

// Whose authority an entry's act used: details.on_behalf_of, "" when none.
std::string onBehalfOf(const Object& details) {
  if (!details.has("on_behalf_of") || !details.get("on_behalf_of").isString()) return "";
  return details.getValue<std::string>("on_behalf_of");
}

Object::Ptr entryJson(const workflow::AuditEntry& entry,
                      const std::map<std::string, workflow::User>& users) {
  Object::Ptr json = new Object;
  json->set("sequence", entry.sequence);
  json->set("time", entry.time);
  json->set("actor_id", entry.actor);
  auto actor = users.find(entry.actor);
  if (actor != users.end()) {
    json->set("actor_username", actor->second.username);
    json->set("actor_name", actor->second.fullName);
  } else {
    json->set("actor_username", Poco::Dynamic::Var());
    json->set("actor_name", Poco::Dynamic::Var());
  }
  auto details = detailsJson(entry.details);
  auto giver = users.find(onBehalfOf(*details));
  json->set("on_behalf_of_name", giver != users.end() ? Poco::Dynamic::Var(giver->second.fullName)
                                                      : Poco::Dynamic::Var());
  json->set("action", entry.action);
  json->set("details", details);
  json->set("client_address", entry.clientAddress);
  json->set("hash", entry.hash);
  json->set("previous_hash", entry.previousHash);
  return json;
}

// The instance's public key PEM when it is the key `keyId` names; "" when it is not on disk or
// is another key (the log's key was rotated since). Read, never created: a GET writes nothing.
std::string publicKeyPemFor(const ServerConfig& config, const std::string& keyId) {
  auto path = storage::auditKeyPath(config.dataDir);
  path.replace_extension(".pub.pem");
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream pem;
  pem << in.rdbuf();
  try {
    return storage::auditKeyIdOfPem(pem.str()) == keyId ? pem.str() : "";
  } catch (const Error&) {
    return "";
  }
}

// Whether `principal` may see entry `entry`: an entry about a document, whoever may see the
// document (GET /api/v1/documents/{id}'s rule); any other entry (logins, directory and calendar
// changes), the administrators of its organisation, and of any organisation when it names none.
bool maySeeEntry(storage::Database& database, const Principal& principal,
                 const workflow::AuditEntry& entry) {
  if (!entry.documentId.empty()) {
    return loadVisibleDocument(database, entry.documentId, viewerOf(principal)).has_value();
  }
  if (!principal.isUser() || !principal.isAdministrator()) return false;
  return entry.organisationId.empty() || entry.organisationId == principal.organisationId;
}

Status noDocument(const std::string& id) {
  return Status::notFound("no document " + id);
}

}  // namespace

void registerAuditRoutes(Router& router, ApiServices& services) {
  router.addSchema("AuditEntry", kEntrySchema);
  router.addSchema("AuditEntryList", kListSchema);
  router.addSchema("AuditCheckpoint", kCheckpointSchema);
  router.addSchema("AuditInclusionProof", kProofSchema);
  // The same callers as GET /api/v1/documents/{id}; the handler applies the document's rule.
  const auto readers = Access::anyUser().orApiToken("documents:read");

  router.add(
      {"GET",
       "/api/v1/documents/{id}/audit",
       readers,
       {"The document's audit trail, oldest first: every entry the log holds about it, with its "
        "hash chain links (to whoever may see the document)",
        "audit",
        "",
        200,
        "AuditEntryList",
        {{"limit", "integer", "1 to 200 (default 50)"},
         {"offset", "integer", "entries to skip, 0 and up (default 0)"}},
        {404}}},
      [&services](RequestContext& context) {
        const std::string& id = context.pathParameters["id"];
        auto query = queryParameters(context);
        uint64_t limit = kDefaultLimit;
        uint64_t offset = 0;
        if (query.count("limit")) {
          auto value = wholeNumber(query["limit"], kMaxLimit);
          if (!value || *value == 0) {
            return sendProblem(
                context, Status::invalidArgument("limit must be a whole number from 1 to 200"));
          }
          limit = *value;
        }
        if (query.count("offset")) {
          auto value = wholeNumber(query["offset"], 1000000000);
          if (!value) {
            return sendProblem(context, Status::invalidArgument(
                                            "offset must be a whole number from 0 to 1000000000"));
          }
          offset = *value;
        }
        struct Page {
          uint64_t total = 0;
          std::vector<Object::Ptr> items;
        };
        auto page = services.withDatabase([&](storage::Database& database) -> std::optional<Page> {
          if (!loadVisibleDocument(database, id, viewerOf(*context.principal))) {
            return std::nullopt;
          }
          auto entries = storage::SqlAuditLog(database, nullptr).entriesOfDocument(id);
          Page result;
          result.total = entries.size();
          // The page's actors and the people they acted for, named in one query.
          std::vector<std::string> people;
          for (uint64_t i = offset; i < entries.size() && i < offset + limit; ++i) {
            people.push_back(entries[i].actor);
            people.push_back(onBehalfOf(*detailsJson(entries[i].details)));
          }
          std::map<std::string, workflow::User> users;
          for (auto& user : storage::SqlDirectoryRepository(database).findUsers(people)) {
            users.emplace(user.id, std::move(user));
          }
          for (uint64_t i = offset; i < entries.size() && i < offset + limit; ++i) {
            result.items.push_back(entryJson(entries[i], users));
          }
          return result;
        });
        if (!page) return sendProblem(context, noDocument(id));
        Array::Ptr items = new Array;
        for (const auto& each : page->items) items->add(each);
        Object body;
        body.set("items", items);
        body.set("limit", limit);
        body.set("offset", offset);
        body.set("total", page->total);
        sendJson(context, 200, body);
      });

  // Any signed-in user (and read tokens), not the public: a signed tree head reveals only how
  // many entries the log holds and a hash, but that count is the agency's activity, and the
  // parties who check checkpoints (inspectors, courts, a partner agency) get them from the
  // agency with the documents they are given. The signature, not this route, is what they trust.
  router.add({"GET",
              "/api/v1/audit/checkpoints/latest",
              readers,
              {"The latest signed tree head of the audit log (RFC 9162 style), with what a third "
               "party needs to check it offline: the signed bytes, the Ed25519 signature and the "
               "instance's public key",
               "audit",
               "",
               200,
               "AuditCheckpoint",
               {},
               {404}}},
             [&services](RequestContext& context) {
               struct Latest {
                 workflow::AuditCheckpoint checkpoint;
                 std::string tokenDer;
               };
               auto latest =
                   services.withDatabase([&](storage::Database& database) -> std::optional<Latest> {
                     storage::SqlAuditLog log(database, nullptr);
                     auto checkpoint = log.latestCheckpoint();
                     if (!checkpoint) return std::nullopt;
                     Latest result{*checkpoint, ""};
                     for (const auto& stamp : log.checkpointTimestamps()) {
                       if (stamp.treeSize == checkpoint->treeSize &&
                           stamp.checkpointSignature == checkpoint->signature) {
                         result.tokenDer = stamp.tokenDer;
                       }
                     }
                     return result;
                   });
               if (!latest) {
                 return sendProblem(context,
                                    Status::notFound("the audit log has no checkpoint yet"));
               }
               const auto& checkpoint = latest->checkpoint;
               Object body;
               body.set("tree_size", checkpoint.treeSize);
               body.set("root_hash", checkpoint.rootHash);
               body.set("timestamp_ms", checkpoint.timestampMs);
               body.set("timestamp", isoTimeMs(checkpoint.timestampMs));
               body.set("key_id", checkpoint.keyId);
               body.set("signature", checkpoint.signature);
               std::string pem = publicKeyPemFor(services.config, checkpoint.keyId);
               if (pem.empty()) {
                 body.set("public_key_pem", Poco::Dynamic::Var());
               } else {
                 body.set("public_key_pem", pem);
               }
               body.set("signed_bytes_b64",
                        base64(storage::signedTreeHeadBytes(
                            checkpoint.timestampMs, checkpoint.treeSize, checkpoint.rootHash)));
               if (latest->tokenDer.empty()) {
                 body.set("timestamp_token_b64", Poco::Dynamic::Var());
               } else {
                 body.set("timestamp_token_b64", base64(latest->tokenDer));
               }
               sendJson(context, 200, body);
             });

  router.add(
      {"GET",
       "/api/v1/audit/proof/{entry}",
       readers,
       {"An audit entry's leaf hash and RFC 9162 inclusion proof against a checkpoint (the "
        "latest unless tree_size names another). An entry about a document is proved to whoever "
        "may see the document; any other entry to its organisation's administrators",
        "audit",
        "",
        200,
        "AuditInclusionProof",
        {{"tree_size", "integer",
          "the size of a stored checkpoint to prove against (default: the latest checkpoint's)"}},
        {404, 409}}},
      [&services](RequestContext& context) {
        const std::string& text = context.pathParameters["entry"];
        auto sequence = wholeNumber(text, kMaxNumber);
        if (!sequence) {
          return sendProblem(
              context, Status::invalidArgument("entry must be an audit entry's sequence number (a "
                                               "whole number from 0)"));
        }
        auto query = queryParameters(context);
        std::optional<uint64_t> requestedSize;
        if (query.count("tree_size")) {
          requestedSize = wholeNumber(query["tree_size"], kMaxNumber);
          if (!requestedSize || *requestedSize == 0) {
            return sendProblem(context,
                               Status::invalidArgument("tree_size must be a whole number from 1"));
          }
        }
        Object body;
        auto outcome = services.withDatabase([&](storage::Database& database) -> Status {
          storage::SqlAuditLog log(database, nullptr);
          auto entry = log.entry(*sequence);
          // Not there, or not the caller's to see: the same answer, which tells nothing more.
          if (!entry || !maySeeEntry(database, *context.principal, *entry)) {
            return Status::notFound("no audit entry " + text);
          }
          std::optional<workflow::AuditCheckpoint> checkpoint;
          if (requestedSize) {
            if (*requestedSize > log.size()) {
              return Status::invalidArgument("tree_size " + std::to_string(*requestedSize) +
                                             " is beyond the log's " + std::to_string(log.size()) +
                                             " entries");
            }
            for (const auto& each : log.checkpoints()) {
              if (each.treeSize == *requestedSize) checkpoint = each;
            }
            if (!checkpoint) {
              return Status::invalidArgument("no checkpoint has tree size " +
                                             std::to_string(*requestedSize));
            }
            if (*sequence >= *requestedSize) {
              return Status::invalidArgument("entry " + text + " is not in the tree of size " +
                                             std::to_string(*requestedSize));
            }
          } else {
            checkpoint = log.latestCheckpoint();
            if (!checkpoint || *sequence >= checkpoint->treeSize) {
              return Status::invalidState("no checkpoint covers audit entry " + text +
                                          " yet; ask again after the next one");
            }
          }
          auto proof = log.inclusionProof(*sequence, checkpoint->treeSize);
          if (!proof) return proof.status();
          Array::Ptr path = new Array;
          for (const auto& hash : proof.value().path) path->add(hash);
          body.set("sequence", *sequence);
          body.set("leaf_index", proof.value().leafIndex);
          body.set("leaf_hash", proof.value().leafHash);
          body.set("tree_size", proof.value().treeSize);
          body.set("root_hash", checkpoint->rootHash);
          body.set("audit_path", path);
          return Status::ok();
        });
        if (!outcome) return sendProblem(context, outcome);
        sendJson(context, 200, body);
      });
}

}  // namespace vanthu::api
