#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/merkle_tree.h"
#include "vanthu/storage/sql_audit_log.h"

using namespace vanthu;
using namespace vanthu::storage;
using merkle::Hash;
using vanthu::test::TempDir;

namespace {

Hash hex(const std::string& text) {
  Hash hash{};
  REQUIRE(merkle::fromHex(text, hash));
  return hash;
}

std::string bytes(const std::string& hexText) {
  std::string out;
  for (size_t i = 0; i < hexText.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hexText.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The inputs and tree heads used by the Certificate Transparency implementations' tests
// (RFC 6962 = RFC 9162 §2.1 hashing).
const std::vector<std::string> kCtInputs = {"",
                                            "00",
                                            "10",
                                            "2021",
                                            "3031",
                                            "40414243",
                                            "5051525354555657",
                                            "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kCtRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<Hash> ctLeaves() {
  std::vector<Hash> leaves;
  for (const auto& input : kCtInputs) leaves.push_back(merkle::leafHash(bytes(input)));
  return leaves;
}

std::vector<Hash> syntheticLeaves(size_t n) {
  std::vector<Hash> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back(merkle::leafHash("leaf " + std::to_string(i)));
  return leaves;
}

// MTH written straight from the RFC's definition, independent of the code under test.
Hash naiveRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return merkle::nodeHash(naiveRoot(leaves, begin, begin + k), naiveRoot(leaves, begin + k, end));
}

std::vector<Hash> prefix(const std::vector<Hash>& leaves, size_t n) {
  return {leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)};
}

Hash flipped(Hash hash) {
  hash[7] ^= 0x20;
  return hash;
}

std::vector<Hash> hashesOf(const std::vector<std::string>& hexes) {
  std::vector<Hash> out;
  for (const auto& h : hexes) out.push_back(hex(h));
  return out;
}

workflow::AuditEntry action(int i) {
  workflow::AuditEntry entry;
  entry.time = "2025-03-01T08:00:00.000Z";
  entry.actor = "user-" + std::to_string(i % 7);
  entry.organisationId = "000.00.00.H55";
  entry.documentId = "doc-" + std::to_string(i % 5);
  entry.action = i % 2 ? "approve" : "submit";
  entry.details = "{\"comment\":\"Đồng ý " + std::to_string(i) + "\"}";
  entry.clientAddress = "10.0.0." + std::to_string(i % 250);
  return entry;
}

struct LogFixture {
  TempDir dir;
  std::filesystem::path dbPath = dir / "vanthu.db";
  // SQLite in the test directory, or PostgreSQL under tests/storage/with_postgres.sh; the
  // tests that edit rows with the sqlite3 tool stay SQLite-only.
  std::unique_ptr<Database> database = test::openTestDatabase(dir);
  std::shared_ptr<const AuditSigningKey> key =
      AuditSigningKey::loadOrCreate(auditKeyPath(dir.path()));
  SqlAuditLog log{*database, key};

  void appendMany(int count) {
    std::vector<workflow::AuditEntry> batch;
    for (int i = 0; i < count; ++i) {
      batch.push_back(action(i));
      if (batch.size() == 1000) {
        log.appendAll(std::move(batch));
        batch.clear();
      }
    }
    if (!batch.empty()) log.appendAll(std::move(batch));
  }

