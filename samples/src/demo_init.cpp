#include "vanthu/demo/demo_init.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "vanthu/api/password_hasher.h"
#include "vanthu/demo/demo_directory.h"
#include "vanthu/demo/demo_holidays.h"
#include "vanthu/demo/demo_images.h"
#include "vanthu/demo/demo_pki.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/storage/atomic_file.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_calendar_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/workflow/error.h"

namespace vanthu::demo {
namespace fs = std::filesystem;

namespace {

std::string isoTime(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  std::ostringstream out;
  out << std::put_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

bool isEmptyDirectory(const fs::path& dir) {
  return fs::is_directory(dir) && fs::directory_iterator(dir) == fs::directory_iterator();
}

fs::path makeStagingDirectory(const fs::path& target) {
  fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code error;
  fs::create_directories(parent, error);
  std::string pattern = (parent / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw Error(ErrorCode::IoFailure, "cannot create a temporary directory beside " +
                                          target.string() + "; check that " + parent.string() +
                                          " is writable");
  }
  return fs::path(buffer.data());
}

void report(const DemoInitOptions& options, const std::string& line) {
  if (options.progress) options.progress(line);
}

std::vector<DemoPkiSubject> pkiSubjects(const DemoDirectory& directory) {
  std::vector<DemoPkiSubject> subjects;
  auto organisationName = [&](const std::string& id) {
    for (const auto& o : directory.organisations) {
      if (o.id == id) return o.name;
    }
    return std::string();
  };
  auto unitName = [&](const std::string& id) {
    for (const auto& u : directory.units) {
      if (u.id == id) return u.name;
    }
    return std::string();
  };
  for (const auto& user : directory.users) {
    if (!user.signs) continue;
    DemoPkiSubject subject;
    subject.id = user.username;
    subject.kind = DemoCredentialKind::Person;
    subject.commonName = user.fullName;
    subject.title = user.position;
    subject.organisation = organisationName(user.organisationId);
    subject.unit = unitName(user.unitId);
    subject.locality = "Thái Nguyên";
    subject.email = user.username + "@demo.vanthu.invalid";
    subject.key = user.ellipticKey ? signing::KeyAlgorithm::EcP256 : signing::KeyAlgorithm::Rsa2048;
    subjects.push_back(std::move(subject));
  }
  bool elliptic = false;
  for (const auto& organisation : directory.organisations) {
    if (organisation.dissolvedOn) continue;  // a dissolved body signs nothing new
    DemoPkiSubject subject;
    subject.id = organisation.code;
    subject.kind = DemoCredentialKind::Organisation;
    subject.commonName = organisation.name;
    subject.organisation = organisation.name;
    subject.locality = organisation.tierCode == "central" ? "Hà Nội" : "Thái Nguyên";
    subject.agencyCode = organisation.code;
    subject.key = elliptic ? signing::KeyAlgorithm::EcP256 : signing::KeyAlgorithm::Rsa2048;
    elliptic = !elliptic;
    subjects.push_back(std::move(subject));
  }
  return subjects;
}

const DemoCredential* findCredential(const DemoPki& pki, const std::string& id) {
  for (const auto& credential : pki.credentials) {
    if (credential.id == id && !credential.revoked) return &credential;
  }
  return nullptr;
}

workflow::KeyReference keyReference(const DemoCredential& credential, const fs::path& root) {
  workflow::KeyReference reference;
  reference.source = workflow::KeySource::Pkcs12;
  reference.location = fs::relative(credential.pkcs12, root).string();
  reference.certificateSubject = credential.subject;
  reference.certificateSerial = credential.serialHex;
  reference.notAfter = isoTime(credential.notAfter);
  return reference;
}

void check(const Status& status, const std::string& what) {
  if (!status) throw Error(status.code(), what + ": " + status.message());
}

void populateDatabase(const fs::path& root, const DemoDirectory& directory, const DemoPki& pki,
                      const std::string& password, const DemoInitOptions& options) {
  auto database = storage::Database::open({options.databaseUrl.empty()
                                               ? "sqlite:" + (root / "vanthu.db").string()
                                               : options.databaseUrl});
  storage::SqlDirectoryRepository repository(*database);
  report(options, "hashing the demo users' passwords (PBKDF2-SHA256, 600,000 iterations)");
  std::vector<std::string> hashes;
  for (size_t i = 0; i < directory.users.size(); ++i) hashes.push_back(api::hashPassword(password));

  repository.inTransaction([&] {
    for (const auto& tier : directory.tiers) check(repository.addTier(tier), "tier " + tier.code);
    for (const auto& organisation : directory.organisations) {
      check(repository.addOrganisation(organisation), "organisation " + organisation.code);
      // Communes have no departments: their outgoing documents follow the shorter flow.
      if (organisation.tierCode == "commune" && !organisation.dissolvedOn) {
        check(repository.setOutgoingTemplate(organisation.id, "outgoing-commune"),
              "outgoing template of " + organisation.code);
      }
      if (const auto* credential = findCredential(pki, organisation.code)) {
        auto reference = keyReference(*credential, root);
        reference.id = "key-" + organisation.id;
        reference.organisationId = organisation.id;
        check(repository.addKeyReference(reference), "key of " + organisation.code);
      }
    }
    for (const auto& unit : directory.units) check(repository.addUnit(unit), "unit " + unit.id);
    for (size_t i = 0; i < directory.users.size(); ++i) {
      const auto& demoUser = directory.users[i];
      workflow::User user;
      user.id = "user-" + demoUser.username;
      user.username = demoUser.username;
      user.fullName = demoUser.fullName;
      user.position = demoUser.position;
      user.email = demoUser.username + "@demo.vanthu.invalid";
      user.organisationId = demoUser.organisationId;
      if (!demoUser.unitId.empty()) user.unitId = demoUser.unitId;
      user.passwordHash = hashes[i];
      check(repository.addUser(user), "user " + user.username);
      for (const auto& grant : demoRoleGrants(demoUser, user.id)) {
        check(repository.grantRole(grant), "role of " + user.username);
      }
      if (const auto* credential = findCredential(pki, demoUser.username)) {
        auto reference = keyReference(*credential, root);
        reference.id = "key-" + demoUser.username;
        reference.userId = user.id;
        check(repository.addKeyReference(reference), "key of " + user.username);
      }
    }
    // The holiday calendar (samples/data/holidays-vn.csv), each scope as a whole.
    std::map<std::string, std::vector<workflow::CalendarDay>> holidays;
    for (auto& day : vietnamHolidays()) holidays[day.organisationId].push_back(std::move(day));
    storage::SqlCalendarRepository calendar(*database);
    for (const auto& [scope, days] : holidays) {
      check(calendar.replaceEntries(scope, days), "holiday calendar");
    }
  });
}

std::string credentialsText(const DemoDirectory& directory, const std::string& password) {
  std::ostringstream out;
  out << "# vanthu demo logins (demo data only; this file is readable by its owner alone)\n";
  out << "password " << password << "\n";
  for (const auto& user : directory.users) {
    out << "user " << user.username << " " << user.organisationId << " ";
    for (size_t i = 0; i < user.roles.size(); ++i) {
      out << (i ? "," : "") << workflow::roleName(user.roles[i]);
    }
    out << "\n";
  }
  return out.str();
}

constexpr const char* kReadme = R"(# vanthu demo data directory

Created by `vanthu demo init`. Everything here is demo material: never use these keys or
passwords for real documents.

- `vanthu.db` — the metadata database (SQLite): tiers, organisations, units, users, role grants,
  key references, the national holiday calendar 2025-2027 (samples/data/holidays-vn.csv).
- `vanthu.properties` — settings read by `vanthu-server --data <this dir>`.
- `demo-credentials.txt` — the demo users and their shared password (mode 0600).
- `pki/` — the demo PKI (see pki/README.md). Every PKCS#12 file has the demo PKCS#12 password
  documented in samples/README.md of the source tree.
- `samples/` — sample documents in the Decree 30/2020 layout.
- `images/signatures/<username>.png` — blue signature images; `images/seals/<code>.png` — red seals.
)";

void buildInto(const fs::path& root, const DemoInitOptions& options, const std::string& password) {
  const auto& directory = demoDirectory();

  report(options, "creating the demo PKI");
  fs::create_directories(root / "pki");
  DemoPkiOptions pkiOptions;
  pkiOptions.subjects = pkiSubjects(directory);
  pkiOptions.pkcs12Password = kDemoPkcs12Password;
  pkiOptions.baseUrl = options.pkiBaseUrl;
  pkiOptions.now = options.now;
  DemoPki pki = buildDemoPki(pkiOptions, root / "pki");

  report(options, "writing the sample documents");
  fs::create_directories(root / "samples");
  writeSampleDocuments(root / "samples");

  report(options, "drawing the signature and seal images");
  fs::create_directories(root / "images" / "signatures");
  fs::create_directories(root / "images" / "seals");
  unsigned seed = 1;
  for (const auto& user : directory.users) {
    if (user.signs) {
      writeSignatureImage(root / "images" / "signatures" / (user.username + ".png"), seed++);
    }
  }
  for (const auto& organisation : directory.organisations) {
    if (!organisation.dissolvedOn) {
      writeSealImage(root / "images" / "seals" / (organisation.code + ".png"));
    }
  }

  report(options, "creating the database");
  populateDatabase(root, directory, pki, password, options);

  storage::writeFileAtomically(
      root / "vanthu.properties",
      "# vanthu-server settings for this data directory (see docs/OPERATIONS.md)\n"
      "server.host = 127.0.0.1\n"
      "server.port = 8080\n"
      "database.url = " +
          (options.databaseUrl.empty() ? std::string("sqlite:vanthu.db") : options.databaseUrl) +
          "\n"
          "log.level = info\n"
          "log.format = json\n"
          "# Issued documents are time-stamped (B-T) by the demo TSA, run by the server itself.\n"
          "signing.level = B-T\n"
          "signing.tsa_pkcs12 = pki/tsa/tsa.p12\n"
          "signing.tsa_password = " +
          std::string(kDemoPkcs12Password) + "\n");
  storage::writeFileAtomically(root / kDemoCredentialsFile, credentialsText(directory, password),
                               0600);
  storage::writeFileAtomically(root / "README.md", kReadme);
  // The marker goes last: its presence means everything before it is complete.
  storage::writeFileAtomically(root / kDemoMarkerFile,
                               "vanthu demo data\ncreated " + isoTime(options.now) + "\n");
  storage::syncDirectory(root);
}

}  // namespace

std::string generateDemoPassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  constexpr size_t kAlphabetSize = sizeof(kAlphabet) - 1;
  std::string password;
  while (password.size() < 16) {
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) {
      throw Error(ErrorCode::CryptoFailure, "the random number generator failed");
    }
    // Rejection sampling keeps every character equally likely.
    if (byte < 256 - (256 % kAlphabetSize)) password += kAlphabet[byte % kAlphabetSize];
  }
  return password;
}

