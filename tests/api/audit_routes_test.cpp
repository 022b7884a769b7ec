// The audit log over HTTP: a document's trail, the latest signed tree head and inclusion proofs,
// each checked by a computation of its own here (OpenSSL's Ed25519 and SHA-256, RFC 9162's
// Merkle tree and proof verification written out), not by asking the server's code again.

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "flow_fixture.h"
#include "vanthu/storage/sql_audit_log.h"

namespace {

using namespace vanthu;
using namespace vanthu::flowtest;

std::string sha256(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string unhex(const std::string& text) {
  std::string out;
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                             reinterpret_cast<const unsigned char*>(text.data()),
                             static_cast<int>(text.size()));
  REQUIRE(size >= 0);
  size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<size_t>(size) - padding);
  return out;
}

uint64_t bigEndian(const std::string& bytes, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

std::string node(const std::string& left, const std::string& right) {
  return sha256(std::string(1, '\x01') + left + right);
}

// RFC 9162 §2.1.1: the Merkle Tree Hash of `leaves` (raw leaf hashes).
std::string treeHash(const std::vector<std::string>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t split = 1;
  while (split * 2 < end - begin) split *= 2;
  return node(treeHash(leaves, begin, begin + split), treeHash(leaves, begin + split, end));
}

// RFC 9162 §2.1.3.2: whether `path` proves `leaf` at `index` in the tree of `size` with `root`.
bool verifyInclusion(uint64_t index, uint64_t size, const std::string& leaf,
                     const std::vector<std::string>& path, const std::string& root) {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  std::string r = leaf;
  for (const auto& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = node(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verifyEd25519(const std::string& publicKeyPem, const std::string& message,
                   const std::string& signature) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(publicKeyPem.data(), static_cast<int>(publicKeyPem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  REQUIRE(key);
  REQUIRE(EVP_PKEY_get_id(key.get()) == EVP_PKEY_ED25519);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

// Signs a checkpoint with the instance key, as `vanthu audit checkpoint` does.
workflow::AuditCheckpoint checkpoint(FlowServer& s) {
  std::shared_ptr<const storage::AuditSigningKey> key =
      storage::AuditSigningKey::loadOrCreate(storage::auditKeyPath(s.config.dataDir));
  auto database = s.openDatabase();
  return storage::SqlAuditLog(*database, key).checkpoint();
}

std::vector<workflow::AuditEntry> allEntries(FlowServer& s) {
  auto database = s.openDatabase();
  storage::SqlAuditLog log(*database, nullptr);
  std::vector<workflow::AuditEntry> entries;
  for (uint64_t i = 0; i < log.size(); ++i) entries.push_back(*log.entry(i));
  return entries;
}

std::string leafOf(const workflow::AuditEntry& entry) {
  return sha256(std::string(1, '\x00') + storage::canonicalAuditEntry(entry));
}

Reply get(FlowServer& s, const std::string& username, const std::string& path) {
  return call(s.port(), "GET", path, s.token(username));
}

// A document drafted and taken through two levels of approval; returns its id.
std::string climbed(FlowServer& s) {
  auto id = s.draft("Về việc kiểm tra nhật ký");
  int64_t revision = 1;
  revision = s.accept("chuyenvien", id, actionBody("submit", "Kính trình"), revision, "review");
  revision = s.accept("truongphong", id, actionBody("approve", "Đồng ý"), revision, "review");
  s.accept("chanhvanphong", id, actionBody("approve", "Đúng thể thức"), revision, "signing");
  return id;
}

std::vector<std::string> pathOf(const Object::Ptr& proof) {
  std::vector<std::string> path;
  auto array = proof->getArray("audit_path");
  for (size_t i = 0; i < array->size(); ++i)
    path.push_back(unhex(array->getElement<std::string>(static_cast<unsigned>(i))));
  return path;
}

}  // namespace

TEST_CASE("audit routes: a document's trail lists its acts oldest first with their actors",
          "[api][audit]") {
  FlowServer s;
  auto id = climbed(s);
  auto stored = s.audit(id);
  REQUIRE(stored.size() >= 3);

  auto reply = get(s, "lanhdao", "/api/v1/documents/" + id + "/audit");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto body = reply.json();
  CHECK(body->getValue<uint64_t>("total") == stored.size());
  CHECK(body->getValue<int>("offset") == 0);
  auto items = body->getArray("items");
  REQUIRE(items->size() == stored.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    INFO("entry " << i);
    auto each = item(items, i);
    CHECK(each->getValue<uint64_t>("sequence") == stored[i].sequence);
    CHECK(each->getValue<std::string>("action") == stored[i].action);
    CHECK(each->getValue<std::string>("actor_id") == stored[i].actor);
    CHECK(each->getValue<std::string>("hash") == stored[i].hash);
    CHECK(each->getValue<std::string>("previous_hash") == stored[i].previousHash);
    CHECK(each->getValue<std::string>("time") == stored[i].time);
    CHECK(each->isObject("details"));
    if (i > 0)
      CHECK(each->getValue<uint64_t>("sequence") >
            item(items, i - 1)->getValue<uint64_t>("sequence"));
  }
  // The last three are the acts, in the order they were made, by who made them.
  const std::vector<std::pair<std::string, std::string>> acts = {
      {"submit", "chuyenvien"}, {"approve", "truongphong"}, {"approve", "chanhvanphong"}};
  for (size_t i = 0; i < acts.size(); ++i) {
    auto each = item(items, items->size() - acts.size() + i);
    INFO("act " << i);
    CHECK(each->getValue<std::string>("action") == acts[i].first);
    CHECK(each->getValue<std::string>("actor_id") == "user-" + acts[i].second);
    CHECK(each->getValue<std::string>("actor_username") == acts[i].second);
  }

  // Paged: the same entries, a window at a time, with the total.
  auto page = get(s, "lanhdao", "/api/v1/documents/" + id + "/audit?limit=2&offset=1");
  INFO(page.body);
  REQUIRE(page.status == 200);
  CHECK(page.json()->getValue<uint64_t>("total") == stored.size());
  CHECK(page.json()->getValue<int>("limit") == 2);
  auto window = page.json()->getArray("items");
  REQUIRE(window->size() == std::min<size_t>(2, stored.size() - 1));
  CHECK(item(window, 0)->getValue<uint64_t>("sequence") == stored[1].sequence);
  auto beyond = get(s, "lanhdao", "/api/v1/documents/" + id + "/audit?offset=1000");
  REQUIRE(beyond.status == 200);
  CHECK(beyond.json()->getArray("items")->size() == 0);
  checkProblem(get(s, "lanhdao", "/api/v1/documents/" + id + "/audit?limit=0"), 400,
               "invalid_argument");
  checkProblem(get(s, "lanhdao", "/api/v1/documents/" + id + "/audit?limit=201"), 400,
               "invalid_argument");
  checkProblem(get(s, "lanhdao", "/api/v1/documents/" + id + "/audit?offset=-1"), 400,
               "invalid_argument");

  // Another organisation's clerk learns nothing, not even that the document exists.
  auto foreign = get(s, "vanthu.daitu", "/api/v1/documents/" + id + "/audit");
  checkProblem(foreign, 404, "not_found");
  auto missing = get(s, "vanthu.daitu", "/api/v1/documents/no-such-document/audit");
  checkProblem(missing, 404, "not_found");
  CHECK(foreign.json()->getValue<std::string>("title") ==
        missing.json()->getValue<std::string>("title"));
  checkProblem(call(s.port(), "GET", "/api/v1/documents/" + id + "/audit", ""), 401,
               "unauthenticated");
}

TEST_CASE("audit routes: the latest checkpoint verifies with OpenSSL and its root is the tree's",
          "[api][audit]") {
  FlowServer s;
  checkProblem(get(s, "chuyenvien", "/api/v1/audit/checkpoints/latest"), 404, "not_found");
  climbed(s);
  auto signedHead = checkpoint(s);

  auto reply = get(s, "chuyenvien", "/api/v1/audit/checkpoints/latest");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto body = reply.json();
  const auto treeSize = body->getValue<uint64_t>("tree_size");
  const auto rootHash = body->getValue<std::string>("root_hash");
  const auto timestampMs = body->getValue<uint64_t>("timestamp_ms");
  CHECK(treeSize == signedHead.treeSize);
  CHECK(body->getValue<std::string>("key_id") == signedHead.keyId);
  CHECK(body->getValue<std::string>("timestamp").size() == 24);
  CHECK(body->isNull("timestamp_token_b64"));

  // The 51 bytes are what they claim to be.
  std::string signedBytes = unbase64(body->getValue<std::string>("signed_bytes_b64"));
  REQUIRE(signedBytes.size() == 51);
  CHECK(bigEndian(signedBytes, 0, 8) == timestampMs);
  CHECK(bigEndian(signedBytes, 8, 8) == treeSize);
  CHECK(static_cast<unsigned char>(signedBytes[16]) == 32);
  CHECK(hex(signedBytes.substr(17, 32)) == rootHash);
  CHECK(bigEndian(signedBytes, 49, 2) == 0);

  // The signature, with the served public key, by OpenSSL alone; a changed byte fails.
  const std::string pem = body->getValue<std::string>("public_key_pem");
  const std::string signature = unhex(body->getValue<std::string>("signature"));
  REQUIRE(signature.size() == 64);
  CHECK(verifyEd25519(pem, signedBytes, signature));
  std::string altered = signedBytes;
  altered[15] = static_cast<char>(altered[15] ^ 1);  // another tree size
  CHECK_FALSE(verifyEd25519(pem, altered, signature));
  // The key id is SHA-256 of the key's DER SubjectPublicKeyInfo.
  {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    REQUIRE(key);
    unsigned char* der = nullptr;
    int size = i2d_PUBKEY(key.get(), &der);
    REQUIRE(size > 0);
    std::string spki(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
    OPENSSL_free(der);
    CHECK(hex(sha256(spki)) == body->getValue<std::string>("key_id"));
  }

  // The root is the Merkle Tree Hash of every entry's leaf, computed here.
  auto entries = allEntries(s);
  REQUIRE(entries.size() == treeSize);
  std::vector<std::string> leaves;
  for (const auto& entry : entries) leaves.push_back(leafOf(entry));
  CHECK(hex(treeHash(leaves, 0, leaves.size())) == rootHash);
}

TEST_CASE(
    "audit routes: inclusion proofs verify against the checkpoint's root, tampered ones do not",
    "[api][audit]") {
  FlowServer s;
  auto id = climbed(s);
  auto first = checkpoint(s);
  auto later = s.draft("Về việc kiểm tra nhật ký lần hai");
  auto second = checkpoint(s);
  REQUIRE(second.treeSize > first.treeSize);

  auto entries = allEntries(s);
  for (const auto& entry : s.audit(id)) {
    auto reply = get(s, "lanhdao", "/api/v1/audit/proof/" + std::to_string(entry.sequence));
    INFO("entry " << entry.sequence << ": " << reply.body);
    REQUIRE(reply.status == 200);
    auto proof = reply.json();
    CHECK(proof->getValue<uint64_t>("leaf_index") == entry.sequence);
    CHECK(proof->getValue<uint64_t>("tree_size") == second.treeSize);
    CHECK(proof->getValue<std::string>("root_hash") == second.rootHash);
    const std::string leaf = unhex(proof->getValue<std::string>("leaf_hash"));
    CHECK(leaf == leafOf(entries[entry.sequence]));
    auto path = pathOf(proof);
    const std::string root = unhex(second.rootHash);
    CHECK(verifyInclusion(entry.sequence, second.treeSize, leaf, path, root));
    // A changed hash in the path, a wrong index or a wrong leaf does not prove it.
    REQUIRE_FALSE(path.empty());
    auto tampered = path;
    tampered[0][0] = static_cast<char>(tampered[0][0] ^ 0x80);
    CHECK_FALSE(verifyInclusion(entry.sequence, second.treeSize, leaf, tampered, root));
    CHECK_FALSE(verifyInclusion(entry.sequence ^ 1, second.treeSize, leaf, path, root));
    CHECK_FALSE(verifyInclusion(entry.sequence, second.treeSize,
                                leafOf(entries[(entry.sequence + 1) % entries.size()]), path,
                                root));
  }

  // Against the earlier checkpoint, by its size.
  auto last = s.audit(id).back();
  auto older = get(s, "lanhdao",
                   "/api/v1/audit/proof/" + std::to_string(last.sequence) +
                       "?tree_size=" + std::to_string(first.treeSize));
  INFO(older.body);
  REQUIRE(older.status == 200);
  CHECK(older.json()->getValue<std::string>("root_hash") == first.rootHash);
  CHECK(verifyInclusion(last.sequence, first.treeSize,
                        unhex(older.json()->getValue<std::string>("leaf_hash")),
                        pathOf(older.json()), unhex(first.rootHash)));

  // The second document's entries are not in the first checkpoint's tree.
  auto laterEntry = s.audit(later).front();
  checkProblem(get(s, "lanhdao",
                   "/api/v1/audit/proof/" + std::to_string(laterEntry.sequence) +
                       "?tree_size=" + std::to_string(first.treeSize)),
               400, "invalid_argument");
  // Entries appended after the latest checkpoint are not covered by any yet.
  auto third = s.draft("Về việc kiểm tra nhật ký lần ba");
  checkProblem(
      get(s, "lanhdao", "/api/v1/audit/proof/" + std::to_string(s.audit(third).front().sequence)),
      409, "invalid_state");
}

TEST_CASE("audit routes: proofs only to who may see the entry, and bad numbers are refused",
          "[api][audit]") {
  FlowServer s;
  auto id = climbed(s);
  {
    // Entries about no document: one of the province's, one of no organisation.
    auto database = s.openDatabase();
    storage::SqlAuditLog log(*database, nullptr);
    workflow::AuditEntry own;
    own.actor = "user-admin";
    own.organisationId = "ubnd-tinh";
    own.action = "holidays_replaced";
    own.details = R"({"scope":"organisation","entries":1})";
    log.append(own);
    workflow::AuditEntry system;
    system.actor = "system";
    system.action = "maintenance";
    system.details = "free text";
    log.append(system);
  }
  checkpoint(s);
  const auto size = allEntries(s).size();
  const std::string ownEntry = std::to_string(size - 2);
  const std::string systemEntry = std::to_string(size - 1);
  const std::string documentEntry = std::to_string(s.audit(id).back().sequence);

  CHECK(get(s, "lanhdao", "/api/v1/audit/proof/" + documentEntry).status == 200);
  checkProblem(get(s, "vanthu.daitu", "/api/v1/audit/proof/" + documentEntry), 404, "not_found");
  // Entries without a document: administrators of their organisation, of any for none.
  CHECK(get(s, "admin", "/api/v1/audit/proof/" + ownEntry).status == 200);
  CHECK(get(s, "admin", "/api/v1/audit/proof/" + systemEntry).status == 200);
  checkProblem(get(s, "lanhdao", "/api/v1/audit/proof/" + ownEntry), 404, "not_found");
  checkProblem(get(s, "chuyenvien", "/api/v1/audit/proof/" + systemEntry), 404, "not_found");

  // Malformed numbers: 400; a number no entry has: 404.
  for (const std::string bad :
       {"-1", "abc", "1e3", "+1", "0x10", "99999999999999999999", "9223372036854775808", "%20"}) {
    INFO(bad);
    checkProblem(get(s, "lanhdao", "/api/v1/audit/proof/" + bad), 400, "invalid_argument");
  }
  checkProblem(get(s, "lanhdao", "/api/v1/audit/proof/" + std::to_string(size)), 404, "not_found");
  checkProblem(get(s, "lanhdao", "/api/v1/audit/proof/9223372036854775807"), 404, "not_found");
  // Tree sizes: 0, beyond the log, and one no checkpoint has.
  for (const std::string& bad :
       std::vector<std::string>{"0", "abc", "-5", std::to_string(size + 1),
                                std::to_string(size - 1), "99999999999999999999"}) {
    INFO("tree_size=" << bad);
    checkProblem(get(s, "lanhdao", "/api/v1/audit/proof/" + documentEntry + "?tree_size=" + bad),
                 400, "invalid_argument");
  }
  // Entry 0 exists; another organisation's user is not told anything about it.
  checkProblem(get(s, "vanthu.daitu", "/api/v1/audit/proof/0"), 404, "not_found");
}