  test::CommandResult sqlite(const std::string& sql) {
    return test::runCommand("sqlite3 " + test::shellQuote(dbPath) + " " + test::shellQuote(sql));
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The Merkle tree
// ---------------------------------------------------------------------------------------------

TEST_CASE("Merkle tree heads match the Certificate Transparency test vectors", "[audit][merkle]") {
  auto leaves = ctLeaves();
  CHECK(merkle::toHex(merkle::emptyRootHash()) == kCtRoots[0]);
  for (size_t n = 1; n <= leaves.size(); ++n) {
    auto first = prefix(leaves, n);
    INFO("tree size " << n);
    CHECK(merkle::toHex(merkle::rootHash(n, merkle::inMemoryReader(first))) == kCtRoots[n]);
    merkle::CompactRange range;
    std::vector<merkle::Node> created;
    for (const auto& leaf : first) range.append(leaf, created);
    CHECK(merkle::toHex(range.root()) == kCtRoots[n]);
  }
}

TEST_CASE("Merkle proofs match the Certificate Transparency test vectors", "[audit][merkle]") {
  auto leaves = ctLeaves();
  struct Inclusion {
    uint64_t index, size;
    std::vector<std::string> path;
  };
  const std::vector<Inclusion> inclusions = {
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const auto& vector : inclusions) {
    INFO("leaf " << vector.index << " of " << vector.size);
    auto tree = prefix(leaves, vector.size);
    auto proof = merkle::inclusionProof(vector.index, vector.size, merkle::inMemoryReader(tree));
    CHECK(proof == hashesOf(vector.path));
    CHECK(merkle::verifyInclusion(vector.index, vector.size, leaves[vector.index], proof,
                                  hex(kCtRoots[vector.size])));
  }
  struct Consistency {
    uint64_t first, second;
    std::vector<std::string> path;
  };
  const std::vector<Consistency> consistencies = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const auto& vector : consistencies) {
    INFO("sizes " << vector.first << " and " << vector.second);
    auto tree = prefix(leaves, vector.second);
    auto proof =
        merkle::consistencyProof(vector.first, vector.second, merkle::inMemoryReader(tree));
    CHECK(proof == hashesOf(vector.path));
    CHECK(merkle::verifyConsistency(vector.first, vector.second, hex(kCtRoots[vector.first]),
                                    hex(kCtRoots[vector.second]), proof));
  }
}

TEST_CASE("Merkle roots agree with the RFC's recursive definition for 1..70 leaves",
          "[audit][merkle]") {
  auto leaves = syntheticLeaves(70);
  merkle::CompactRange range;
  std::vector<merkle::Node> created;
  for (size_t n = 1; n <= leaves.size(); ++n) {
    range.append(leaves[n - 1], created);
    auto expected = naiveRoot(leaves, 0, n);
    INFO("tree size " << n);
    CHECK(range.root() == expected);
    CHECK(merkle::rootHash(n, merkle::inMemoryReader(leaves)) == expected);
  }
  // Every complete subtree the range reported is the naive hash of its leaves.
  CHECK(created.size() == 2 * 70 - 3);  // 2n - popcount(70) = 140 - 3
  for (const auto& node : created) {
    size_t width = size_t{1} << node.level;
    CHECK(node.hash == naiveRoot(leaves, node.index * width, node.index * width + width));
  }
}

TEST_CASE("Inclusion proofs verify for every leaf of trees of 1..40, and tampering fails",
          "[audit][merkle]") {
  auto leaves = syntheticLeaves(40);
  auto reader = merkle::inMemoryReader(leaves);
  for (uint64_t n = 1; n <= 40; ++n) {
    Hash root = naiveRoot(leaves, 0, n);
    for (uint64_t i = 0; i < n; ++i) {
      INFO("leaf " << i << " of " << n);
      auto proof = merkle::inclusionProof(i, n, reader);
      CHECK(proof.size() <= static_cast<size_t>(std::ceil(std::log2(static_cast<double>(n)))));
      REQUIRE(merkle::verifyInclusion(i, n, leaves[i], proof, root));
      CHECK_FALSE(merkle::verifyInclusion(i, n, flipped(leaves[i]), proof, root));
      CHECK_FALSE(merkle::verifyInclusion(i, n, leaves[i], proof, flipped(root)));
      CHECK_FALSE(merkle::verifyInclusion(n, n, leaves[i], proof, root));
      if (n > 1) CHECK_FALSE(merkle::verifyInclusion(i ^ 1, n, leaves[i], proof, root));
      for (size_t p = 0; p < proof.size(); ++p) {
        auto bad = proof;
        bad[p] = flipped(bad[p]);
        CHECK_FALSE(merkle::verifyInclusion(i, n, leaves[i], bad, root));
      }
      auto longer = proof;
      longer.push_back(leaves[0]);
      CHECK_FALSE(merkle::verifyInclusion(i, n, leaves[i], longer, root));
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        CHECK_FALSE(merkle::verifyInclusion(i, n, leaves[i], shorter, root));
      }
    }
  }
}

TEST_CASE("Consistency proofs verify for every pair of sizes up to 40, and tampering fails",
          "[audit][merkle]") {
  auto leaves = syntheticLeaves(40);
  auto reader = merkle::inMemoryReader(leaves);
  std::vector<Hash> roots(41);
  for (size_t n = 1; n <= 40; ++n) roots[n] = naiveRoot(leaves, 0, n);
  for (uint64_t n = 1; n <= 40; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      INFO("sizes " << m << " and " << n);
      auto proof = merkle::consistencyProof(m, n, reader);
      CHECK(proof.size() <= 2 * static_cast<size_t>(std::ceil(std::log2(n))) + 1);
      REQUIRE(merkle::verifyConsistency(m, n, roots[m], roots[n], proof));
      CHECK_FALSE(merkle::verifyConsistency(m, n, flipped(roots[m]), roots[n], proof));
      CHECK_FALSE(merkle::verifyConsistency(m, n, roots[m], flipped(roots[n]), proof));
      for (size_t p = 0; p < proof.size(); ++p) {
        auto bad = proof;
        bad[p] = flipped(bad[p]);
        CHECK_FALSE(merkle::verifyConsistency(m, n, roots[m], roots[n], bad));
      }
      if (m < n) {
        CHECK_FALSE(merkle::verifyConsistency(m, n, roots[m], roots[n], {}));
        auto longer = proof;
        longer.push_back(leaves[0]);
        CHECK_FALSE(merkle::verifyConsistency(m, n, roots[m], roots[n], longer));
        if (m > 1) CHECK_FALSE(merkle::verifyConsistency(m - 1, n, roots[m], roots[n], proof));
      }
    }
    CHECK_FALSE(merkle::verifyConsistency(0, n, roots[1], roots[n], {}));
  }
}

