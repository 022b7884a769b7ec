#include "vanthu/storage/sql_dashboard_queries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "json_strings.h"
#include "prepared_query.h"
#include "sql_support.h"
#include "visibility_clause.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {

std::vector<WaitingDocument> SqlDashboardQueries::waitingDocuments(
    const std::string& organisationId, int limit) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    // The latest act by sequence (not by time): the act that brought the document where it is.
    select << db.sql(
        "SELECT f.document_id, d.subject, f.status, f.template_id, f.template_version,"
        " f.level, f.drafter_id, f.drafter_unit_id, f.approvals, COALESCE((SELECT a.at FROM"
        " document_acts a WHERE a.document_id = f.document_id ORDER BY a.seq DESC"
        " LIMIT 1), 0) AS reached_at"
        " FROM document_flows f JOIN documents d ON d.id = f.document_id"
        " WHERE d.organisation_id = ?"
        " AND f.status IN ('review', 'signing', 'signed', 'returned')"
        " ORDER BY reached_at, f.document_id LIMIT ?"),
        bind(organisationId), bind(limit), now;
    RecordSet rows(select);
    std::vector<WaitingDocument> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      WaitingDocument w;
      w.documentId = sql::text(rows, 0);
      w.subject = sql::text(rows, 1);
      w.status = sql::text(rows, 2);
      w.templateId = sql::text(rows, 3);
      w.templateVersion = static_cast<int>(sql::integer(rows, 4));
      w.level = static_cast<int>(sql::integer(rows, 5));
      w.drafterId = sql::text(rows, 6);
      w.drafterUnitId = sql::text(rows, 7);
      w.approvalsAtLevel =
          sql::parseJsonStringArray(sql::text(rows, 8)).value_or(std::vector<std::string>{});
      w.reachedAt = sql::integer(rows, 9);
      all.push_back(std::move(w));
    }
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the documents waiting in " + organisationId, e);
  }
}

std::vector<WaitingIncomingDocument> SqlDashboardQueries::waitingIncomingDocuments(
    const std::string& organisationId, int limit) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT f.document_id, d.subject, f.status, f.lead_unit_id, f.specialist_id,"
        " f.due_date, COALESCE((SELECT a.at FROM document_acts a"
        " WHERE a.document_id = f.document_id ORDER BY a.seq DESC LIMIT 1), 0) AS reached_at"
        " FROM incoming_flows f JOIN documents d ON d.id = f.document_id"
        " WHERE d.organisation_id = ?"
        " AND f.status IN ('received', 'registered', 'assigned', 'in_progress')"
        " ORDER BY reached_at, f.document_id LIMIT ?"),
        bind(organisationId), bind(limit), now;
    RecordSet rows(select);
    std::vector<WaitingIncomingDocument> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      WaitingIncomingDocument w;
      w.documentId = sql::text(rows, 0);
      w.subject = sql::text(rows, 1);
      w.status = sql::text(rows, 2);
      w.leadUnitId = sql::text(rows, 3);
      w.specialistId = sql::text(rows, 4);
      w.dueDate = sql::text(rows, 5);
      w.reachedAt = sql::integer(rows, 6);
      all.push_back(std::move(w));
    }
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the incoming documents waiting in " + organisationId, e);
  }
}

std::vector<RecentAct> SqlDashboardQueries::recentActs(
    const workflow::DocumentVisibility& visibility, int limit) {
  auto& db = database_.impl();
  try {
    std::string where = " WHERE d.organisation_id = ?";
    std::vector<std::string> parameters{visibility.organisationId};
    appendVisibilityClause(where, parameters, visibility, "d");
    const std::string what = "reading the recent acts of " + visibility.organisationId;
    PreparedQuery select(
        db.statements(),
        "SELECT a.id, a.document_id, a.seq, a.action, a.actor_id, a.on_behalf_of,"
        " a.role, a.authority_marker, a.from_level, a.to_level, a.comment, a.at,"
        " d.subject FROM document_acts a JOIN documents d ON d.id = a.document_id" +
            where + " ORDER BY a.at DESC, a.seq DESC, a.document_id LIMIT ?",
        what);
    for (const auto& parameter : parameters) select.bind(parameter);
    select.bind(static_cast<int64_t>(limit));
    std::vector<RecentAct> all;
    while (select.next()) {
      RecentAct recent;
      recent.act.id = select.text(0);
      recent.act.documentId = select.text(1);
      recent.act.seq = static_cast<int>(select.integer(2));
      auto& act = recent.act.act;
      act.action = select.text(3);
      act.actorId = select.text(4);
      act.onBehalfOfId = select.text(5);
      act.role = select.text(6);
      act.authorityMarker = select.text(7);
      act.fromLevel = static_cast<int>(select.integer(8));
      act.toLevel = static_cast<int>(select.integer(9));
      act.comment = select.text(10);
      act.at = select.integer(11);
      recent.subject = select.text(12);
      all.push_back(std::move(recent));
    }
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the latest acts of " + visibility.organisationId, e);
  }
}

}  // namespace vanthu::storage