DemoInitResult initDemo(const DemoInitOptions& options) {
  const fs::path& target = options.dir;
  if (target.empty()) throw Error(ErrorCode::InvalidArgument, "no directory given for the demo");
  DemoInitResult result;
  for (const auto& user : demoDirectory().users) result.usernames.push_back(user.username);

  if (fs::exists(target / kDemoMarkerFile)) return result;  // complete already: nothing to do
  if (fs::exists(target) && !isEmptyDirectory(target)) {
    throw Error(ErrorCode::InvalidArgument,
                target.string() +
                    " exists and is not a vanthu demo directory; choose another "
                    "--dir or remove it first");
  }

  result.userPassword = options.userPassword;
  if (result.userPassword.empty()) {
    result.userPassword = generateDemoPassword();
    result.passwordGenerated = true;
  }

  fs::path staging = makeStagingDirectory(target);
  try {
    buildInto(staging, options, result.userPassword);
    if (fs::exists(target)) fs::remove(target);  // empty, checked above
    fs::rename(staging, target);
    storage::syncDirectory(target.parent_path().empty() ? fs::path(".") : target.parent_path());
  } catch (...) {
    // Nothing half-written may stay: remove the staging directory, then report the failure.
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw;
  }
  result.created = true;
  return result;
}

}  // namespace vanthu::demo