// ---------------------------------------------------------------------------------------------
// The SQL audit log
// ---------------------------------------------------------------------------------------------

TEST_CASE("The entry hash is SHA-256 of the documented length-prefixed encoding", "[audit]") {
  workflow::AuditEntry entry;
  entry.sequence = 1;
  entry.previousHash = std::string(64, '0');
  entry.time = "t";
  entry.actor = "ab";
  std::string expected = "vanthu-audit-v1" + std::string("\0\0\0\0\0\0\0\1", 8) +
                         std::string(32, '\0') + std::string("\0\0\0\1t", 5) +
                         std::string("\0\0\0\2ab", 6) + std::string(5 * 4, '\0');
  CHECK(canonicalAuditEntry(entry) == expected);
  // The length prefixes keep field boundaries: moving a byte between fields changes the hash.
  auto moved = entry;
  moved.time = "ta";
  moved.actor = "b";
  CHECK(canonicalAuditEntry(moved) != canonicalAuditEntry(entry));
}

TEST_CASE("Appending chains entries, stores them as given, and serves them back",
          "[audit][postgresql]") {
  LogFixture f;
  CHECK(f.log.size() == 0);
  auto first = f.log.append(action(0));
  auto second = f.log.append(action(1));
  CHECK(first.sequence == 0);
  CHECK(first.previousHash == std::string(64, '0'));
  CHECK(second.sequence == 1);
  CHECK(second.previousHash == first.hash);
  CHECK(second.hash == merkle::toHex(merkle::sha256(canonicalAuditEntry(second))));
  CHECK(f.log.size() == 2);

  auto read = f.log.entry(1);
  REQUIRE(read);
  CHECK(read->details == action(1).details);
  CHECK(read->hash == second.hash);
  CHECK_FALSE(f.log.entry(2));

  workflow::AuditEntry untimed = action(2);
  untimed.time.clear();
  auto stamped = f.log.append(untimed);
  CHECK(stamped.time.size() == 24);  // 2025-03-01T08:00:00.000Z
  CHECK(stamped.time.back() == 'Z');

  f.appendMany(20);
  auto ofDocument = f.log.entriesOfDocument("doc-1");
  REQUIRE(ofDocument.size() == 5);  // 1, 6, 11, 16 of the batch, and entry 1
  for (size_t i = 1; i < ofDocument.size(); ++i) {
    CHECK(ofDocument[i - 1].sequence < ofDocument[i].sequence);
  }
  auto verification = f.log.verify();
  CHECK(verification.ok());
  CHECK(verification.entries == 23);
}

