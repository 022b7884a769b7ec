#include "admin_routes.h"

#include <Poco/Base64Decoder.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "http_support.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/signing/certificate_authority.h"
#include "vanthu/storage/atomic_file.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_delegation_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_template_repository.h"
#include "vanthu/workflow/delegations.h"
#include "vanthu/workflow/key_holder.h"

namespace vanthu::api {
namespace {

namespace fs = std::filesystem;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::Role;

constexpr size_t kMinimumPasswordLength = 12;
constexpr std::streamsize kMaxKeyBody = 1024 * 1024;

// ---- JSON out ------------------------------------------------------------------------------

Var optionalJson(const std::optional<std::string>& value) {
  return value ? Var(*value) : Var();
}

Var timeJson(int64_t seconds) {
  return seconds ? Var(isoTime(seconds)) : Var();
}

Object::Ptr organisationJson(const workflow::Organisation& organisation) {
  Object::Ptr json = new Object;
  json->set("id", organisation.id);
  json->set("code", organisation.code);
  json->set("name", organisation.name);
  json->set("abbreviation", organisation.abbreviation);
  json->set("tier", organisation.tierCode);
  json->set("parent_id", optionalJson(organisation.parentId));
  json->set("endpoint", organisation.endpoint);
  json->set("dissolved_on", optionalJson(organisation.dissolvedOn));
  return json;
}

Object::Ptr unitJson(const workflow::Unit& unit) {
  Object::Ptr json = new Object;
  json->set("id", unit.id);
  json->set("organisation_id", unit.organisationId);
  json->set("name", unit.name);
  json->set("abbreviation", unit.abbreviation);
  return json;
}

Object::Ptr userJson(const workflow::User& user, const std::vector<workflow::RoleGrant>& grants) {
  Object::Ptr json = new Object;
  json->set("id", user.id);
  json->set("username", user.username);
  json->set("full_name", user.fullName);
  json->set("position", user.position);
  json->set("email", user.email);
  json->set("organisation_id", user.organisationId);
  json->set("unit_id", optionalJson(user.unitId));
  json->set("active", user.active);
  Array::Ptr roles = new Array;
  for (const auto& grant : grants) {
    Object::Ptr role = new Object;
    role->set("role", std::string(workflow::roleName(grant.role)));
    role->set("organisation_id", grant.organisationId);
    role->set("unit_id", optionalJson(grant.unitId));
    roles->add(role);
  }
  json->set("roles", roles);
  return json;
}

Object::Ptr keyJson(const workflow::KeyReference& reference) {
  Object::Ptr json = new Object;
  json->set("id", reference.id);
  json->set("user_id", optionalJson(reference.userId));
  json->set("organisation_id", optionalJson(reference.organisationId));
  json->set("source", std::string(workflow::keySourceName(reference.source)));
  json->set("location", reference.location);
  json->set("certificate_subject", reference.certificateSubject);
  json->set("certificate_serial", reference.certificateSerial);
  json->set("not_after", reference.notAfter);
  json->set("active", reference.active);
  return json;
}

Object::Ptr delegationJson(const workflow::Delegation& delegation) {
  Object::Ptr json = new Object;
  json->set("id", delegation.id);
  json->set("organisation_id", delegation.organisationId);
  json->set("from_user_id", delegation.fromUserId);
  json->set("to_user_id", delegation.toUserId);
  json->set("scope", std::string(workflow::delegationScopeName(delegation.scope)));
  json->set("starts_at", isoTime(delegation.startsAt));
  json->set("ends_at", isoTime(delegation.endsAt));
  json->set("reason", delegation.reason);
  json->set("created_by", delegation.createdBy);
  json->set("created_at", isoTime(delegation.createdAt));
  json->set("revoked_at", timeJson(delegation.revokedAt));
  return json;
}

Var placementJson(const std::optional<workflow::SignaturePlacement>& placement) {
  if (!placement) return Var();
  Object::Ptr rectangle = new Object;
  rectangle->set("x", placement->x);
  rectangle->set("y", placement->y);
  rectangle->set("width", placement->width);
  rectangle->set("height", placement->height);
  Object::Ptr json = new Object;
  json->set("page", placement->page);
  json->set("rectangle", rectangle);
  return json;
}

Object::Ptr templateJson(const workflow::WorkflowTemplate& workflowTemplate) {
  Object::Ptr json = new Object;
  json->set("id", workflowTemplate.id);
  json->set("version", workflowTemplate.version);
  json->set("organisation_id",
            workflowTemplate.organisationId.empty() ? Var() : Var(workflowTemplate.organisationId));
  json->set("name", workflowTemplate.name);
  json->set("direction", workflowTemplate.direction);
  json->set("created_by", workflowTemplate.createdBy);
  json->set("created_at", workflowTemplate.createdAt);
  Array::Ptr levels = new Array;
  for (const auto& level : workflowTemplate.levels) {
    Object::Ptr item = new Object;
    item->set("number", level.number);
    item->set("name", level.name);
    item->set("role", level.role);
    item->set("action", std::string(workflow::levelActionName(level.action)));
    item->set("optional", level.optional);
    item->set("reviewers", std::string(workflow::reviewerRuleName(level.reviewers)));
    item->set("reviewer_count", level.reviewerCount);
    item->set("approval_signature", level.approvalSignature);
    item->set("deadline_days", level.deadlineDays);
    item->set("signature_placement", placementJson(level.signaturePlacement));
    levels->add(item);
  }
  json->set("levels", levels);
  return json;
}

void sendItems(RequestContext& context, const Array::Ptr& items) {
  Object body;
  body.set("items", items);
  sendJson(context, 200, body);
}

// ---- JSON in -------------------------------------------------------------------------------

/// A field that may be absent (leave as is), null (clear) or a string (set).
struct NullableField {
  bool present = false;
  std::optional<std::string> value;
};

Result<NullableField> nullableString(const Object& object, const std::string& name) {
  NullableField field;
  if (!object.has(name)) return field;
  field.present = true;
  if (object.isNull(name)) return field;
  auto text = requiredString(object, name);
  if (!text) return text.status();
  field.value = text.value();
  return field;
}

Result<std::optional<bool>> optionalBool(const Object& object, const std::string& name) {
  if (!object.has(name) || object.isNull(name)) return std::optional<bool>();
  auto value = object.get(name);
  if (value.type() != typeid(bool)) {
    return Status::invalidArgument("field '" + name + "' must be true or false");
  }
  return std::optional<bool>(value.extract<bool>());
}

Result<std::optional<int>> optionalInt(const Object& object, const std::string& name) {
  if (!object.has(name) || object.isNull(name)) return std::optional<int>();
  auto value = object.get(name);
  if (!value.isInteger() || value.type() == typeid(bool)) {
    return Status::invalidArgument("field '" + name + "' must be an integer");
  }
  auto number = value.convert<Poco::Int64>();
  if (number < 0 || number > 100000) {
    return Status::invalidArgument("field '" + name + "' is out of range");
  }
  return std::optional<int>(static_cast<int>(number));
}

Result<int64_t> requiredTime(const Object& object, const std::string& name) {
  auto text = requiredString(object, name, 64);
  if (!text) return text.status();
  // Poco's parser accepts almost any text (it read "next monday" as year 0), so the shape is
  // checked first.
  static const std::regex shape(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2}))");
  Poco::DateTime parsed;
  int zone = 0;
  if (!std::regex_match(text.value(), shape) ||
      !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text.value(), parsed,
                                      zone)) {
    return Status::invalidArgument("field '" + name +
                                   "' must be an ISO 8601 time such as 2027-01-01T00:00:00Z");
  }
  parsed.makeUTC(zone);
  return static_cast<int64_t>(parsed.timestamp().epochTime());
}

/// Positive integer query parameter with a default and an upper bound.
Result<int> queryInt(const std::map<std::string, std::string>& query, const std::string& name,
                     int fallback, int maximum) {
  auto found = query.find(name);
  if (found == query.end()) return fallback;
  const auto& text = found->second;
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return Status::invalidArgument("query parameter '" + name + "' must be a positive integer");
  }
  int value = std::stoi(text);
  if (value < 1 || value > maximum) {
    return Status::invalidArgument("query parameter '" + name + "' must be between 1 and " +
                                   std::to_string(maximum));
  }
  return value;
}

std::string lowerAscii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// ---- rules ---------------------------------------------------------------------------------

// A Status that ends the transaction it is raised in without committing anything.
struct Rollback {
  Status status;
};

/// What a write leaves in the audit log besides the actor: the action and what it changed.
struct AuditNote {
  std::string action;
  std::string subject;
};

void appendAudit(storage::Database& database, const RequestContext& context,
                 const AuditNote& note) {
  workflow::AuditEntry entry;
  entry.actor = context.principal->userId;
  entry.organisationId = context.principal->organisationId;
  entry.action = note.action;
  entry.details = note.subject;
  entry.clientAddress = context.request.clientAddress().host().toString();
  // No signing key: checkpoints are the signer's job (vanthu audit), appends need none.
  storage::SqlAuditLog(database, nullptr).append(std::move(entry));
}

