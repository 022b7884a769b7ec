#include "template_choice_routes.h"

#include <Poco/JSON/Object.h>

#include "http_support.h"
#include "outgoing_flow_service.h"
#include "outgoing_template_choice.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Object;
using workflow::Role;

constexpr const char* kChoiceSchema = R"json({"type":"object","properties":{
"organisation_id":{"type":"string"},
"template_id":{"type":"string","description":"the template new outgoing documents of the organisation follow when they name none"},
"version":{"type":"integer","description":"its latest version, the one a document started now keeps"},
"name":{"type":"string"},
"chosen":{"type":"boolean","description":"false: the organisation has chosen none and follows outgoing-4"}},
"required":["organisation_id","template_id","version","name","chosen"]})json";

constexpr const char* kChoiceInputSchema = R"json({"type":"object","additionalProperties":false,
"properties":{"template_id":{"type":["string","null"],"maxLength":128,"description":"a shipped template or the organisation's own, of direction outgoing; null or empty: back to outgoing-4"}},
"required":["template_id"]})json";

// Ends the transaction it is raised in without committing anything.
struct RollbackChoice {};

/// Refuses an organisation the caller may not administer: NotFound when it does not exist,
/// Forbidden when it is neither the caller's nor below it.
Status mayAdminister(storage::SqlDirectoryRepository& directory, const std::string& organisationId,
                     const std::string& callerOrganisationId) {
  if (!directory.findOrganisation(organisationId)) {
    return Status::notFound("organisation " + organisationId + " does not exist");
  }
  if (!workflow::isSameOrBelow(directory.listOrganisations(), organisationId,
                               callerOrganisationId)) {
    return Status::forbidden(
        "you may choose templates only for your own organisation and those below it");
  }
  return Status::ok();
}

Result<Object::Ptr> choiceJson(storage::Database& database, const std::string& organisationId) {
  std::string chosen = storage::SqlDirectoryRepository(database).outgoingTemplateOf(organisationId);
  auto found = chooseOutgoingTemplate(database, organisationId, "");
  if (!found) return found.status();
  Object::Ptr json = new Object;
  json->set("organisation_id", organisationId);
  json->set("template_id", found.value().id);
  json->set("version", found.value().version);
  json->set("name", found.value().name);
  json->set("chosen", !chosen.empty());
  return json;
}

}  // namespace

void registerTemplateChoiceRoutes(Router& router, ApiServices& services) {
  router.addSchema("OutgoingTemplateChoice", kChoiceSchema);
  router.addSchema("OutgoingTemplateChoiceInput", kChoiceInputSchema);
  const auto admin = Access::usersWith({Role::Administrator});

  router.add(
      {"GET",
       "/api/v1/organizations/{id}/outgoing-template",
       admin,
       {"The template new outgoing documents of an organisation (yours or one below it) "
        "follow when they name none",
        "templates",
        "",
        200,
        "OutgoingTemplateChoice",
        {},
        {404}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto answer = services.withDatabase([&](storage::Database& db) -> Result<Object::Ptr> {
          storage::SqlDirectoryRepository directory(db);
          if (auto refused = mayAdminister(directory, id, principal.organisationId); !refused) {
            return refused;
          }
          return choiceJson(db, id);
        });
        if (!answer) return sendProblem(context, answer.status());
        sendJson(context, 200, *answer.value());
      });

  router.add(
      {"PUT",
       "/api/v1/organizations/{id}/outgoing-template",
       admin,
       {"Choose the template new outgoing documents of an organisation (yours or one below it) "
        "follow when they name none: a shipped template or the organisation's own. Documents "
        "already running keep theirs. Audited; answers as GET does",
        "templates",
        "OutgoingTemplateChoiceInput",
        200,
        "OutgoingTemplateChoice",
        {},
        {404}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto body = readJsonObject(context, {"template_id"});
        if (!body) return sendProblem(context, body.status());
        const auto& json = *body.value();
        if (!json.has("template_id")) {
          return sendProblem(context, Status::invalidArgument("field 'template_id' is required"));
        }
        std::string chosen;
        if (!json.isNull("template_id")) {
          auto templateId = optionalString(json, "template_id", 128);
          if (!templateId) return sendProblem(context, templateId.status());
          chosen = templateId.value();
        }
        auto answer = services.withDatabase([&](storage::Database& db) -> Result<Object::Ptr> {
          storage::SqlDirectoryRepository directory(db);
          std::optional<Result<Object::Ptr>> result;
          try {
            directory.inTransaction([&] {
              result = [&]() -> Result<Object::Ptr> {
                if (auto refused = mayAdminister(directory, id, principal.organisationId);
                    !refused) {
                  return refused;
                }
                if (!chosen.empty()) {
                  if (auto fits = fittingOutgoingTemplate(db, id, chosen); !fits) {
                    return fits.status();
                  }
                }
                if (auto set = directory.setOutgoingTemplate(id, chosen); !set) return set;
                workflow::AuditEntry entry;
                entry.actor = principal.userId;
                entry.organisationId = principal.organisationId;
                entry.action = "outgoing_template_set";
                entry.details =
                    "organisation " + id + " outgoing template " +
                    (chosen.empty() ? std::string(kOutgoingTemplateId) + " (the product's default)"
                                    : chosen);
                entry.clientAddress = context.request.clientAddress().host().toString();
                storage::SqlAuditLog(db, nullptr).append(std::move(entry));
                return choiceJson(db, id);
              }();
              // Nothing of a refused choice is kept.
              if (!*result) throw RollbackChoice{};
            });
          } catch (const RollbackChoice&) {
          }
          return *result;
        });
        if (!answer) return sendProblem(context, answer.status());
        services.log.info("outgoing_template_set", {{"request_id", context.requestId},
                                                    {"actor", principal.userId},
                                                    {"organisation_id", id},
                                                    {"template_id", chosen}});
        sendJson(context, 200, *answer.value());
      });
}

}  // namespace vanthu::api