TEST_CASE("Checkpoints are signed tree heads that verify with the instance's public key",
          "[audit][postgresql]") {
  LogFixture f;
  // The key file is private; its public half sits next to it.
  struct stat info {};
  REQUIRE(::stat(auditKeyPath(f.dir.path()).c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto publicPath = f.dir / "keys/audit-instance.pub.pem";
  REQUIRE(std::filesystem::exists(publicPath));
  std::string publicPem = test::readFile(publicPath);
  CHECK(auditKeyIdOfPem(publicPem) == f.key->keyId());
  // Loading again gives the same key.
  CHECK(AuditSigningKey::loadOrCreate(auditKeyPath(f.dir.path()))->keyId() == f.key->keyId());

  auto empty = f.log.checkpoint();
  CHECK(empty.treeSize == 0);
  CHECK(empty.rootHash == kCtRoots[0]);
  f.appendMany(13);
  auto head = f.log.checkpoint();
  CHECK(head.treeSize == 13);
  CHECK(head.keyId == f.key->keyId());
  CHECK(signedTreeHeadBytes(head.timestampMs, head.treeSize, head.rootHash).size() == 51);
  CHECK(verifyCheckpointSignature(head, publicPem));

  // The signature covers size, root and time; openssl agrees independently.
  auto other = head;
  other.treeSize = 12;
  CHECK_FALSE(verifyCheckpointSignature(other, publicPem));
  other = head;
  other.timestampMs += 1;
  CHECK_FALSE(verifyCheckpointSignature(other, publicPem));
  test::writeText(f.dir / "sth.bin",
                  signedTreeHeadBytes(head.timestampMs, head.treeSize, head.rootHash));
  test::writeText(f.dir / "sth.sig", bytes(head.signature));
  auto judged = test::openssl("pkeyutl -verify -pubin -inkey " + test::shellQuote(publicPath) +
                              " -rawin -in " + test::shellQuote(f.dir / "sth.bin") + " -sigfile " +
                              test::shellQuote(f.dir / "sth.sig"));
  INFO(judged.output);
  CHECK(judged.exitCode == 0);

  auto latest = f.log.latestCheckpoint();
  REQUIRE(latest);
  CHECK(latest->rootHash == head.rootHash);
  CHECK(f.log.checkpoints().size() == 2);

  // Periodic checkpoints, with the hook a TSA client would use.
  std::vector<uint64_t> hooked;
  SqlAuditLogOptions options;
  options.checkpointEvery = 5;
  options.onCheckpoint = [&](const workflow::AuditCheckpoint& c) { hooked.push_back(c.treeSize); };
  SqlAuditLog periodic(*f.database, f.key, options);
  for (int i = 0; i < 7; ++i) periodic.append(action(i));  // sizes 14..20
  CHECK(hooked == std::vector<uint64_t>{15, 20});
  CHECK(periodic.verify().ok());
  CHECK(periodic.verify().checkpoints == 4);
}

TEST_CASE("Checkpoint time-stamp tokens are stored, matched to their checkpoint and judged",
          "[audit][postgresql]") {
  LogFixture f;
  f.appendMany(9);
  auto first = f.log.checkpoint();
  f.appendMany(4);
  auto second = f.log.checkpoint();
  CHECK(f.log.checkpointsWithoutTimestamp().size() == 2);

  // What is stamped: the 51 signed bytes, then the 64-byte signature.
  std::string data = checkpointTimestampData(first);
  REQUIRE(data.size() == 51 + 64);
  CHECK(data.substr(0, 51) ==
        signedTreeHeadBytes(first.timestampMs, first.treeSize, first.rootHash));
  CHECK(data.substr(51) == bytes(first.signature));

  // A token stands in for the TSA's: the judge below accepts exactly the stamped bytes.
  std::string token = "token over " + data;
  f.log.addCheckpointTimestamp(first, token, "2026-01-01T00:00:00Z", "http://tsa.test/");
  auto pending = f.log.checkpointsWithoutTimestamp();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].treeSize == second.treeSize);
  auto stamps = f.log.checkpointTimestamps();
  REQUIRE(stamps.size() == 1);
  CHECK(stamps[0].treeSize == 9);
  CHECK(stamps[0].tokenDer == token);
  CHECK(stamps[0].authority == "http://tsa.test/");

  // A checkpoint that is not stored cannot get a token.
  auto forged = second;
  forged.treeSize = 12;
  try {
    f.log.addCheckpointTimestamp(forged, token, "2026-01-01T00:00:00Z", "x");
    FAIL("a token for an unknown checkpoint was stored");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::NotFound);
  }

  SqlAuditLogOptions options;
  std::vector<std::string> judged;
  options.checkTimestamp = [&](const std::string& tokenDer, const std::string& stamped) {
    judged.push_back(stamped);
    return tokenDer == "token over " + stamped ? std::string() : std::string("imprint differs");
  };
  SqlAuditLog judging(*f.database, f.key, options);
  auto good = judging.verify();
  INFO((good.problems.empty() ? "" : good.problems.front()));
  CHECK(good.ok());
  CHECK(good.timestamps == 1);
  CHECK(good.timestampsChecked == 1);
  CHECK(judged == std::vector<std::string>{data});

  // A token over another checkpoint's bytes is named at the checkpoint it claims.
  f.log.addCheckpointTimestamp(second, token, "2026-01-01T00:00:01Z", "http://tsa.test/");
  auto bad = judging.verify();
  CHECK_FALSE(bad.ok());
  REQUIRE(bad.firstBrokenCheckpoint);
  CHECK(*bad.firstBrokenCheckpoint == 13);
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].find("time-stamp token: imprint differs") != std::string::npos);
  // Without a judge the tokens are counted and matched, not judged.
  auto unjudged = SqlAuditLog(*f.database, f.key).verify();
  CHECK(unjudged.timestamps == 2);
  CHECK(unjudged.timestampsChecked == 0);
}