/// Runs `work` (returning a Status) and its audit entry in one transaction: both committed when
/// it is OK, neither when it is not or throws.
template <typename Work>
Status inTransaction(storage::Database& database, storage::SqlDirectoryRepository& directory,
                     const RequestContext& context, const AuditNote& note, Work&& work) {
  Status result;
  try {
    directory.inTransaction([&] {
      result = work();
      if (!result) throw Rollback{result};
      appendAudit(database, context, note);
    });
  } catch (const Rollback& rollback) {
    return rollback.status;
  }
  return result;
}

/// The user, when it exists in the caller's organisation; an id from another organisation
/// answers as if it did not exist, so ids cannot be probed across organisations.
Result<workflow::User> userOfOrganisation(storage::SqlDirectoryRepository& directory,
                                          const std::string& userId,
                                          const std::string& organisationId) {
  auto user = directory.findUser(userId);
  if (!user || user->organisationId != organisationId) {
    return Status::notFound("user " + userId + " does not exist");
  }
  return *user;
}

Status unitBelongs(storage::SqlDirectoryRepository& directory,
                   const std::optional<std::string>& unitId, const std::string& organisationId) {
  if (!unitId) return Status::ok();
  auto unit = directory.findUnit(*unitId);
  if (!unit || unit->organisationId != organisationId) {
    return Status::invalidArgument("unit " + *unitId + " is not a unit of your organisation");
  }
  return Status::ok();
}

/// Whether taking `grant` away (or deactivating its holder, `removeAll`) would leave the
/// organisation without an active administrator: nobody could then fix its directory.
Status keepsAnAdministrator(storage::SqlDirectoryRepository& directory, const workflow::User& user,
                            const std::optional<workflow::RoleGrant>& grant) {
  if (!user.active) return Status::ok();
  auto holders = directory.activeHoldersOf(user.organisationId, Role::Administrator);
  if (holders.size() != 1 || holders.front() != user.id) return Status::ok();
  if (grant) {
    int administratorGrants = 0;
    for (const auto& held : directory.roleGrantsOf(user.id)) {
      if (held.role == Role::Administrator && held.organisationId == user.organisationId) {
        ++administratorGrants;
      }
    }
    if (administratorGrants > 1) return Status::ok();
  }
  return Status::invalidState("user " + user.username +
                              " is the last administrator of the organisation; grant the "
                              "administrator role to another active user first");
}

/// RFC 7512 syntax: "pkcs11:" path attributes (name=value, ';'-separated) and an optional
/// '?' query (name=value, '&'-separated); values are characters the RFC allows or %XX escapes.
Status checkPkcs11Uri(const std::string& uri) {
  const std::string scheme = "pkcs11:";
  if (uri.rfind(scheme, 0) != 0) {
    return Status::invalidArgument("field 'uri' must start with \"pkcs11:\" (RFC 7512)");
  }
  static const std::set<std::string> pathNames = {"token",
                                                  "manufacturer",
                                                  "serial",
                                                  "model",
                                                  "library-manufacturer",
                                                  "library-description",
                                                  "library-version",
                                                  "object",
                                                  "type",
                                                  "id",
                                                  "slot-description",
                                                  "slot-manufacturer",
                                                  "slot-id"};
  static const std::set<std::string> queryNames = {"pin-source", "module-name", "module-path"};
  static const std::set<std::string> types = {"cert", "data", "private", "public", "secret-key"};
  auto badValue = [](const std::string& value) {
    for (size_t i = 0; i < value.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(value[i]);
      if (c == '%') {
        if (i + 2 >= value.size() || !std::isxdigit(static_cast<unsigned char>(value[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(value[i + 2]))) {
          return true;
        }
        i += 2;
        continue;
      }
      if (std::isalnum(c) || std::string_view("-._~:[]@!$'()*+,=/|").find(static_cast<char>(c)) !=
                                 std::string_view::npos) {
        continue;
      }
      return true;
    }
    return false;
  };
  auto checkPart = [&](const std::string& part, char separator, const std::set<std::string>& known,
                       const char* where) -> Status {
    if (part.empty()) return Status::ok();
    size_t begin = 0;
    while (begin <= part.size()) {
      size_t end = part.find(separator, begin);
      if (end == std::string::npos) end = part.size();
      std::string attribute = part.substr(begin, end - begin);
      size_t equals = attribute.find('=');
      if (equals == std::string::npos || equals == 0) {
        return Status::invalidArgument("pkcs11 URI " + std::string(where) + " attribute '" +
                                       attribute + "' is not name=value (RFC 7512)");
      }
      std::string name = attribute.substr(0, equals);
      std::string value = attribute.substr(equals + 1);
      if (name == "pin-value") {
        return Status::invalidArgument(
            "a pkcs11 URI must not carry the PIN: the signer gives it at signing time");
      }
      if (known.count(name) == 0 && name.rfind("x-", 0) != 0) {
        return Status::invalidArgument("pkcs11 URI has an unknown " + std::string(where) +
                                       " attribute '" + name + "'");
      }
      if (badValue(value)) {
        return Status::invalidArgument("pkcs11 URI attribute '" + name +
                                       "' has characters that must be percent-encoded");
      }
      if (name == "type" && types.count(value) == 0) {
        return Status::invalidArgument(
            "pkcs11 URI type must be cert, data, private, public or "
            "secret-key");
      }
      begin = end + 1;
    }
    return Status::ok();
  };
  const size_t queryAt = uri.find('?');
  std::string path = uri.substr(scheme.size(), queryAt - scheme.size());
  std::string query = queryAt == std::string::npos ? "" : uri.substr(queryAt + 1);
  if (path.empty()) {
    return Status::invalidArgument("pkcs11 URI names no token or object (RFC 7512)");
  }
  if (auto status = checkPart(path, ';', pathNames, "path"); !status) return status;
  return checkPart(query, '&', queryNames, "query");
}

std::string timeOf(signing::TimePoint time) {
  return isoTime(std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
}

/// Fills the certificate fields of `reference`; CertificateInvalid when it has expired or is not
/// yet valid.
Status describeCertificate(const signing::Certificate& certificate,
                           workflow::KeyReference& reference) {
  auto now = std::chrono::system_clock::now();
  if (certificate.notAfter() <= now) {
    return Status(ErrorCode::CertificateInvalid,
                  "the certificate expired on " + timeOf(certificate.notAfter()));
  }
  if (certificate.notBefore() > now) {
    return Status(ErrorCode::CertificateInvalid,
                  "the certificate is valid only from " + timeOf(certificate.notBefore()));
  }
  reference.certificateSubject = certificate.subjectText();
  reference.certificateSerial = certificate.serialHex();
  reference.notAfter = timeOf(certificate.notAfter());
  return Status::ok();
}

workflow::CertificateHolder holderOf(const signing::Certificate& certificate) {
  return {certificate.subjectAttribute("CN"), certificate.subjectAttribute("O"),
          certificate.subjectAttribute("UID")};
}

Result<signing::Certificate> certificateFromPem(const std::string& pem) {
  try {
    return signing::Certificate::fromPem(pem);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::InvalidArgument) throw;
    return Status(ErrorCode::CertificateInvalid,
                  "field 'certificate' holds no readable PEM certificate");
  }
}

Result<std::string> decodeBase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string bytes;
  try {
    std::ostringstream out;
    out << decoder.rdbuf();
    bytes = out.str();
  } catch (const Poco::Exception&) {
    return Status::invalidArgument("field 'pkcs12' is not base64");
  }
  if (bytes.empty()) return Status::invalidArgument("field 'pkcs12' is not base64");
  return bytes;
}

void writePrivateFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  // The directory is the first guard of the key stores in it (the temporary file of the atomic
  // write exists before its mode is set).
  fs::permissions(path.parent_path(), fs::perms::owner_all, fs::perm_options::replace);
  storage::writeFileAtomically(path, bytes, 0600);
}

/// Opens the uploaded key store with the signer's own PKCS#12 code and stores it under the data
/// directory's keys/ (mode 0600). The password is used here and forgotten.
Status storePkcs12(const fs::path& dataDir, const std::string& bytes, const std::string& password,
                   workflow::KeyReference& reference, workflow::CertificateHolder& holder) {
  const fs::path relative = fs::path("keys") / (reference.id + ".p12");
  const fs::path path = dataDir / relative;
  writePrivateFile(path, bytes);
  Status status;
  try {
    auto contents = signing::readPkcs12(path, password);
    status = describeCertificate(contents.certificate, reference);
    holder = holderOf(contents.certificate);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::InvalidPassword) {
      status = Status(ErrorCode::InvalidPassword, "the PKCS#12 password is wrong");
    } else if (e.code() == ErrorCode::InvalidArgument) {
      status = Status(ErrorCode::CertificateInvalid,
                      "the file is not a PKCS#12 key store holding a private key and its "
                      "certificate");
    } else if (e.code() == ErrorCode::CryptoFailure) {
      // Old exports (RC2-40, single DES) need OpenSSL's legacy provider: the uploader can
      // re-export the file; the server is not at fault.
      status = Status(ErrorCode::CertificateInvalid,
                      std::string("the PKCS#12 file cannot be read: ") + e.what());
    } else {
      std::error_code ignored;
      fs::remove(path, ignored);
      throw;
    }
  }
  if (!status) {
    std::error_code ignored;
    fs::remove(path, ignored);
    return status;
  }
  reference.location = relative.string();
  return Status::ok();
}

}  // namespace