TEST_CASE("Proofs from the database verify against signed roots", "[audit][postgresql]") {
  LogFixture f;
  f.appendMany(21);
  auto small = f.log.checkpoint();
  f.appendMany(16);
  auto large = f.log.checkpoint();
  for (uint64_t i = 0; i < 37; ++i) {
    auto proof = f.log.inclusionProof(i, 37);
    REQUIRE(proof);
    CHECK(merkle::verifyInclusion(i, 37, hex(proof.value().leafHash), hashesOf(proof.value().path),
                                  hex(large.rootHash)));
    auto entry = f.log.entry(i);
    CHECK(proof.value().leafHash == merkle::toHex(merkle::leafHash(canonicalAuditEntry(*entry))));
  }
  auto consistency = f.log.consistencyProof(21, 37);
  REQUIRE(consistency);
  CHECK(merkle::verifyConsistency(21, 37, hex(small.rootHash), hex(large.rootHash),
                                  hashesOf(consistency.value().path)));
  CHECK(f.log.inclusionProof(37, 37).status().code() == ErrorCode::NotFound);
  CHECK(f.log.inclusionProof(3, 38).status().code() == ErrorCode::InvalidArgument);
  CHECK(f.log.consistencyProof(0, 5).status().code() == ErrorCode::InvalidArgument);
  CHECK(f.log.consistencyProof(9, 8).status().code() == ErrorCode::InvalidArgument);
}