namespace {

void addSchemas(Router& router) {
  router.addSchema("OrganisationRecord", R"({"type":"object","properties":{
    "id":{"type":"string"},"code":{"type":"string","description":"electronic identifier code"},
    "name":{"type":"string"},"abbreviation":{"type":"string"},"tier":{"type":"string"},
    "parent_id":{"type":["string","null"]},"endpoint":{"type":"string"},
    "dissolved_on":{"type":["string","null"]}},
    "required":["id","code","name","abbreviation","tier","parent_id","endpoint"]})");
  router.addSchema("OrganisationList", R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"$ref":"#/components/schemas/OrganisationRecord"}}},"required":["items"]})");
  router.addSchema("OrganisationCreate", R"({"type":"object","additionalProperties":false,
    "properties":{"id":{"type":"string"},"code":{"type":"string"},"name":{"type":"string"},
    "abbreviation":{"type":"string"},"tier":{"type":"string"},"parent_id":{"type":"string"},
    "endpoint":{"type":"string"}},"required":["code","name","abbreviation","tier","parent_id"]})");
  router.addSchema("OrganisationChange", R"({"type":"object","additionalProperties":false,
    "properties":{"code":{"type":"string"},"name":{"type":"string"},
    "abbreviation":{"type":"string"},"tier":{"type":"string"},
    "parent_id":{"type":["string","null"]},"endpoint":{"type":"string"},
    "dissolved_on":{"type":["string","null"]}}})");
  router.addSchema("TierList", R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"type":"object","properties":{"code":{"type":"string"},"name":{"type":"string"},
    "rank":{"type":"integer"},"abolished_on":{"type":["string","null"]}}}}},
    "required":["items"]})");
  router.addSchema("UnitRecord", R"({"type":"object","properties":{"id":{"type":"string"},
    "organisation_id":{"type":"string"},"name":{"type":"string"},
    "abbreviation":{"type":"string"}},"required":["id","organisation_id","name","abbreviation"]})");
  router.addSchema("UnitList", R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"$ref":"#/components/schemas/UnitRecord"}}},"required":["items"]})");
  router.addSchema("UnitMemberList", R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"type":"object","properties":{"id":{"type":"string"},"full_name":{"type":"string"},
    "position":{"type":"string"}},"required":["id","full_name","position"]}}},
    "required":["items"]})");
  router.addSchema("UnitCreate", R"({"type":"object","additionalProperties":false,
    "properties":{"id":{"type":"string"},"name":{"type":"string"},
    "abbreviation":{"type":"string"}},"required":["name","abbreviation"]})");
  router.addSchema("UnitChange", R"({"type":"object","additionalProperties":false,
    "properties":{"name":{"type":"string"},"abbreviation":{"type":"string"}}})");
  router.addSchema("UserRecord", R"({"type":"object","properties":{"id":{"type":"string"},
    "username":{"type":"string"},"full_name":{"type":"string"},"position":{"type":"string"},
    "email":{"type":"string"},"organisation_id":{"type":"string"},
    "unit_id":{"type":["string","null"]},"active":{"type":"boolean"},
    "roles":{"type":"array","items":{"type":"object","properties":{"role":{"type":"string"},
    "organisation_id":{"type":"string"},"unit_id":{"type":["string","null"]}}}}},
    "required":["id","username","full_name","organisation_id","active","roles"]})");
  router.addSchema("UserPage", R"({"type":"object","properties":{"items":{"type":"array",
    "items":{"$ref":"#/components/schemas/UserRecord"}},"total":{"type":"integer"},
    "page":{"type":"integer"},"limit":{"type":"integer"}},
    "required":["items","total","page","limit"]})");
  router.addSchema("UserCreate", R"({"type":"object","additionalProperties":false,
    "properties":{"id":{"type":"string"},"username":{"type":"string"},
    "password":{"type":"string","minLength":12,"writeOnly":true},
    "full_name":{"type":"string"},"position":{"type":"string"},"email":{"type":"string"},
    "unit_id":{"type":"string"}},"required":["username","password","full_name"]})");
  router.addSchema("UserChange", R"({"type":"object","additionalProperties":false,
    "properties":{"full_name":{"type":"string"},"position":{"type":"string"},
    "email":{"type":"string"},"unit_id":{"type":["string","null"]},
    "active":{"type":"boolean","description":"false ends the user's sessions"}}})");
  router.addSchema("RoleGrantRequest", R"({"type":"object","additionalProperties":false,
    "properties":{"role":{"type":"string","enum":["specialist","department_head","office_chief",
    "leader","deputy_leader","clerk","administrator"]},"unit_id":{"type":"string"}},
    "required":["role"]})");
  router.addSchema("KeyReferenceRecord", R"({"type":"object","properties":{
    "id":{"type":"string"},"user_id":{"type":["string","null"]},
    "organisation_id":{"type":["string","null"]},
    "source":{"type":"string","enum":["pkcs12","pkcs11","external"]},
    "location":{"type":"string"},"certificate_subject":{"type":"string"},
    "certificate_serial":{"type":"string"},"not_after":{"type":"string"},
    "active":{"type":"boolean"}},"required":["id","source","location","active"]})");
  router.addSchema("KeyReferenceList", R"({"type":"object","properties":{"items":{
    "type":"array","items":{"$ref":"#/components/schemas/KeyReferenceRecord"}}},
    "required":["items"]})");
  router.addSchema("KeyReferenceCreate", R"({"type":"object","additionalProperties":false,
    "properties":{"source":{"type":"string","enum":["pkcs12","pkcs11","external"]},
    "user_id":{"type":"string","description":"absent: the organisation's seal key"},
    "pkcs12":{"type":"string","contentEncoding":"base64"},
    "password":{"type":"string","writeOnly":true,
      "description":"opens the PKCS#12 file; not stored"},
    "uri":{"type":"string","description":"RFC 7512 pkcs11: URI, without pin-value"},
    "certificate":{"type":"string","description":"PEM, for pkcs11 and external"}},
    "required":["source"]})");
  router.addSchema("DelegationRecord", R"({"type":"object","properties":{
    "id":{"type":"string"},"organisation_id":{"type":"string"},
    "from_user_id":{"type":"string"},"to_user_id":{"type":"string"},
    "scope":{"type":"string","enum":["sign","approve","all"]},
    "starts_at":{"type":"string","format":"date-time"},
    "ends_at":{"type":"string","format":"date-time"},"reason":{"type":"string"},
    "created_by":{"type":"string"},"created_at":{"type":"string","format":"date-time"},
    "revoked_at":{"type":["string","null"],"format":"date-time"}},
    "required":["id","from_user_id","to_user_id","scope","starts_at","ends_at"]})");
  router.addSchema("DelegationList", R"({"type":"object","properties":{"items":{
    "type":"array","items":{"$ref":"#/components/schemas/DelegationRecord"}}},
    "required":["items"]})");
  router.addSchema("DelegationCreate", R"({"type":"object","additionalProperties":false,
    "properties":{"from_user_id":{"type":"string","description":"absent: the caller"},
    "to_user_id":{"type":"string"},"scope":{"type":"string","enum":["sign","approve","all"]},
    "starts_at":{"type":"string","format":"date-time"},
    "ends_at":{"type":"string","format":"date-time"},"reason":{"type":"string"}},
    "required":["to_user_id","scope","starts_at","ends_at"]})");
  router.addSchema("WorkflowTemplateLevel", R"({"type":"object","additionalProperties":false,
    "properties":{"number":{"type":"integer"},"name":{"type":"string"},"role":{"type":"string"},
    "action":{"type":"string","enum":["draft","review","sign","issue"]},
    "optional":{"type":"boolean"},"reviewers":{"type":"string","enum":["one","any_of","all_of"]},
    "reviewer_count":{"type":"integer"},"approval_signature":{"type":"boolean",
    "description":"review levels: each approval is also an invisible approval signature; the approve action then needs key_id and password"},
    "deadline_days":{"type":"integer"},
    "signature_placement":{"type":["object","null"],"additionalProperties":false,
    "description":"sign level only: where the signature goes when the sign action names no rectangle; it comes before the PDF's own empty signature field and the default box",
    "properties":{"page":{"type":"integer","not":{"const":0},
    "description":"1-based; negative counts from the end, -1 is the last page; default 1"},
    "rectangle":{"type":"object","additionalProperties":false,
    "description":"points from the page's bottom left",
    "properties":{"x":{"type":"number","minimum":0},"y":{"type":"number","minimum":0},
    "width":{"type":"number","exclusiveMinimum":0,"maximum":2000},
    "height":{"type":"number","exclusiveMinimum":0,"maximum":2000}},
    "required":["x","y","width","height"]}},"required":["rectangle"]}},
    "required":["number","name","role","action"]})");
  router.addSchema("WorkflowTemplateRecord", R"({"type":"object","properties":{
    "id":{"type":"string"},"version":{"type":"integer"},
    "organisation_id":{"type":["string","null"]},"name":{"type":"string"},
    "direction":{"type":"string","enum":["outgoing","incoming"]},
    "created_by":{"type":"string"},"created_at":{"type":"string"},
    "levels":{"type":"array","items":{"$ref":"#/components/schemas/WorkflowTemplateLevel"}}},
    "required":["id","version","name","direction","levels"]})");
  router.addSchema("WorkflowTemplateList", R"({"type":"object","properties":{"items":{
    "type":"array","items":{"$ref":"#/components/schemas/WorkflowTemplateRecord"}}},
    "required":["items"]})");
  router.addSchema("WorkflowTemplateInput", R"({"type":"object","additionalProperties":false,
    "properties":{"name":{"type":"string"},"direction":{"type":"string",
    "enum":["outgoing","incoming"]},"levels":{"type":"array",
    "items":{"$ref":"#/components/schemas/WorkflowTemplateLevel"}}},
    "required":["name","direction","levels"]})");
}

// "signature_placement": null or absent (none), or {"page": P, "rectangle": {x, y, width,
// height}}; validateTemplate() judges the values.
Result<std::optional<workflow::SignaturePlacement>> placementFromJson(const Object& level) {
  using Placement = std::optional<workflow::SignaturePlacement>;
  if (!level.has("signature_placement") || level.isNull("signature_placement")) return Placement();
  auto object = level.getObject("signature_placement");
  if (!object) {
    return Status::invalidArgument("field 'signature_placement' must be {page, rectangle} or null");
  }
  for (const auto& [name, ignored] : *object) {
    if (name != "page" && name != "rectangle") {
      return Status::invalidArgument("unknown field '" + name + "' in signature_placement");
    }
  }
  workflow::SignaturePlacement placement;
  if (object->has("page")) {
    auto page = object->get("page");
    if (!page.isInteger() || page.type() == typeid(bool) || page.convert<Poco::Int64>() < -10000 ||
        page.convert<Poco::Int64>() > 10000) {
      return Status::invalidArgument("field 'signature_placement.page' must be a page number");
    }
    placement.page = static_cast<int>(page.convert<Poco::Int64>());
  }
  auto box = object->getObject("rectangle");
  if (!box) {
    return Status::invalidArgument(
        "field 'signature_placement.rectangle' must be {x, y, width, height}");
  }
  std::pair<const char*, double*> parts[] = {{"x", &placement.x},
                                             {"y", &placement.y},
                                             {"width", &placement.width},
                                             {"height", &placement.height}};
  for (auto& [name, target] : parts) {
    if (!box->has(name) || !box->get(name).isNumeric() || box->get(name).type() == typeid(bool)) {
      return Status::invalidArgument(std::string("field 'signature_placement.rectangle.") + name +
                                     "' must be a number of points");
    }
    *target = box->getValue<double>(name);
  }
  if (box->size() != 4) {
    return Status::invalidArgument(
        "field 'signature_placement.rectangle' takes only x, y, width and height");
  }
  return Placement(placement);
}

Result<workflow::TemplateLevel> levelFromJson(const Var& value, size_t index) {
  const std::string where = "levels[" + std::to_string(index) + "]";
  if (value.type() != typeid(Object::Ptr)) {
    return Status::invalidArgument(where + " must be an object");
  }
  const auto& object = *value.extract<Object::Ptr>();
  static const std::set<std::string> allowed = {"number",         "name",
                                                "role",           "action",
                                                "optional",       "reviewers",
                                                "reviewer_count", "approval_signature",
                                                "deadline_days",  "signature_placement"};
  for (const auto& [name, ignored] : object) {
    if (allowed.count(name) == 0) {
      return Status::invalidArgument("unknown field '" + name + "' in " + where);
    }
  }
  auto prefix = [&](const Status& status) {
    return Status(status.code(), where + ": " + status.message());
  };
  workflow::TemplateLevel level;
  auto number = optionalInt(object, "number");
  if (!number) return prefix(number.status());
  if (!number.value()) return Status::invalidArgument(where + ": field 'number' is required");
  level.number = *number.value();
  auto name = requiredString(object, "name");
  if (!name) return prefix(name.status());
  level.name = name.value();
  auto role = requiredString(object, "role", 64);
  if (!role) return prefix(role.status());
  level.role = role.value();
  auto action = requiredString(object, "action", 64);
  if (!action) return prefix(action.status());
  auto actionValue = workflow::levelActionFromName(action.value());
  if (!actionValue) {
    return Status::invalidArgument(where + ": action must be draft, review, sign or issue");
  }
  level.action = *actionValue;
  auto optional = optionalBool(object, "optional");
  if (!optional) return prefix(optional.status());
  level.optional = optional.value().value_or(false);
  auto reviewers = optionalString(object, "reviewers", 64);
  if (!reviewers) return prefix(reviewers.status());
  if (!reviewers.value().empty()) {
    auto rule = workflow::reviewerRuleFromName(reviewers.value());
    if (!rule) return Status::invalidArgument(where + ": reviewers must be one, any_of or all_of");
    level.reviewers = *rule;
  }
  auto count = optionalInt(object, "reviewer_count");
  if (!count) return prefix(count.status());
  level.reviewerCount = count.value().value_or(1);
  auto approval = optionalBool(object, "approval_signature");
  if (!approval) return prefix(approval.status());
  level.approvalSignature = approval.value().value_or(false);
  auto deadline = optionalInt(object, "deadline_days");
  if (!deadline) return prefix(deadline.status());
  level.deadlineDays = deadline.value().value_or(0);
  auto placement = placementFromJson(object);
  if (!placement) return prefix(placement.status());
  level.signaturePlacement = placement.value();
  return level;
}

}  // namespace