TEST_CASE("With 10,000 entries a proof reads O(log n) rows", "[audit][slow][postgresql]") {
  LogFixture f;
  f.appendMany(10000);
  REQUIRE(f.log.size() == 10000);
  auto head = f.log.checkpoint();
  const uint64_t logN = 14;  // ceil(log2(10000))
  for (uint64_t i : {0u, 1u, 4999u, 8191u, 8192u, 9998u, 9999u}) {
    f.log.resetStats();
    auto proof = f.log.inclusionProof(i, 10000);
    REQUIRE(proof);
    INFO("leaf " << i << ": " << f.log.stats().queries << " queries");
    // Two statements: the size, then every node the proof needs in one SELECT: the leaf and
    // for each sibling one stored subtree (a ragged right edge adds at most log n more).
    CHECK(f.log.stats().queries == 2);
    CHECK(f.log.stats().rowsRead <= 2 * logN + 2);
    CHECK(merkle::verifyInclusion(i, 10000, hex(proof.value().leafHash),
                                  hashesOf(proof.value().path), hex(head.rootHash)));
  }
  for (uint64_t m : {1u, 777u, 4096u, 9999u}) {
    f.log.resetStats();
    auto proof = f.log.consistencyProof(m, 10000);
    REQUIRE(proof);
    INFO("size " << m << ": " << f.log.stats().queries << " queries");
    CHECK(f.log.stats().queries == 2);
    CHECK(f.log.stats().rowsRead <= 3 * logN + 2);
  }
  f.log.resetStats();
  f.log.append(action(10000));
  CHECK(f.log.stats().queries <= logN + 1);  // the last entry and the left neighbours
  CHECK(f.log.verify().ok());
}

TEST_CASE("A row edited with the sqlite3 tool is named by verify", "[audit]") {
  LogFixture f;
  f.appendMany(60);
  auto head = f.log.checkpoint();
  REQUIRE(f.log.verify().ok());

  // The triggers refuse a plain UPDATE or DELETE ...
  auto refused = f.sqlite("UPDATE audit_entries SET details = 'x' WHERE sequence = 41;");
  CHECK(refused.exitCode != 0);
  CHECK(refused.output.find("append-only") != std::string::npos);
  CHECK(f.sqlite("DELETE FROM audit_entries WHERE sequence = 59;").exitCode != 0);
  REQUIRE(f.log.verify().ok());

  // ... but whoever holds the file can drop them; verify still finds the edit.
  auto edited = f.sqlite(
      "DROP TRIGGER audit_entries_no_update;"
      " UPDATE audit_entries SET details = '{\"comment\":\"Không đồng ý\"}' WHERE sequence = 41;");
  INFO(edited.output);
  REQUIRE(edited.exitCode == 0);
  auto result = f.log.verify();
  CHECK_FALSE(result.ok());
  REQUIRE(result.firstBrokenEntry);
  CHECK(*result.firstBrokenEntry == 41);
  REQUIRE_FALSE(result.problems.empty());
  CHECK(result.problems.front().rfind("entry 41: stored hash", 0) == 0);
  // The signed root no longer matches the entries either.
  REQUIRE(result.firstBrokenCheckpoint);
  CHECK(*result.firstBrokenCheckpoint == head.treeSize);
}

TEST_CASE("The start-up check since the latest checkpoint reads only what follows it",
          "[audit][postgresql]") {
  LogFixture f;
  f.appendMany(300);
  f.log.checkpoint();
  f.appendMany(45);
  auto head = f.log.checkpoint();
  REQUIRE(head.treeSize == 345);
  f.appendMany(23);

  f.log.resetStats();
  auto quick = f.log.verifySinceLatestCheckpoint();
  INFO((quick.problems.empty() ? "" : quick.problems.front()));
  CHECK(quick.ok());
  CHECK(quick.coveredByCheckpoint == 345);
  CHECK(quick.entries == 23);
  uint64_t quickRows = f.log.stats().rowsRead;
  f.log.resetStats();
  auto full = f.log.verify();
  CHECK(full.ok());
  CHECK(full.coveredByCheckpoint == 0);
  CHECK(full.entries == 368);
  CHECK(quickRows * 5 < f.log.stats().rowsRead);

  // Without a trusted checkpoint it is the full check.
  TempDir other;
  auto otherKey = AuditSigningKey::loadOrCreate(auditKeyPath(other.path()));
  SqlAuditLog untrusted(*f.database, nullptr, {0, {}, {otherKey->publicKeyPem()}, {}});
  auto fallback = untrusted.verifySinceLatestCheckpoint();
  CHECK(fallback.coveredByCheckpoint == 0);
  CHECK(fallback.entries == 368);
}