void registerAdminRoutes(Router& router, ApiServices& services) {
  addSchemas(router);
  auto& log = services.log;
  const auto admin = Access::usersWith({Role::Administrator});
  const auto anyUser = Access::anyUser();

  // ---- organisations and tiers -------------------------------------------------------------

  router.add({"GET",
              "/api/v1/tiers",
              anyUser,
              {"List the tiers of government", "directory", "", 200, "TierList", {}, {}}},
             [&services](RequestContext& context) {
               auto tiers = services.withDatabase([](storage::Database& db) {
                 return storage::SqlDirectoryRepository(db).listTiers();
               });
               Array::Ptr items = new Array;
               for (const auto& tier : tiers) {
                 Object::Ptr json = new Object;
                 json->set("code", tier.code);
                 json->set("name", tier.name);
                 json->set("rank", tier.rank);
                 json->set("abolished_on", optionalJson(tier.abolishedOn));
                 items->add(json);
               }
               sendItems(context, items);
             });

  router.add({"GET",
              "/api/v1/organizations",
              anyUser,
              {"The directory of organisations (to pick recipients)",
               "directory",
               "",
               200,
               "OrganisationList",
               {{"tier", "string", "only organisations of this tier code", false},
                {"q", "string", "text in the name, code or abbreviation", false}},
               {}}},
             [&services](RequestContext& context) {
               auto query = queryParameters(context);
               auto organisations = services.withDatabase([](storage::Database& db) {
                 return storage::SqlDirectoryRepository(db).listOrganisations();
               });
               const std::string tier = query.count("tier") ? query["tier"] : "";
               const std::string text = query.count("q") ? lowerAscii(query["q"]) : "";
               Array::Ptr items = new Array;
               for (const auto& organisation : organisations) {
                 if (!tier.empty() && organisation.tierCode != tier) continue;
                 if (!text.empty() &&
                     lowerAscii(organisation.name).find(text) == std::string::npos &&
                     lowerAscii(organisation.code).find(text) == std::string::npos &&
                     lowerAscii(organisation.abbreviation).find(text) == std::string::npos) {
                   continue;
                 }
                 items->add(organisationJson(organisation));
               }
               sendItems(context, items);
             });

  router.add({"GET",
              "/api/v1/organizations/{id}",
              anyUser,
              {"One organisation", "directory", "", 200, "OrganisationRecord", {}, {404}}},
             [&services](RequestContext& context) {
               const auto& id = context.pathParameters["id"];
               auto organisation = services.withDatabase([&](storage::Database& db) {
                 return storage::SqlDirectoryRepository(db).findOrganisation(id);
               });
               if (!organisation) {
                 return sendProblem(context,
                                    Status::notFound("organisation " + id + " does not exist"));
               }
               sendJson(context, 200, *organisationJson(*organisation));
             });

  router.add(
      {"POST",
       "/api/v1/organizations",
       admin,
       {"Create an organisation below your own",
        "directory",
        "OrganisationCreate",
        201,
        "OrganisationRecord",
        {},
        {409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(
            context, {"id", "code", "name", "abbreviation", "tier", "parent_id", "endpoint"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        workflow::Organisation organisation;
        for (auto [field, target] :
             {std::pair{"code", &organisation.code}, std::pair{"name", &organisation.name},
              std::pair{"abbreviation", &organisation.abbreviation},
              std::pair{"tier", &organisation.tierCode}}) {
          auto value = requiredString(json, field);
          if (!value) return sendProblem(context, value.status());
          *target = value.value();
        }
        auto parent = requiredString(json, "parent_id");
        if (!parent) return sendProblem(context, parent.status());
        organisation.parentId = parent.value();
        auto endpoint = optionalString(json, "endpoint", 2048);
        if (!endpoint) return sendProblem(context, endpoint.status());
        organisation.endpoint = endpoint.value();
        auto id = optionalString(json, "id", 128);
        if (!id) return sendProblem(context, id.status());
        organisation.id = id.value().empty() ? randomHex(16) : id.value();
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"organisation_created", "organisation " + organisation.id},
              [&] {
                if (!workflow::isSameOrBelow(directory.listOrganisations(), *organisation.parentId,
                                             principal.organisationId)) {
                  return Status::forbidden(
                      "you may create organisations only below your own organisation");
                }
                return directory.addOrganisation(organisation);
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("organisation_created", {{"request_id", context.requestId},
                                          {"actor", principal.userId},
                                          {"organisation_id", organisation.id}});
        sendJson(context, 201, *organisationJson(organisation));
      });

  router.add(
      {"PATCH",
       "/api/v1/organizations/{id}",
       admin,
       {"Change your organisation or one below it",
        "directory",
        "OrganisationChange",
        200,
        "OrganisationRecord",
        {},
        {404, 409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto body = readJsonObject(context, {"code", "name", "abbreviation", "tier", "parent_id",
                                             "endpoint", "dissolved_on"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        std::optional<workflow::Organisation> changed;
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"organisation_changed", "organisation " + id},
              [&]() -> Status {
                auto all = directory.listOrganisations();
                auto current = directory.findOrganisation(id);
                if (!current) return Status::notFound("organisation " + id + " does not exist");
                if (!workflow::isSameOrBelow(all, id, principal.organisationId)) {
                  return Status::forbidden(
                      "you may change only your own organisation and those below it");
                }
                workflow::Organisation next = *current;
                for (auto [field, target] :
                     {std::pair{"code", &next.code}, std::pair{"name", &next.name},
                      std::pair{"abbreviation", &next.abbreviation},
                      std::pair{"tier", &next.tierCode}}) {
                  if (!json.has(field)) continue;
                  auto value = requiredString(json, field);
                  if (!value) return value.status();
                  *target = value.value();
                }
                if (json.has("endpoint")) {
                  auto value = optionalString(json, "endpoint", 2048);
                  if (!value) return value.status();
                  next.endpoint = value.value();
                }
                auto dissolved = nullableString(json, "dissolved_on");
                if (!dissolved) return dissolved.status();
                if (dissolved.value().present) {
                  static const std::regex isoDate(R"(\d{4}-\d{2}-\d{2})");
                  const auto& date = dissolved.value().value;
                  if (date && !std::regex_match(*date, isoDate)) {
                    return Status::invalidArgument(
                        "field 'dissolved_on' must be an ISO date such as 2025-07-01");
                  }
                  next.dissolvedOn = date;
                }
                auto parent = nullableString(json, "parent_id");
                if (!parent) return parent.status();
                if (parent.value().present && parent.value().value != current->parentId) {
                  const auto& newParent = parent.value().value;
                  if (!newParent ||
                      !workflow::isSameOrBelow(all, *newParent, principal.organisationId)) {
                    return Status::forbidden(
                        "the new parent must be your organisation or one below it");
                  }
                  if (workflow::isSameOrBelow(all, *newParent, id)) {
                    return Status::invalidArgument("an organisation cannot be moved below itself");
                  }
                  next.parentId = newParent;
                }
                auto updated = directory.updateOrganisation(next);
                if (updated) changed = next;
                return updated;
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("organisation_changed", {{"request_id", context.requestId},
                                          {"actor", principal.userId},
                                          {"organisation_id", id}});
        sendJson(context, 200, *organisationJson(*changed));
      });

  // ---- units -------------------------------------------------------------------------------

  router.add({"GET",
              "/api/v1/organizations/{id}/units",
              anyUser,
              {"The units of an organisation", "directory", "", 200, "UnitList", {}, {404}}},
             [&services](RequestContext& context) {
               const auto& id = context.pathParameters["id"];
               std::optional<std::vector<workflow::Unit>> units;
               services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 if (directory.findOrganisation(id)) units = directory.listUnits(id);
               });
               if (!units) {
                 return sendProblem(context,
                                    Status::notFound("organisation " + id + " does not exist"));
               }
               Array::Ptr items = new Array;
               for (const auto& unit : *units) items->add(unitJson(unit));
               sendItems(context, items);
             });

  router.add({"POST",
              "/api/v1/organizations/{id}/units",
              admin,
              {"Add a unit to your organisation",
               "directory",
               "UnitCreate",
               201,
               "UnitRecord",
               {},
               {409}}},
             [&services, &log](RequestContext& context) {
               const auto& principal = *context.principal;
               const auto& organisationId = context.pathParameters["id"];
               if (organisationId != principal.organisationId) {
                 return sendProblem(
                     context, Status::forbidden("you may add units only to your own organisation"));
               }
               auto body = readJsonObject(context, {"id", "name", "abbreviation"});
               if (!body) return sendProblem(context, body.status());
               workflow::Unit unit;
               unit.organisationId = organisationId;
               auto name = requiredString(*body.value(), "name");
               if (!name) return sendProblem(context, name.status());
               unit.name = name.value();
               auto abbreviation = requiredString(*body.value(), "abbreviation", 32);
               if (!abbreviation) return sendProblem(context, abbreviation.status());
               unit.abbreviation = abbreviation.value();
               auto id = optionalString(*body.value(), "id", 128);
               if (!id) return sendProblem(context, id.status());
               unit.id = id.value().empty() ? randomHex(16) : id.value();
               auto status = services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 return inTransaction(db, directory, context, {"unit_created", "unit " + unit.id},
                                      [&] { return directory.addUnit(unit); });
               });
               if (!status) return sendProblem(context, status);
               log.info("unit_created", {{"request_id", context.requestId},
                                         {"actor", principal.userId},
                                         {"unit_id", unit.id}});
               sendJson(context, 201, *unitJson(unit));
             });

  router.add({"GET",
              "/api/v1/units/{id}/members",
              anyUser,
              {"The active users of a unit of your organisation, by name: whom the head of a "
               "lead unit may hand an incoming document to (assign_specialist)",
               "directory",
               "",
               200,
               "UnitMemberList",
               {},
               {403, 404}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               const auto& id = context.pathParameters["id"];
               std::optional<workflow::Unit> unit;
               std::vector<workflow::User> users;
               services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 unit = directory.findUnit(id);
                 if (unit && unit->organisationId == principal.organisationId) {
                   users = directory.listUsers(unit->organisationId);
                 }
               });
               if (!unit)
                 return sendProblem(context, Status::notFound("unit " + id + " does not exist"));
               if (unit->organisationId != principal.organisationId) {
                 return sendProblem(context,
                                    Status::forbidden("unit " + id +
                                                      " belongs to another organisation; "
                                                      "only its own users see its members"));
               }
               std::sort(users.begin(), users.end(),
                         [](const auto& a, const auto& b) { return a.fullName < b.fullName; });
               Array::Ptr items = new Array;
               for (const auto& user : users) {
                 if (!user.active || user.unitId.value_or("") != id) continue;
                 Object::Ptr item = new Object;
                 item->set("id", user.id);
                 item->set("full_name", user.fullName);
                 item->set("position", user.position);
                 items->add(item);
               }
               sendItems(context, items);
             });

  router.add(
      {"PATCH",
       "/api/v1/units/{id}",
       admin,
       {"Rename a unit of your organisation",
        "directory",
        "UnitChange",
        200,
        "UnitRecord",
        {},
        {404, 409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto body = readJsonObject(context, {"name", "abbreviation"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        workflow::Unit changed;
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(db, directory, context, {"unit_changed", "unit " + id},
                               [&]() -> Status {
                                 auto unit = directory.findUnit(id);
                                 if (!unit || unit->organisationId != principal.organisationId) {
                                   return Status::notFound("unit " + id + " does not exist");
                                 }
                                 changed = *unit;
                                 if (json.has("name")) {
                                   auto name = requiredString(json, "name");
                                   if (!name) return name.status();
                                   changed.name = name.value();
                                 }
                                 if (json.has("abbreviation")) {
                                   auto abbreviation = requiredString(json, "abbreviation", 32);
                                   if (!abbreviation) return abbreviation.status();
                                   changed.abbreviation = abbreviation.value();
                                 }
                                 return directory.updateUnit(changed);
                               });
        });
        if (!status) return sendProblem(context, status);
        log.info("unit_changed",
                 {{"request_id", context.requestId}, {"actor", principal.userId}, {"unit_id", id}});
        sendJson(context, 200, *unitJson(changed));
      });

  // ---- users and roles ---------------------------------------------------------------------

  router.add({"GET",
              "/api/v1/users",
              admin,
              {"The users of your organisation, a page at a time",
               "directory",
               "",
               200,
               "UserPage",
               {{"page", "integer", "1-based page (default 1)", false},
                {"limit", "integer", "users per page, 1..200 (default 50)", false}},
               {}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               auto query = queryParameters(context);
               auto page = queryInt(query, "page", 1, 100000);
               if (!page) return sendProblem(context, page.status());
               auto limit = queryInt(query, "limit", 50, 200);
               if (!limit) return sendProblem(context, limit.status());
               Array::Ptr items = new Array;
               int64_t total = 0;
               auto status = services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 // page is at most 100000 and limit 200: the offset fits an int.
                 auto found = directory.listUsersPage(
                     principal.organisationId, (page.value() - 1) * limit.value(), limit.value());
                 if (!found) return found.status();
                 total = found.value().total;
                 for (const auto& user : found.value().users) {
                   items->add(userJson(user, directory.roleGrantsOf(user.id)));
                 }
                 return Status::ok();
               });
               if (!status) return sendProblem(context, status);
               Object body;
               body.set("items", items);
               body.set("total", total);
               body.set("page", page.value());
               body.set("limit", limit.value());
               sendJson(context, 200, body);
             });

  router.add(
      {"POST",
       "/api/v1/users",
       admin,
       {"Create a user in your organisation",
        "directory",
        "UserCreate",
        201,
        "UserRecord",
        {},
        {409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(
            context, {"id", "username", "password", "full_name", "position", "email", "unit_id"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        workflow::User user;
        user.organisationId = principal.organisationId;
        auto username = requiredString(json, "username", 64);
        if (!username) return sendProblem(context, username.status());
        user.username = username.value();
        auto password = requiredString(json, "password");
        if (!password) return sendProblem(context, password.status());
        if (password.value().size() < kMinimumPasswordLength) {
          return sendProblem(context, Status::invalidArgument(
                                          "the password must have at least " +
                                          std::to_string(kMinimumPasswordLength) + " characters"));
        }
        auto fullName = requiredString(json, "full_name");
        if (!fullName) return sendProblem(context, fullName.status());
        user.fullName = fullName.value();
        auto position = optionalString(json, "position");
        if (!position) return sendProblem(context, position.status());
        user.position = position.value();
        auto email = optionalString(json, "email", 320);
        if (!email) return sendProblem(context, email.status());
        user.email = email.value();
        auto unit = optionalString(json, "unit_id", 128);
        if (!unit) return sendProblem(context, unit.status());
        if (!unit.value().empty()) user.unitId = unit.value();
        auto id = optionalString(json, "id", 128);
        if (!id) return sendProblem(context, id.status());
        user.id = id.value().empty() ? randomHex(16) : id.value();
        // Hashed before the database is taken: the slow KDF must not hold up other requests.
        user.passwordHash = hashPassword(password.value());
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(db, directory, context, {"user_created", "user " + user.id}, [&] {
            if (auto check = unitBelongs(directory, user.unitId, user.organisationId); !check) {
              return check;
            }
            return directory.addUser(user);
          });
        });
        if (!status) return sendProblem(context, status);
        log.info(
            "user_created",
            {{"request_id", context.requestId}, {"actor", principal.userId}, {"user_id", user.id}});
        sendJson(context, 201, *userJson(user, {}));
      });

  router.add({"GET",
              "/api/v1/users/{id}",
              admin,
              {"A user of your organisation", "directory", "", 200, "UserRecord", {}, {404}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               const auto& id = context.pathParameters["id"];
               Object::Ptr json;
               auto status = services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 auto user = userOfOrganisation(directory, id, principal.organisationId);
                 if (!user) return user.status();
                 json = userJson(user.value(), directory.roleGrantsOf(id));
                 return Status::ok();
               });
               if (!status) return sendProblem(context, status);
               sendJson(context, 200, *json);
             });

  router.add(
      {"PATCH",
       "/api/v1/users/{id}",
       admin,
       {"Change a user of your organisation; active=false also ends their sessions",
        "directory",
        "UserChange",
        200,
        "UserRecord",
        {},
        {404, 409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto body =
            readJsonObject(context, {"full_name", "position", "email", "unit_id", "active"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        auto active = optionalBool(json, "active");
        if (!active) return sendProblem(context, active.status());
        auto unit = nullableString(json, "unit_id");
        if (!unit) return sendProblem(context, unit.status());
        Object::Ptr reply;
        bool deactivated = false;
        AuditNote note{"user_changed", "user " + id};
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(db, directory, context, note, [&]() -> Status {
            auto user = userOfOrganisation(directory, id, principal.organisationId);
            if (!user) return user.status();
            workflow::User next = user.value();
            if (json.has("full_name")) {
              auto value = requiredString(json, "full_name");
              if (!value) return value.status();
              next.fullName = value.value();
            }
            for (auto [field, target, limit] :
                 {std::tuple{"position", &next.position, size_t{1024}},
                  std::tuple{"email", &next.email, size_t{320}}}) {
              auto value = optionalString(json, field, limit);
              if (!value) return value.status();
              if (json.has(field)) *target = value.value();
            }
            if (unit.value().present) {
              next.unitId = unit.value().value;
              if (auto check = unitBelongs(directory, next.unitId, next.organisationId); !check) {
                return check;
              }
            }
            if (active.value()) next.active = *active.value();
            if (user.value().active && !next.active) {
              if (auto check = keepsAnAdministrator(directory, user.value(), std::nullopt);
                  !check) {
                return check;
              }
              deactivated = true;
              note.action = "user_deactivated";
            }
            if (auto updated = directory.updateUser(next); !updated) return updated;
            if (deactivated) {
              // In the same transaction: a deactivated user keeps no session that still works.
              storage::SqlAuthRepository(db).revokeSessionsOfUser(
                  id, "", services.authenticator.now(), "user_deactivated");
            }
            reply = userJson(next, directory.roleGrantsOf(id));
            return Status::ok();
          });
        });
        if (!status) return sendProblem(context, status);
        log.info(deactivated ? "user_deactivated" : "user_changed",
                 {{"request_id", context.requestId}, {"actor", principal.userId}, {"user_id", id}});
        sendJson(context, 200, *reply);
      });

  router.add({"POST",
              "/api/v1/users/{id}/roles",
              admin,
              {"Grant a role to a user of your organisation (optionally within one unit)",
               "directory",
               "RoleGrantRequest",
               201,
               "UserRecord",
               {},
               {404, 409}}},
             [&services, &log](RequestContext& context) {
               const auto& principal = *context.principal;
               const auto& id = context.pathParameters["id"];
               auto body = readJsonObject(context, {"role", "unit_id"});
               if (!body) return sendProblem(context, body.status());
               auto roleName = requiredString(*body.value(), "role", 64);
               if (!roleName) return sendProblem(context, roleName.status());
               auto role = workflow::roleFromName(roleName.value());
               if (!role || *role == Role::Unknown) {
                 return sendProblem(
                     context, Status::invalidArgument("unknown role '" + roleName.value() + "'"));
               }
               auto unit = optionalString(*body.value(), "unit_id", 128);
               if (!unit) return sendProblem(context, unit.status());
               workflow::RoleGrant grant{id, *role, principal.organisationId, std::nullopt};
               if (!unit.value().empty()) grant.unitId = unit.value();
               Object::Ptr reply;
               auto status = services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 return inTransaction(
                     db, directory, context,
                     {"role_granted", "role " + roleName.value() + " of user " + id},
                     [&]() -> Status {
                       auto user = userOfOrganisation(directory, id, principal.organisationId);
                       if (!user) return user.status();
                       if (auto check = unitBelongs(directory, grant.unitId, grant.organisationId);
                           !check) {
                         return check;
                       }
                       if (auto granted = directory.grantRole(grant); !granted) return granted;
                       reply = userJson(user.value(), directory.roleGrantsOf(id));
                       return Status::ok();
                     });
               });
               if (!status) return sendProblem(context, status);
               log.info("role_granted", {{"request_id", context.requestId},
                                         {"actor", principal.userId},
                                         {"user_id", id},
                                         {"role", roleName.value()}});
               sendJson(context, 201, *reply);
             });

  router.add(
      {"DELETE",
       "/api/v1/users/{id}/roles/{role}",
       admin,
       {"Take a role away (unit_id names a unit-scoped grant); never the last "
        "administrator's",
        "directory",
        "",
        204,
        "",
        {{"unit_id", "string", "the unit of a unit-scoped grant", false}},
        {404, 409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        const auto& roleName = context.pathParameters["role"];
        auto role = workflow::roleFromName(roleName);
        if (!role || *role == Role::Unknown) {
          return sendProblem(context, Status::invalidArgument("unknown role '" + roleName + "'"));
        }
        auto query = queryParameters(context);
        workflow::RoleGrant grant{id, *role, principal.organisationId, std::nullopt};
        if (query.count("unit_id") && !query["unit_id"].empty()) {
          grant.unitId = query["unit_id"];
        }
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"role_revoked", "role " + roleName + " of user " + id},
              [&]() -> Status {
                auto user = userOfOrganisation(directory, id, principal.organisationId);
                if (!user) return user.status();
                if (*role == Role::Administrator) {
                  if (auto check = keepsAnAdministrator(directory, user.value(), grant); !check) {
                    return check;
                  }
                }
                return directory.revokeRole(grant);
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("role_revoked", {{"request_id", context.requestId},
                                  {"actor", principal.userId},
                                  {"user_id", id},
                                  {"role", roleName}});
        sendNoContent(context);
      });

  // ---- key references ----------------------------------------------------------------------

  router.add({"GET",
              "/api/v1/keys",
              admin,
              {"The key references of your organisation and its users",
               "keys",
               "",
               200,
               "KeyReferenceList",
               {},
               {}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               Array::Ptr items = new Array;
               services.withDatabase([&](storage::Database& db) {
                 storage::SqlDirectoryRepository directory(db);
                 for (const auto& reference :
                      directory.keyReferencesOfOrganisation(principal.organisationId)) {
                   items->add(keyJson(reference));
                 }
                 for (const auto& user : directory.listUsers(principal.organisationId)) {
                   for (const auto& reference : directory.keyReferencesOfUser(user.id)) {
                     items->add(keyJson(reference));
                   }
                 }
               });
               sendItems(context, items);
             });

  router.add({"GET",
              "/api/v1/me/keys",
              anyUser,
              {"Your own key references", "keys", "", 200, "KeyReferenceList", {}, {}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               Array::Ptr items = new Array;
               services.withDatabase([&](storage::Database& db) {
                 for (const auto& reference :
                      storage::SqlDirectoryRepository(db).keyReferencesOfUser(principal.userId)) {
                   items->add(keyJson(reference));
                 }
               });
               sendItems(context, items);
             });

  router.add(
      {"POST",
       "/api/v1/keys",
       admin,
       {"Register a signing key: a PKCS#12 file (base64, opened with its password, which is not "
        "kept), a pkcs11: URI with its certificate, or an external certificate",
        "keys",
        "KeyReferenceCreate",
        201,
        "KeyReferenceRecord",
        {},
        {404, 413, 422}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(
            context,
            {"source", "user_id", "pkcs12", "password", "uri", "certificate", "accept_other_name"},
            kMaxKeyBody);
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        auto sourceName = requiredString(json, "source", 32);
        if (!sourceName) return sendProblem(context, sourceName.status());
        auto source = workflow::keySourceFromName(sourceName.value());
        if (!source || *source == workflow::KeySource::Unknown) {
          return sendProblem(context, Status::invalidArgument(
                                          "field 'source' must be pkcs12, pkcs11 or external"));
        }
        auto userId = optionalString(json, "user_id", 128);
        if (!userId) return sendProblem(context, userId.status());
        // Each source takes its own fields and no others: a password sent with a URI would
        // otherwise be silently dropped.
        const std::set<std::string> fieldsOf[] = {
            {}, {"pkcs12", "password"}, {"uri", "certificate"}, {"certificate"}};
        for (const auto& [name, ignored] : json) {
          if (name == "source" || name == "user_id" || name == "accept_other_name") continue;
          if (fieldsOf[static_cast<int>(*source)].count(name) == 0) {
            return sendProblem(context,
                               Status::invalidArgument("field '" + name + "' does not go with " +
                                                       "source " + sourceName.value()));
          }
        }
        bool acceptOtherName = false;
        if (json.has("accept_other_name")) {
          const auto& flag = json.get("accept_other_name");
          if (!flag.isBoolean()) {
            return sendProblem(context, Status::invalidArgument(
                                            "field 'accept_other_name' must be true or false"));
          }
          acceptOtherName = flag.extract<bool>();
        }
        workflow::KeyReference reference;
        reference.id = randomHex(16);
        reference.source = *source;
        // Who the certificate must name: the user, or the organisation (its seal).
        std::string holderName;
        std::string holderCode;
        if (userId.value().empty()) {
          reference.organisationId = principal.organisationId;
          auto organisation = services.withDatabase([&](storage::Database& db) {
            return storage::SqlDirectoryRepository(db).findOrganisation(principal.organisationId);
          });
          if (organisation) {
            holderName = organisation->name;
            holderCode = organisation->code;
          }
        } else {
          reference.userId = userId.value();
          auto found = services.withDatabase([&](storage::Database& db) {
            storage::SqlDirectoryRepository directory(db);
            return userOfOrganisation(directory, userId.value(), principal.organisationId);
          });
          if (!found) return sendProblem(context, found.status());
          holderName = found.value().fullName;
        }
        workflow::CertificateHolder holder;
        if (*source == workflow::KeySource::Pkcs12) {
          auto encoded = requiredString(json, "pkcs12", static_cast<size_t>(kMaxKeyBody));
          if (!encoded) return sendProblem(context, encoded.status());
          auto password = requiredString(json, "password");
          if (!password) return sendProblem(context, password.status());
          auto bytes = decodeBase64(encoded.value());
          if (!bytes) return sendProblem(context, bytes.status());
          auto stored = storePkcs12(services.config.dataDir, bytes.value(), password.value(),
                                    reference, holder);
          if (!stored) return sendProblem(context, stored);
        } else {
          auto pem = requiredString(json, "certificate", 64 * 1024);
          if (!pem) return sendProblem(context, pem.status());
          auto certificate = certificateFromPem(pem.value());
          if (!certificate) return sendProblem(context, certificate.status());
          if (auto described = describeCertificate(certificate.value(), reference); !described) {
            return sendProblem(context, described);
          }
          holder = holderOf(certificate.value());
          if (*source == workflow::KeySource::Pkcs11) {
            auto uri = requiredString(json, "uri", 2048);
            if (!uri) return sendProblem(context, uri.status());
            if (auto syntax = checkPkcs11Uri(uri.value()); !syntax) {
              return sendProblem(context, syntax);
            }
            reference.location = uri.value();
          } else {
            // An external key: the server keeps the certificate (and any issuers sent after
            // it) to hand out with the digest and to check the signature value against.
            const fs::path relative = fs::path("keys") / (reference.id + ".pem");
            writePrivateFile(services.config.dataDir / relative, pem.value());
            reference.location = relative.string();
          }
        }
        // A signature shows the certificate's name: someone else's certificate registered for
        // this holder would sign in another person's (or agency's) name. The administrator may
        // confirm a name the comparison does not recognise; the audit entry says so.
        auto mismatch = reference.userId
                            ? workflow::personMismatch(holder, holderName)
                            : workflow::organisationMismatch(holder, holderName, holderCode);
        if (mismatch && !acceptOtherName) {
          if (*source != workflow::KeySource::Pkcs11) {
            std::error_code ignored;
            fs::remove(services.config.dataDir / reference.location, ignored);
          }
          return sendProblem(
              context,
              Status(ErrorCode::CertificateNameMismatch,
                     *mismatch + ", for whom the key would be registered; choose the right "
                                 "file, or send accept_other_name: true to register it "
                                 "anyway"));
        }
        std::string details = "key " + reference.id;
        if (mismatch) details += "; registered although " + *mismatch;
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(db, directory, context, {"key_registered", details},
                               [&] { return directory.addKeyReference(reference); });
        });
        if (!status) {
          if (*source != workflow::KeySource::Pkcs11) {
            std::error_code ignored;
            fs::remove(services.config.dataDir / reference.location, ignored);
          }
          return sendProblem(context, status);
        }
        log.info("key_registered", {{"request_id", context.requestId},
                                    {"actor", principal.userId},
                                    {"key_id", reference.id},
                                    {"source", sourceName.value()}});
        sendJson(context, 201, *keyJson(reference));
      });

  router.add(
      {"DELETE",
       "/api/v1/keys/{id}",
       admin,
       {"Withdraw a key reference (kept for history)", "keys", "", 204, "", {}, {404}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"key_withdrawn", "key " + id}, [&]() -> Status {
                auto reference = directory.findKeyReference(id);
                bool ours = false;
                if (reference && reference->organisationId) {
                  ours = *reference->organisationId == principal.organisationId;
                } else if (reference && reference->userId) {
                  ours = static_cast<bool>(
                      userOfOrganisation(directory, *reference->userId, principal.organisationId));
                }
                if (!ours) return Status::notFound("key reference " + id + " does not exist");
                return directory.deactivateKeyReference(id);
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("key_withdrawn",
                 {{"request_id", context.requestId}, {"actor", principal.userId}, {"key_id", id}});
        sendNoContent(context);
      });

  // ---- delegations -------------------------------------------------------------------------

  router.add(
      {"GET",
       "/api/v1/delegations",
       anyUser,
       {"Delegations: an administrator sees the organisation's, a user those given or "
        "received",
        "delegations",
        "",
        200,
        "DelegationList",
        {},
        {}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto delegations = services.withDatabase([&](storage::Database& db) {
          return storage::SqlDelegationRepository(db).listDelegations(principal.organisationId);
        });
        Array::Ptr items = new Array;
        for (const auto& delegation : delegations) {
          if (principal.isAdministrator() || delegation.fromUserId == principal.userId ||
              delegation.toUserId == principal.userId) {
            items->add(delegationJson(delegation));
          }
        }
        sendItems(context, items);
      });

  router.add(
      {"POST",
       "/api/v1/delegations",
       anyUser,
       {"Delegate your authority (an administrator may record any delegation of the "
        "organisation)",
        "delegations",
        "DelegationCreate",
        201,
        "DelegationRecord",
        {},
        {404}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(
            context, {"from_user_id", "to_user_id", "scope", "starts_at", "ends_at", "reason"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        workflow::Delegation delegation;
        delegation.id = randomHex(16);
        delegation.organisationId = principal.organisationId;
        delegation.createdBy = principal.userId;
        delegation.createdAt = services.authenticator.now();
        auto from = optionalString(json, "from_user_id", 128);
        if (!from) return sendProblem(context, from.status());
        delegation.fromUserId = from.value().empty() ? principal.userId : from.value();
        if (delegation.fromUserId != principal.userId && !principal.isAdministrator()) {
          return sendProblem(context,
                             Status::forbidden("you may delegate only your own authority"));
        }
        auto to = requiredString(json, "to_user_id", 128);
        if (!to) return sendProblem(context, to.status());
        delegation.toUserId = to.value();
        auto scope = requiredString(json, "scope", 32);
        if (!scope) return sendProblem(context, scope.status());
        auto scopeValue = workflow::delegationScopeFromName(scope.value());
        if (!scopeValue) {
          return sendProblem(context,
                             Status::invalidArgument("field 'scope' must be sign, approve or all"));
        }
        delegation.scope = *scopeValue;
        auto startsAt = requiredTime(json, "starts_at");
        if (!startsAt) return sendProblem(context, startsAt.status());
        delegation.startsAt = startsAt.value();
        auto endsAt = requiredTime(json, "ends_at");
        if (!endsAt) return sendProblem(context, endsAt.status());
        delegation.endsAt = endsAt.value();
        auto reason = optionalString(json, "reason", 2048);
        if (!reason) return sendProblem(context, reason.status());
        delegation.reason = reason.value();
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"delegation_created", "delegation " + delegation.id},
              [&]() -> Status {
                auto giver =
                    userOfOrganisation(directory, delegation.fromUserId, principal.organisationId);
                if (!giver) return giver.status();
                auto receiver =
                    userOfOrganisation(directory, delegation.toUserId, principal.organisationId);
                if (!receiver) return receiver.status();
                if (auto valid =
                        workflow::validateDelegation(delegation, giver.value(), receiver.value());
                    !valid) {
                  return valid;
                }
                return storage::SqlDelegationRepository(db).addDelegation(delegation);
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("delegation_created", {{"request_id", context.requestId},
                                        {"actor", principal.userId},
                                        {"delegation_id", delegation.id}});
        sendJson(context, 201, *delegationJson(delegation));
      });

  router.add(
      {"DELETE",
       "/api/v1/delegations/{id}",
       anyUser,
       {"Revoke a delegation (its giver or an administrator); the record stays",
        "delegations",
        "",
        204,
        "",
        {},
        {404, 409}}},
      [&services, &log](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto status = services.withDatabase([&](storage::Database& db) {
          storage::SqlDirectoryRepository directory(db);
          return inTransaction(
              db, directory, context, {"delegation_revoked", "delegation " + id}, [&]() -> Status {
                storage::SqlDelegationRepository delegations(db);
                auto delegation = delegations.findDelegation(id);
                if (!delegation || delegation->organisationId != principal.organisationId) {
                  return Status::notFound("delegation " + id + " does not exist");
                }
                if (!principal.isAdministrator() && delegation->fromUserId != principal.userId) {
                  return Status::forbidden(
                      "only the giver of a delegation or an administrator may revoke it");
                }
                return delegations.revokeDelegation(id, services.authenticator.now());
              });
        });
        if (!status) return sendProblem(context, status);
        log.info("delegation_revoked", {{"request_id", context.requestId},
                                        {"actor", principal.userId},
                                        {"delegation_id", id}});
        sendNoContent(context);
      });

  // ---- workflow templates ------------------------------------------------------------------

  router.add({"GET",
              "/api/v1/templates",
              anyUser,
              {"The workflow templates your organisation may use (latest versions)",
               "templates",
               "",
               200,
               "WorkflowTemplateList",
               {},
               {}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               auto templates = services.withDatabase([&](storage::Database& db) {
                 return storage::SqlTemplateRepository(db).listTemplates(principal.organisationId);
               });
               Array::Ptr items = new Array;
               for (const auto& workflowTemplate : templates) {
                 items->add(templateJson(workflowTemplate));
               }
               sendItems(context, items);
             });

  router.add(
      {"GET",
       "/api/v1/templates/{id}",
       anyUser,
       {"The latest version of a workflow template",
        "templates",
        "",
        200,
        "WorkflowTemplateRecord",
        {},
        {404}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto found = services.withDatabase([&](storage::Database& db) {
          return storage::SqlTemplateRepository(db).findTemplate(id);
        });
        if (!found ||
            (!found->organisationId.empty() && found->organisationId != principal.organisationId)) {
          return sendProblem(context, Status::notFound("template " + id + " does not exist"));
        }
        sendJson(context, 200, *templateJson(*found));
      });

  router.add({"PUT",
              "/api/v1/templates/{id}",
              admin,
              {"Save a new version of your organisation's template, or create it under a new id (a "
               "copy of a shipped template, say); documents already running keep theirs. Shipped "
               "templates are read-only (403)",
               "templates",
               "WorkflowTemplateInput",
               200,
               "WorkflowTemplateRecord",
               {},
               {409}}},
             [&services, &log](RequestContext& context) {
               const auto& principal = *context.principal;
               const auto& id = context.pathParameters["id"];
               auto body = readJsonObject(context, {"name", "direction", "levels"});
               if (!body) return sendProblem(context, body.status());
               const auto& json = *body.value();
               workflow::WorkflowTemplate workflowTemplate;
               workflowTemplate.id = id;
               workflowTemplate.organisationId = principal.organisationId;
               workflowTemplate.createdBy = principal.userId;
               workflowTemplate.createdAt = isoTime(services.authenticator.now());
               auto name = requiredString(json, "name");
               if (!name) return sendProblem(context, name.status());
               workflowTemplate.name = name.value();
               auto direction = requiredString(json, "direction", 32);
               if (!direction) return sendProblem(context, direction.status());
               workflowTemplate.direction = direction.value();
               auto levels = json.get("levels");
               if (levels.isEmpty() || levels.type() != typeid(Array::Ptr)) {
                 return sendProblem(
                     context, Status::invalidArgument("field 'levels' must be an array of levels"));
               }
               size_t index = 0;
               for (const auto& item : *levels.extract<Array::Ptr>()) {
                 auto level = levelFromJson(item, index++);
                 if (!level) return sendProblem(context, level.status());
                 workflowTemplate.levels.push_back(level.value());
               }
               auto saved = services.withDatabase([&](storage::Database& db) -> Result<int> {
                 // The new version and its audit entry land together or not at all.
                 std::optional<Result<int>> version;
                 storage::SqlDirectoryRepository directory(db);
                 try {
                   directory.inTransaction([&] {
                     auto existing = storage::SqlTemplateRepository(db).findTemplate(id);
                     if (existing && existing->organisationId.empty()) {
                       throw Rollback{Status::forbidden(
                           "template " + id +
                           " is shipped with the product and read-only; copy it to your "
                           "organisation (save its levels under a new id) and edit the copy")};
                     }
                     version = storage::SqlTemplateRepository(db).saveTemplate(workflowTemplate);
                     if (!*version) throw Rollback{version->status()};
                     appendAudit(db, context,
                                 {"template_saved", "template " + id + " version " +
                                                        std::to_string(version->value())});
                   });
                 } catch (const Rollback& rollback) {
                   return rollback.status;
                 }
                 return *version;
               });
               if (!saved) return sendProblem(context, saved.status());
               workflowTemplate.version = saved.value();
               log.info("template_saved", {{"request_id", context.requestId},
                                           {"actor", principal.userId},
                                           {"template_id", id},
                                           {"version", std::to_string(saved.value())}});
               sendJson(context, 200, *templateJson(workflowTemplate));
             });
}

}  // namespace vanthu::api