TEST_CASE("The start-up check finds edits after the checkpoint and in the tree it relies on",
          "[audit]") {
  LogFixture f;
  f.appendMany(100);
  f.log.checkpoint();
  f.appendMany(10);
  REQUIRE(f.sqlite("DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_nodes_no_update;")
              .exitCode == 0);

  SECTION("an entry after the checkpoint") {
    REQUIRE(f.sqlite("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 104;").exitCode ==
            0);
    auto quick = f.log.verifySinceLatestCheckpoint();
    CHECK(quick.coveredByCheckpoint == 100);
    REQUIRE(quick.firstBrokenEntry);
    CHECK(*quick.firstBrokenEntry == 104);
  }
  SECTION("the last entry the checkpoint covers: the full check runs and names it") {
    REQUIRE(f.sqlite("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 99;").exitCode ==
            0);
    auto quick = f.log.verifySinceLatestCheckpoint();
    CHECK(quick.coveredByCheckpoint == 0);
    REQUIRE(quick.firstBrokenEntry);
    CHECK(*quick.firstBrokenEntry == 99);
  }
  SECTION("a stored tree node under the checkpoint: the full check runs and names it") {
    REQUIRE(f.sqlite("UPDATE audit_nodes SET hash = '" + std::string(64, 'a') +
                     "' WHERE level = 5 AND idx = 2;")
                .exitCode == 0);
    auto quick = f.log.verifySinceLatestCheckpoint();
    CHECK(quick.coveredByCheckpoint == 0);
    CHECK_FALSE(quick.ok());
    REQUIRE(quick.firstBrokenEntry);
    CHECK(*quick.firstBrokenEntry == 95);
  }
  SECTION("an older entry edited without its tree nodes is the full check's to find") {
    REQUIRE(f.sqlite("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 40;").exitCode ==
            0);
    CHECK(f.log.verifySinceLatestCheckpoint().ok());  // the documented limit of the quick check
    auto full = f.log.verify();
    REQUIRE(full.firstBrokenEntry);
    CHECK(*full.firstBrokenEntry == 40);
  }
}

TEST_CASE("A row edited with psql on PostgreSQL is named by verify", "[audit][postgresql]") {
  const char* server = std::getenv("VANTHU_TEST_POSTGRES_URL");
  if (server == nullptr) {
    WARN("VANTHU_TEST_POSTGRES_URL is not set: run through tests/storage/with_postgres.sh");
    return;
  }
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  std::string schema = url.substr(url.find("?schema=") + 8);
  auto database = Database::open({url});
  SqlAuditLog log(*database, AuditSigningKey::loadOrCreate(auditKeyPath(dir.path())));
  for (int i = 0; i < 40; ++i) log.append(action(i));
  auto head = log.checkpoint();
  REQUIRE(log.verify().ok());
  auto psql = [&](const std::string& sql) {
    return test::runCommand("psql -v ON_ERROR_STOP=1 -q " + test::shellQuote(std::string(server)) +
                            " -c " + test::shellQuote("SET search_path TO " + schema + "; " + sql));
  };
  // The trigger is in the way; the database's owner can switch it off.
  REQUIRE(psql("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 23").exitCode != 0);
  auto edited = psql(
      "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;"
      " UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 23;"
      " ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;");
  INFO(edited.output);
  REQUIRE(edited.exitCode == 0);
  auto result = log.verify();
  CHECK_FALSE(result.ok());
  REQUIRE(result.firstBrokenEntry);
  CHECK(*result.firstBrokenEntry == 23);
  REQUIRE_FALSE(result.problems.empty());
  CHECK(result.problems.front().rfind("entry 23: stored hash", 0) == 0);
  REQUIRE(result.firstBrokenCheckpoint);
  CHECK(*result.firstBrokenCheckpoint == head.treeSize);
}

TEST_CASE("Rehashing an edited entry breaks the next link, removing the tail breaks the checkpoint",
          "[audit]") {
  LogFixture f;
  f.appendMany(30);
  f.log.checkpoint();
  auto entry = *f.log.entry(17);
  entry.details = "rewritten";
  std::string forged = merkle::toHex(merkle::sha256(canonicalAuditEntry(entry)));
  std::string leaf = merkle::toHex(merkle::leafHash(canonicalAuditEntry(entry)));
  REQUIRE(f.sqlite("DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET details ="
                   " 'rewritten', entry_hash = '" +
                   forged + "', leaf_hash = '" + leaf + "' WHERE sequence = 17;")
              .exitCode == 0);
  auto result = f.log.verify();
  REQUIRE(result.firstBrokenEntry);
  CHECK(*result.firstBrokenEntry == 17);  // its stored tree node no longer matches
  bool linkReported = false;
  for (const auto& problem : result.problems) {
    if (problem.rfind("entry 18: previous hash", 0) == 0) linkReported = true;
  }
  CHECK(linkReported);

  LogFixture g;
  g.appendMany(30);
  auto head = g.log.checkpoint();
  REQUIRE(g.sqlite("DROP TRIGGER audit_entries_no_delete;"
                   " DELETE FROM audit_entries WHERE sequence >= 25;")
              .exitCode == 0);
  auto truncated = g.log.verify();
  REQUIRE(truncated.firstBrokenEntry);
  CHECK(*truncated.firstBrokenEntry == 25);
  REQUIRE(truncated.firstBrokenCheckpoint);
  CHECK(*truncated.firstBrokenCheckpoint == head.treeSize);
}

TEST_CASE("A checkpoint whose signature fails is reported", "[audit]") {
  LogFixture f;
  f.appendMany(10);
  f.log.checkpoint();
  f.appendMany(10);
  auto head = f.log.checkpoint();
  std::string signature = head.signature;
  signature[10] = signature[10] == 'a' ? 'b' : 'a';
  REQUIRE(f.sqlite("DROP TRIGGER audit_checkpoints_no_update; UPDATE audit_checkpoints SET"
                   " signature = '" +
                   signature + "' WHERE tree_size = 20;")
              .exitCode == 0);
  auto result = f.log.verify();
  CHECK_FALSE(result.firstBrokenEntry);
  REQUIRE(result.firstBrokenCheckpoint);
  CHECK(*result.firstBrokenCheckpoint == 20);
  REQUIRE(result.problems.size() == 1);
  CHECK(result.problems.front().find("signature does not verify") != std::string::npos);

  // A verifier that does not trust the instance key says so.
  SqlAuditLog stranger(*f.database, nullptr);
  auto untrusted = stranger.verify();
  CHECK(untrusted.firstBrokenCheckpoint == uint64_t{10});
  CHECK(untrusted.problems.front().find("not trusted") != std::string::npos);
}

TEST_CASE("The audit code has no UPDATE or DELETE statement", "[audit]") {
  std::string source = test::readFile(test::sourceDir() / "storage/src/audit_log.cpp");
  CHECK(source.find("UPDATE ") == std::string::npos);
  CHECK(source.find("DELETE ") == std::string::npos);
  CHECK(source.find("REPLACE ") == std::string::npos);
}

TEST_CASE("vanthu audit verify checks a data directory and names the first broken entry",
          "[audit][cli]") {
  LogFixture f;
  f.appendMany(50);
  f.log.checkpoint();
  f.appendMany(7);
  f.log.checkpoint();
  std::string command = (test::binDir() / "vanthu").string() + " audit verify --data " +
                        test::shellQuote(f.dir.path());
  auto good = test::runCommand(command);
  INFO(good.output);
  CHECK(good.exitCode == 0);
  CHECK(good.output.find("audit log verified: 57 entries, 2 checkpoints") != std::string::npos);

  REQUIRE(f.sqlite("DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET actor ="
                   " 'user-0' WHERE sequence = 53;")
              .exitCode == 0);
  auto bad = test::runCommand(command);
  INFO(bad.output);
  CHECK(bad.exitCode == 1);
  CHECK(bad.output.find("first broken entry 53") != std::string::npos);
  CHECK(bad.output.find("entry 53: stored hash") != std::string::npos);

  auto missing = test::runCommand((test::binDir() / "vanthu").string() + " audit verify --data " +
                                  test::shellQuote(f.dir / "nowhere"));
  CHECK(missing.exitCode == 2);
  CHECK(test::runCommand((test::binDir() / "vanthu").string() + " audit frobnicate").exitCode == 2);
}
